"""How far the campaign has gone, from the registry: has every mailbox migrated? (FAQ §3: once
every BMA has migrated, password recovery goes to the ETNIC Service Desk.)"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from bma.registry.store import MailboxRow, session


def all_migrated(today: dt.date, url: str | None = None) -> bool | None:
    """True when every mailbox of the registry has reached its migration date on ``today``; None
    when the registry holds no mailbox (it cannot tell)."""
    with session(url) as db:
        total = db.execute(select(func.count(MailboxRow.id))).scalar_one()
        if not total:
            return None
        pending = db.execute(select(func.count(MailboxRow.id)).where(
            or_(MailboxRow.migration_date.is_(None), MailboxRow.migration_date > today))).scalar_one()
        return pending == 0
