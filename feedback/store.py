"""The ``feedback`` table (in the ``BMA_DB_URL`` database) and saving a vote into it.

The table is created with the others (storage/migrations); the analytics fill in, once the
vote is resolved, what the answer was (intent, action, phase, model id: analytics/rated_answers.py).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Date, DateTime, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.engine import Engine

import settings
import storage
from feedback.votes import Vote
from storage import Base, utcnow

# The staff's calendar: a vote counts on the day it was given there (BMA_CONSOLE_TZ).
DEFAULT_TIMEZONE = "Europe/Brussels"


class Feedback(Base):
    """A 👍/👎 from the web widget. Until resolved it holds the link to the rated bubble
    (conversation, digest of its text, occurrence); resolved, it holds what the answer was."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("conversation_id", "digest", "occurrence", name="uq_feedback_bubble"),)
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    day = Column(Date, nullable=False, index=True)
    conversation_id = Column(String(255), nullable=False)  # Teams conversation ids can be long
    digest = Column(String(8), nullable=False)
    occurrence = Column(Integer, nullable=False)
    rating = Column(String(4), nullable=False)  # up, down
    reason = Column(String(20))  # not_my_question, unclear, incorrect
    status = Column(String(12), nullable=False, default="pending", index=True)  # pending, resolved, unresolved
    bot_event_id = Column(Integer)
    user_event_id = Column(Integer)
    intent = Column(String(64))
    action = Column(String(64))
    phase = Column(String(20))
    model_id = Column(String(64))


def feedback_engine(url: str) -> Engine:
    """The project's pooled engine for ``url`` (storage.engine: every table at the latest revision)."""
    return storage.engine(url)


def forget() -> None:
    """Kept for callers of the former per-table cache: storage.dispose() forgets the engines."""


def timezone(environ: dict | None = None) -> str:
    return settings.get("BMA_CONSOLE_TZ", environ)


def save(url: str, vote: Vote, now: dt.datetime | None = None, day: dt.date | None = None) -> None:
    """Record, change or withdraw the vote on one bubble."""
    now = now or utcnow()
    with storage.session(url) as db, db.begin():
        where = (Feedback.conversation_id == vote.conversation_id, Feedback.digest == vote.digest,
                 Feedback.occurrence == vote.occurrence)
        if vote.rating is None:
            db.execute(delete(Feedback).where(*where))
            return
        row = db.execute(select(Feedback).where(*where)).scalar_one_or_none()
        if row is None:
            db.add(Feedback(created_at=now, day=day or dt.date.today(), conversation_id=vote.conversation_id,
                            digest=vote.digest, occurrence=vote.occurrence, rating=vote.rating, reason=vote.reason))
        else:
            row.rating, row.reason = vote.rating, vote.reason


def record(vote: Vote, environ: dict | None = None) -> None:
    """Save a vote where the environment says (``BMA_DB_URL``), dated by the staff's calendar."""
    save(storage.database_url(environ), vote, day=dt.datetime.now(ZoneInfo(timezone(environ))).date())
