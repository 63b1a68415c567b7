"""Where a mailbox stands in the migration, from its dates and the reference date.

No Rasa import. The reference date is ``BMA_TODAY`` (YYYY-MM-DD), default today, so the
campaign of autumn 2024 can be replayed.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import Enum

import settings
from bma.facts import CAMPAIGN_END, CAMPAIGN_START, EMAIL1_WINDOWS


class Phase(str, Enum):
    UNKNOWN = "unknown"  # address not in the registry
    NOT_STARTED = "not_started"  # no e-mail 1 yet
    ANNOUNCED = "announced"  # e-mail 1 received
    PASSWORD_SENT = "password_sent"  # e-mail 2 (new password) received
    SCHEDULED = "scheduled"  # e-mail 3 received, migration date ahead
    MIGRATED = "migrated"  # migration date reached (e-mail 4 that night)


PHASE_LABELS_FR = {
    Phase.UNKNOWN: "adresse inconnue du registre",
    Phase.NOT_STARTED: "migration pas encore commencée",
    Phase.ANNOUNCED: "migration annoncée (e-mail n°1 reçu)",
    Phase.PASSWORD_SENT: "nouveau mot de passe envoyé (e-mail n°2)",
    Phase.SCHEDULED: "migration planifiée (e-mail n°3 reçu)",
    Phase.MIGRATED: "boîte migrée",
}


class CampaignPeriod(str, Enum):
    BEFORE = "before"
    DURING = "during"
    OVER = "over"


@dataclass(frozen=True)
class MailboxDates:
    email1_date: dt.date | None = None
    email2_date: dt.date | None = None
    email3_date: dt.date | None = None
    migration_date: dt.date | None = None


class BadReferenceDate(ValueError):
    pass


def reference_date(environ: dict | None = None) -> dt.date:
    """``BMA_TODAY`` if set (YYYY-MM-DD), else today."""
    try:
        return settings.get("BMA_TODAY", environ) or dt.date.today()
    except settings.SettingError as error:
        raise BadReferenceDate(str(error)) from None


def reference_date_or_today(environ: dict | None = None) -> dt.date:
    """``reference_date()``, falling back to today (logged) when BMA_TODAY is malformed."""
    try:
        return reference_date(environ)
    except BadReferenceDate as error:
        logging.getLogger(__name__).error("%s; using today", error)
        return dt.date.today()


def phase_of(dates: MailboxDates | None, today: dt.date) -> Phase:
    """The phase on ``today``: each e-mail counts from its date (inclusive)."""
    if dates is None:
        return Phase.UNKNOWN
    if dates.migration_date and dates.migration_date <= today:
        return Phase.MIGRATED
    if dates.email3_date and dates.email3_date <= today:
        return Phase.SCHEDULED
    if dates.email2_date and dates.email2_date <= today:
        return Phase.PASSWORD_SENT
    if dates.email1_date and dates.email1_date <= today:
        return Phase.ANNOUNCED
    return Phase.NOT_STARTED


def migration_started(phase: Phase) -> bool:
    """FAQ section 7 « si la migration a commencé »: the SGNE has sent e-mail 1."""
    return phase in (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED, Phase.MIGRATED)


def campaign_period(today: dt.date) -> CampaignPeriod:
    if today < CAMPAIGN_START:
        return CampaignPeriod.BEFORE
    if today <= CAMPAIGN_END:
        return CampaignPeriod.DURING
    return CampaignPeriod.OVER


class WindowStatus(str, Enum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


def email1_window_status(kind: str, today: dt.date) -> WindowStatus:
    """Is the e-mail 1 window of this kind (``po``/``ec``) ahead, open or over on ``today``?"""
    start, end = EMAIL1_WINDOWS[kind]
    if today < start:
        return WindowStatus.NOT_OPEN
    if today <= end:
        return WindowStatus.OPEN
    return WindowStatus.CLOSED
