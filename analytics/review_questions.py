"""Questions the FAQ does not answer have one store: the review inbox (``inbox_messages``, reason
``not_covered``, « hors FAQ »), filled from the events by the aggregation (analytics/ingest.py).

Before, the action server also kept them in the registry's ``review_questions`` table. Data
migration: ``import_review_questions`` copies that table's rows into the inbox, idempotently (a row
becomes the inbox message of ``event_id`` = − its id; a question the inbox already holds as « hors
FAQ » on the same day, same masked text group, is not copied again). The aggregation calls it once
per process, and so does ``python -m bma.registry review``; a schema migration can call it, then
drop the old table.
"""
from __future__ import annotations

import logging

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text, inspect, select
from sqlalchemy.orm import Session

from analytics.db import InboxMessage, analytics_engine
from analytics.inbox import group_key

log = logging.getLogger(__name__)
OLD_TABLE = "review_questions"
REASON = "not_covered"
_done: set[str] = set()
# The old table as bma/registry/store.py created it (read only here).
old_table = Table(OLD_TABLE, MetaData(), Column("id", Integer, primary_key=True), Column("created_at", DateTime),
                  Column("text", Text), Column("intent", String(64)), Column("confidence", Float))


def import_review_questions(db_url: str, force: bool = False) -> int:
    """Copy the old ``review_questions`` rows into the inbox (once per process and database unless
    ``force``); returns how many were added. Never raises: the inbox works without it."""
    if db_url in _done and not force:
        return 0
    try:
        added = _copy_into_inbox(db_url)
    except Exception as error:  # noqa: BLE001  (the aggregation goes on; retried by the next process)
        log.error("review questions not copied into the inbox (%s)", type(error).__name__)
        return 0
    _done.add(db_url)
    if added:
        log.info("%d question(s) hors FAQ copied from review_questions into the inbox", added)
    return added


def _copy_into_inbox(db_url: str) -> int:
    engine = analytics_engine(db_url)
    if not inspect(engine).has_table(OLD_TABLE):
        return 0
    with Session(engine, future=True) as db, db.begin():
        old = db.execute(select(old_table.c.id, old_table.c.created_at, old_table.c.text, old_table.c.intent,
                                old_table.c.confidence).order_by(old_table.c.id)).all()
        if not old:
            return 0
        present = set(db.execute(select(InboxMessage.event_id).where(InboxMessage.event_id < 0)).scalars())
        already = {(day, key) for day, key, reasons in db.execute(
            select(InboxMessage.day, InboxMessage.group_key, InboxMessage.reasons)) if REASON in reasons.split(",")}
        rows = []
        for row_id, created_at, question, intent, confidence in old:
            if -row_id in present:
                continue
            key = group_key(question or "")
            if not key or (_day(created_at), key) in already:
                continue
            rows.append(InboxMessage(event_id=-row_id, received_at=created_at, day=_day(created_at), text=question,
                                     group_key=key, intent=intent, confidence=confidence, reasons=REASON, status="new"))
            already.add((_day(created_at), key))
        db.add_all(rows)
        return len(rows)


def _day(created_at):
    return created_at.date() if hasattr(created_at, "date") else created_at


def out_of_faq(db_url: str) -> list[InboxMessage]:
    """The inbox's questions « hors FAQ », oldest first (what ``python -m bma.registry review`` lists)."""
    import_review_questions(db_url)
    with Session(analytics_engine(db_url), future=True) as db:
        return list(db.execute(select(InboxMessage).where(InboxMessage.reasons.like(f"%{REASON}%"))
                               .order_by(InboxMessage.received_at, InboxMessage.event_id)).scalars())
