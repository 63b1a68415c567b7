"""The ``feedback`` table (in the ``BMA_DB_URL`` database) and saving a vote into it.

The public side creates this table and no other of the staff's; the analytics fill in, once the
vote is resolved, what the answer was (intent, action, phase, model id: analytics/rated_answers.py).
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Date, DateTime, Integer, String, UniqueConstraint, delete, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from bma import registry
from bma.registry.store import utcnow
from feedback.votes import Vote

Base = declarative_base()
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


_ready: set[str] = set()
_lock = threading.Lock()


def feedback_engine(url: str) -> Engine:
    """The registry's pooled engine for ``url``, with the ``feedback`` table created once."""
    engine = registry.get_engine(url)
    with _lock:
        if url not in _ready:
            Base.metadata.create_all(engine)
            upgrade(engine)
            _ready.add(url)
    return engine


def upgrade(engine: Engine) -> None:
    """The first slice's conversation ids were 64 characters (SQLite does not enforce VARCHAR lengths)."""
    if engine.dialect.name == "postgresql":
        length = next((c["type"].length for c in inspect(engine).get_columns("feedback")
                       if c["name"] == "conversation_id"), None)
        if length is not None and length < 255:
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE feedback ALTER COLUMN conversation_id TYPE VARCHAR(255)"))


def forget() -> None:
    """Create the table again at the next use (after the engines were disposed)."""
    with _lock:
        _ready.clear()


def timezone(environ: dict | None = None) -> str:
    env = environ if environ is not None else os.environ
    return env.get("BMA_CONSOLE_TZ", DEFAULT_TIMEZONE)


def save(url: str, vote: Vote, now: dt.datetime | None = None, day: dt.date | None = None) -> None:
    """Record, change or withdraw the vote on one bubble."""
    now = now or utcnow()
    with Session(feedback_engine(url), future=True) as db, db.begin():
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
    env = environ if environ is not None else os.environ
    save(registry.database_url(env), vote, day=dt.datetime.now(ZoneInfo(timezone(env))).date())
