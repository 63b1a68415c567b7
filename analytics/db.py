"""The analytics' tables (in the ``BMA_DB_URL`` database, beside the registry and the staff's) and
Rasa's event broker table (read only, in ``BMA_EVENTS_DB_URL``). SQLAlchemy 1.4, SQLite or PostgreSQL.

What is kept about users: aggregates by day (no text), the masked text of the messages put in the
review inbox and of the transcripts (until BMA_RETENTION_DAYS), and feedback linked to the answer
it rates (feedback/store.py: intent, action, phase, model id) — no name, no address, no user text
with the feedback.
"""
from __future__ import annotations

import logging

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import TextClause

import storage
from bma import registry
from feedback.store import Feedback  # noqa: F401  (resolved and counted here)
from storage import Base, utcnow  # noqa: F401  (utcnow: the analytics' clock)

log = logging.getLogger(__name__)


def sql(statement: str, *, times: tuple[str, ...] = (), **returns) -> TextClause:
    """Raw SQL for what SQLAlchemy 1.4 cannot write for SQLite (``UPDATE … RETURNING``, ``INSERT …
    ON CONFLICT`` in one text for both databases): ``times`` names the DateTime parameters (stored
    as the ORM stores them), ``returns`` types the columns it returns."""
    clause = text(statement).bindparams(*(bindparam(name, type_=DateTime) for name in times))
    return clause.columns(**returns) if returns else clause


class IngestCursor(Base):
    __tablename__ = "analytics_cursor"
    name = Column(String(32), primary_key=True)
    last_event_id = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime)


class ConversationState(Base):
    """What the aggregation needs to remember of a conversation between two batches of events."""

    __tablename__ = "analytics_conversations"
    conversation_id = Column(String(255), primary_key=True)
    first_day = Column(Date)
    last_user_event_id = Column(Integer)
    last_intent = Column(String(64))
    last_action = Column(String(64))
    clarified_event_id = Column(Integer)
    # Added later (storage/migrations): the FAQ topic answered last and the BMA address named (for the
    # desk of a hand-off), and the time of a user message not answered yet (answer latency).
    topic = Column(String(64))
    address = Column(String(64))
    pending_user_ts = Column(Float)
    # The time of its last event (naive UTC): the purge deletes a conversation's state once this is
    # older than BMA_RETENTION_DAYS (analytics.retention; NULL in databases before: see there).
    last_at = Column(DateTime)


class DailyCount(Base):
    """Counters by day: (day, metric, key) → count. The dashboard only sums these."""

    __tablename__ = "analytics_daily"
    day = Column(Date, primary_key=True)
    metric = Column(String(32), primary_key=True)
    key = Column(String(64), primary_key=True, default="")
    count = Column(Integer, nullable=False, default=0)


class InboxMessage(Base):
    """A user message the assistant may have misunderstood (masked text, as the broker holds it)."""

    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_status_group", "status", "group_key"),)
    event_id = Column(Integer, primary_key=True)  # the broker's row id of the user event
    received_at = Column(DateTime, nullable=False)
    day = Column(Date, nullable=False, index=True)
    text = Column(Text, nullable=False)
    group_key = Column(String(300), nullable=False)
    intent = Column(String(64))  # best intent other than nlu_fallback
    confidence = Column(Float)
    reasons = Column(String(200), nullable=False, default="")  # comma-separated, see analytics.inbox.REASONS
    status = Column(String(16), nullable=False, default="new")  # new, labelled, faq, ignored
    label_intent = Column(String(64))
    decided_by = Column(String(64))
    decided_at = Column(DateTime)


class TranscriptConversation(Base):
    """One conversation (Rasa sender id) of the transcript viewer, for searching by period."""

    __tablename__ = "transcript_conversations"
    __table_args__ = (Index("ix_transcript_conversations_period", "last_at", "started_at"),)
    id = Column(Integer, primary_key=True)  # what the console's URLs name, never the sender id
    conversation_id = Column(String(255), nullable=False, unique=True)
    channel = Column(String(32))
    started_at = Column(DateTime, nullable=False)  # naive UTC, like every DateTime column
    last_at = Column(DateTime, nullable=False)
    user_messages = Column(Integer, nullable=False, default=0)
    bot_messages = Column(Integer, nullable=False, default=0)


class TranscriptMessage(Base):
    """A user or bot message of a conversation, masked as the broker holds it (and masked again
    when shown). Deleted after BMA_RETENTION_DAYS (analytics.retention: once a day, a scan of ``at``;
    no index on it, which would cost the aggregation more than it saves the purge)."""

    __tablename__ = "transcript_messages"
    __table_args__ = (Index("ix_transcript_messages_conversation", "conversation_ref", "event_id"),)
    event_id = Column(Integer, primary_key=True)  # the broker's row id
    conversation_ref = Column(Integer, nullable=False)  # TranscriptConversation.id
    at = Column(DateTime, nullable=False)
    author = Column(String(4), nullable=False)  # user, bot
    text = Column(Text, nullable=False)
    intent = Column(String(64))  # user messages: the intent predicted
    confidence = Column(Float)
    action = Column(String(64))  # bot messages: the action that said it


class TranscriptTag(Base):
    """What a conversation can be found by: an intent of its messages or a BMA address it named,
    with the last time it appeared (so that the purge drops what only old messages held)."""

    __tablename__ = "transcript_tags"
    __table_args__ = (Index("ix_transcript_tags_conversation", "conversation_ref"),)
    kind = Column(String(8), primary_key=True)  # intent, address
    value = Column(String(64), primary_key=True)
    conversation_ref = Column(Integer, primary_key=True)
    last_at = Column(DateTime, nullable=False)


# Rasa's SQLEventBroker table, as rasa/core/brokers/sql.py declares it (read only; created by Rasa,
# or by console.synthetic for tests), plus an index on sender_id for the feedback join.
broker_metadata = MetaData()
broker_events = Table(
    "events", broker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)


def analytics_engine(url: str) -> Engine:
    """The project's pooled engine for ``url`` (storage.engine: every table at the latest revision)."""
    return storage.engine(url)


def events_engine(url: str) -> Engine:
    """The engine of Rasa's event broker database, from the same cache, its schema untouched: the
    console never creates Rasa's table (two processes creating it at once would make Rasa fail at
    start-up): see ``broker_ready``."""
    return storage.engine(url, migrate=False)


_broker_ready: set[str] = set()


def broker_ready(url: str) -> bool:
    """True once Rasa's ``events`` table exists; then, once, the index on sender_id that the
    feedback join uses and, on SQLite, the WAL journal (Rasa writing and the console reading
    no longer block each other)."""
    if url in _broker_ready:
        return True
    engine = events_engine(url)
    if not inspect(engine).has_table("events"):
        return False
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)"))
    except Exception as error:  # no DDL right: the feedback join scans, still correct
        log.warning("no index on events.sender_id (%s)", type(error).__name__)
    if engine.dialect.name == "sqlite":
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        except Exception as error:  # busy: the default journal still works
            log.warning("events database left in its journal mode (%s)", type(error).__name__)
    _broker_ready.add(url)
    return True


def dispose() -> None:
    _broker_ready.clear()
    registry.dispose_engines()
