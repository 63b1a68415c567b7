"""The console's tables (in the ``BMA_DB_URL`` database, beside the registry) and Rasa's event
broker table (read only, in ``BMA_EVENTS_DB_URL``). SQLAlchemy 1.4, SQLite or PostgreSQL.

What is kept about users: aggregates by day (no text), the masked text of the messages put in the
review inbox, and feedback linked to the answer it rates (intent, action, phase, model id) — no
name, no address, no user text with the feedback.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.orm import declarative_base

from bma import registry
from bma.registry.store import add_missing_columns

log = logging.getLogger(__name__)
Base = declarative_base()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def sql(statement: str, *, times: tuple[str, ...] = (), **returns) -> TextClause:
    """Raw SQL for what SQLAlchemy 1.4 cannot write for SQLite (``UPDATE … RETURNING``, ``INSERT …
    ON CONFLICT`` in one text for both databases): ``times`` names the DateTime parameters (stored
    as the ORM stores them), ``returns`` types the columns it returns."""
    clause = text(statement).bindparams(*(bindparam(name, type_=DateTime) for name in times))
    return clause.columns(**returns) if returns else clause


class StaffAccount(Base):
    __tablename__ = "console_staff"
    id = Column(Integer, primary_key=True)
    login = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)  # Argon2id, never the password
    created_at = Column(DateTime, nullable=False, default=utcnow)
    password_changed_at = Column(DateTime, nullable=False, default=utcnow)
    last_sign_in_at = Column(DateTime)
    # lecture, support or admin (console.accounts.ROLES); accounts older than roles became admin.
    role = Column(String(16), nullable=False, default="lecture", server_default="admin")


class SignInFailures(Base):
    """Password checks by login and client address (``client`` = ``*``: all addresses not known for
    the account), counted *before* each Argon2 check by one UPDATE … RETURNING, so that concurrent
    requests never check more than allowed (console.accounts.reserve). Login and address are keyed
    hashes (HMAC, console.audit.keyed): an unknown login typed here is never stored in clear."""

    __tablename__ = "console_sign_in_failures"
    login_key = Column(String(64), primary_key=True)
    client = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_at = Column(DateTime, nullable=False)


class KnownClient(Base):
    """An address (keyed hash) from which an account signed in: exempt from the login-wide lock."""

    __tablename__ = "console_known_clients"
    staff_id = Column(Integer, ForeignKey("console_staff.id", ondelete="CASCADE"), primary_key=True)
    client = Column(String(64), primary_key=True)
    last_ok_at = Column(DateTime, nullable=False)


class StaffSession(Base):
    __tablename__ = "console_sessions"
    token_hash = Column(String(64), primary_key=True)  # SHA-256 of the cookie: a stolen table opens nothing
    staff_id = Column(Integer, ForeignKey("console_staff.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)


class AuditEntry(Base):
    __tablename__ = "console_audit"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    login = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(Text)
    # Repeated sign-in refusals are one row per burst (console.audit.repeated): how many, until when.
    occurrences = Column(Integer)  # NULL: once
    last_at = Column(DateTime)


class AuditBurst(Base):
    """The audit row a burst of the same refusal (action, login, address) is counted into."""

    __tablename__ = "console_audit_bursts"
    burst_key = Column(String(64), primary_key=True)  # SHA-256 of action, login and address
    audit_id = Column(Integer)
    first_at = Column(DateTime, nullable=False)
    last_at = Column(DateTime, nullable=False)


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
    # Added later (see upgrade): the FAQ topic answered last and the BMA address named (for the
    # desk of a hand-off), and the time of a user message not answered yet (answer latency).
    topic = Column(String(64))
    address = Column(String(64))
    pending_user_ts = Column(Float)
    # The time of its last event (naive UTC): the purge deletes a conversation's state once this is
    # older than BMA_RETENTION_DAYS (console.retention; NULL in databases before: see there).
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
    reasons = Column(String(200), nullable=False, default="")  # comma-separated, see console.inbox.REASONS
    status = Column(String(16), nullable=False, default="new")  # new, labelled, faq, ignored
    label_intent = Column(String(64))
    decided_by = Column(String(64))
    decided_at = Column(DateTime)


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
    when shown). Deleted after BMA_RETENTION_DAYS (console.retention: once a day, a scan of ``at``;
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

_ready: set[str] = set()
_events_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def console_engine(url: str) -> Engine:
    """The registry's pooled engine for ``url``, with the console's tables created once."""
    engine = registry.get_engine(url)
    with _lock:
        if url not in _ready:
            Base.metadata.create_all(engine)
            upgrade(engine)
            _ready.add(url)
    return engine


def upgrade(engine: Engine) -> None:
    """Columns added to the console's tables since the first slice (existing databases keep working)."""
    add_missing_columns(engine, "analytics_conversations", {
        "topic": "VARCHAR(64)", "address": "VARCHAR(64)", "pending_user_ts": "FLOAT", "last_at": "TIMESTAMP"})
    # Roles: an account created before them keeps every right (admin), so nobody loses access.
    add_missing_columns(engine, "console_staff", {"role": "VARCHAR(16) DEFAULT 'admin' NOT NULL"})
    add_missing_columns(engine, "console_audit", {"occurrences": "INTEGER", "last_at": "TIMESTAMP"})
    # The first slice counted failures by login in clear, unknown logins included: gone.
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS console_sign_in_attempts"))
    from console import audit  # late: console.audit imports this module
    audit.hide_unknown_logins(engine)
    if engine.dialect.name == "postgresql":  # SQLite does not enforce VARCHAR lengths
        length = next((c["type"].length for c in inspect(engine).get_columns("feedback")
                       if c["name"] == "conversation_id"), None)
        if length is not None and length < 255:
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE feedback ALTER COLUMN conversation_id TYPE VARCHAR(255)"))


def events_engine(url: str) -> Engine:
    """The engine of Rasa's event broker database. The console never creates Rasa's table (two
    processes creating it at once would make Rasa fail at start-up): see ``broker_ready``."""
    with _lock:
        engine = _events_engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, future=True, connect_args={"timeout": 10})
            else:
                engine = create_engine(url, future=True, pool_pre_ping=True, pool_size=3, max_overflow=2)
            _events_engines[url] = engine
        return engine


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
    with _lock:
        for engine in _events_engines.values():
            engine.dispose()
        _events_engines.clear()
        _ready.clear()
        _broker_ready.clear()
    registry.dispose_engines()
