"""The registry's tables and queries: mailboxes, prepared messages (tickets), questions for review.

SQLAlchemy 1.4. ``BMA_DB_URL`` chooses the database; by default an SQLite file under ``var/``.
No Rasa import.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
import logging
import os
import re
import threading
from pathlib import Path

from sqlalchemy import (
    Float,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bma.mailbox import Mailbox
from bma.phases import MailboxDates, phase_of
from bma.secrets import mask_string

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "registry.sqlite3"

Base = declarative_base()


class MailboxRow(Base):
    __tablename__ = "mailboxes"
    __table_args__ = (UniqueConstraint("address", name="uq_mailboxes_address"),)

    id = Column(Integer, primary_key=True)
    address = Column(String(64), nullable=False, index=True)
    kind = Column(String(2), nullable=False)
    fase = Column(String(8), nullable=False)
    name = Column(String(200))
    in_mode = Column(Boolean, nullable=False, default=True)
    email1_date = Column(Date)
    email2_date = Column(Date)
    email3_date = Column(Date)
    migration_date = Column(Date)

    def to_mailbox(self) -> Mailbox:
        return Mailbox(
            address=self.address,
            kind=self.kind,
            fase=self.fase,
            name=self.name,
            in_mode=bool(self.in_mode),
            dates=MailboxDates(self.email1_date, self.email2_date, self.email3_date, self.migration_date),
        )


class ReviewQuestionRow(Base):
    """A question the FAQ does not answer, for the staff (FAQ owners) to review."""

    __tablename__ = "review_questions"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    text = Column(Text, nullable=False)
    intent = Column(String(64), nullable=False)
    confidence = Column(Float)


OTHER_EMAIL_RE = re.compile(r"\b(?!(?:ec|po)\d{6}@adm\.cfwb\.be\b)[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)


class TicketRow(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    route = Column(String(32), nullable=False)
    address = Column(String(64))
    last_name = Column(String(100))
    first_name = Column(String(100))
    description = Column(Text)
    conversation_id = Column(String(200))
    # « ouvert » / « traité », changed by the staff in the console (added to older databases on
    # first use: see _upgrade).
    status = Column(String(12), nullable=False, default="open", server_default="open")


TICKET_STATUSES = ("open", "done")


class ChannelErrorRow(Base):
    """How many times a channel answered with its apology because Rasa failed, by day (UTC): a
    counter for the console's metrics, nothing about the message or the person."""

    __tablename__ = "channel_errors"
    day = Column(Date, primary_key=True)
    channel = Column(String(32), primary_key=True)
    count = Column(Integer, nullable=False, default=0)


def database_url(environ: dict | None = None) -> str:
    env = environ if environ is not None else os.environ
    url = env.get("BMA_DB_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_DB_PATH}"


_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker] = {}
_engines_lock = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """One pooled engine per URL, tables created on first use."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, future=True, connect_args={"timeout": 5})
            else:
                engine = create_engine(
                    url, future=True, pool_size=5, max_overflow=5, pool_pre_ping=True,
                    pool_timeout=5, connect_args={"connect_timeout": 3} if url.startswith("postgresql") else {},
                )
            Base.metadata.create_all(engine)
            _upgrade(engine)
            _engines[url] = engine
        return engine


def _upgrade(engine: Engine) -> None:
    """Columns added since a database was created (create_all only creates missing tables).
    Two processes may try at once: the loser's ALTER fails, and the column is there."""
    add_missing_columns(engine, "tickets", {"status": "VARCHAR(12) DEFAULT 'open' NOT NULL"})


def add_missing_columns(engine: Engine, table: str, columns: dict[str, str]) -> None:
    """``ALTER TABLE … ADD COLUMN`` for each of ``columns`` (name → SQL type and default) missing
    from ``table`` (SQLite and PostgreSQL)."""
    present = {c["name"] for c in inspect(engine).get_columns(table)}
    for name, ddl in columns.items():
        if name in present:
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))
            log.info("column %s.%s added", table, name)
        except Exception:
            if name not in {c["name"] for c in inspect(engine).get_columns(table)}:
                raise


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()


def session(url: str | None = None) -> Session:
    """A new session on the URL's pooled engine (the factory is built once per URL)."""
    url = url or database_url()
    factory = _sessionmakers.get(url)
    if factory is None:
        factory = _sessionmakers[url] = sessionmaker(get_engine(url), future=True, expire_on_commit=False)
    return factory()


def find_mailbox(address: str, url: str | None = None) -> Mailbox | None:
    with session(url) as db:
        row = db.execute(select(MailboxRow).where(MailboxRow.address == address.lower())).scalar_one_or_none()
        return row.to_mailbox() if row else None


def count_mailboxes(url: str | None = None) -> int:
    with session(url) as db:
        return db.execute(select(func.count(MailboxRow.id))).scalar_one()


def record_ticket(
    *, route: str, address: str | None, last_name: str | None, first_name: str | None,
    description: str | None, conversation_id: str | None, url: str | None = None,
) -> int:
    with session(url) as db, db.begin():
        ticket = TicketRow(
            route=route, address=address, last_name=last_name, first_name=first_name,
            description=description, conversation_id=conversation_id,
        )
        db.add(ticket)
        db.flush()
        return ticket.id


def record_review_question(text: str, intent: str, confidence: float | None, url: str | None = None) -> int:
    """Keep a question for the staff's review: the masked text, any e-mail address other than a BMA's
    removed; no conversation id, no name."""
    cleaned = OTHER_EMAIL_RE.sub("[adresse e-mail]", mask_string(text))[:500]
    with session(url) as db, db.begin():
        row = ReviewQuestionRow(text=cleaned, intent=intent, confidence=confidence)
        db.add(row)
        db.flush()
        return row.id


def list_review_questions(url: str | None = None) -> list["ReviewQuestionRow"]:
    with session(url) as db:
        return list(db.execute(select(ReviewQuestionRow).order_by(ReviewQuestionRow.id)).scalars())


def record_channel_error(channel: str, url: str | None = None, day: dt.date | None = None) -> None:
    """Count one apology of ``channel`` (the Rasa server failed to process a message)."""
    day = day or dt.datetime.now(dt.timezone.utc).date()
    where = (ChannelErrorRow.day == day, ChannelErrorRow.channel == channel[:32])
    for attempt in range(2):  # a concurrent first insert of the day: then the update finds it
        try:
            with session(url) as db, db.begin():
                if db.execute(update(ChannelErrorRow).where(*where)
                              .values(count=ChannelErrorRow.count + 1)).rowcount == 0:
                    db.add(ChannelErrorRow(day=day, channel=channel[:32], count=1))
            return
        except IntegrityError:
            if attempt:
                raise


def list_tickets(url: str | None = None) -> list[TicketRow]:
    with session(url) as db:
        return list(db.execute(select(TicketRow).order_by(TicketRow.id)).scalars())


def phase_counts(today: dt.date, url: str | None = None) -> Counter:
    counts: Counter = Counter()
    with session(url) as db:
        for dates in db.execute(select(
            MailboxRow.email1_date, MailboxRow.email2_date, MailboxRow.email3_date, MailboxRow.migration_date
        )):
            counts[phase_of(MailboxDates(*dates), today)] += 1
    return counts
