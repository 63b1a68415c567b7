"""The registry's tables and queries: mailboxes and where they come from (imports, demonstration),
prepared messages (tickets), questions for review.

SQLAlchemy 1.4. ``BMA_DB_URL`` chooses the database; by default an SQLite file under ``var/``.
No Rasa import.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
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
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker
from sqlalchemy.schema import CreateIndex, CreateTable

from bma.mailbox import DEMO_PROVENANCE, Mailbox, Provenance
from bma.phases import MailboxDates, phase_of
from bma.secrets import mask_string

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "registry.sqlite3"

Base = declarative_base()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


SOURCE_KINDS = ("import", "demo")


class RegistrySourceRow(Base):
    """One load of the registry: a CSV import (its file's name and modification date) or the demo."""

    __tablename__ = "registry_sources"
    id = Column(Integer, primary_key=True)
    kind = Column(String(8), nullable=False)  # "import" or "demo"
    file_name = Column(String(255))
    file_date = Column(DateTime)  # the file's modification time, local (naive), None when unknown
    row_count = Column(Integer, nullable=False)  # rows the file brought (inserted + updated)
    loaded_at = Column(DateTime, nullable=False, default=utcnow)  # UTC

    def provenance(self) -> Provenance:
        if self.kind == "demo":
            return DEMO_PROVENANCE
        return Provenance(demo=False, label=import_label(self.file_name, self.file_date or self.loaded_at))


def import_label(file_name: str | None, date: dt.datetime | dt.date | None) -> str:
    """« import de registre.csv du 12/11/2024 » (French, completes « d'après le registre de migration (…) »)."""
    label = f"import de {file_name}" if file_name else "import"
    return f"{label} du {date:%d/%m/%Y}" if date else label


class MailboxRow(Base):
    __tablename__ = "mailboxes"
    __table_args__ = (UniqueConstraint("address", name="uq_mailboxes_address"),)

    id = Column(Integer, primary_key=True)
    address = Column(String(64), nullable=False, index=True)
    kind = Column(String(2), nullable=False)
    fase = Column(String(8), nullable=False)
    name = Column(String(200))
    in_mode = Column(Boolean)  # None: MODE membership unknown (NOT NULL in databases before: see _upgrade)
    email1_date = Column(Date)
    email2_date = Column(Date)
    email3_date = Column(Date)
    migration_date = Column(Date)
    # The import (or demo) that last wrote the row; None for rows loaded before sources were recorded.
    source_id = Column(Integer, ForeignKey("registry_sources.id"), index=True)
    source = relationship(RegistrySourceRow, lazy="joined")

    def to_mailbox(self) -> Mailbox:
        return Mailbox(
            address=self.address,
            kind=self.kind,
            fase=self.fase,
            name=self.name,
            in_mode=None if self.in_mode is None else bool(self.in_mode),
            dates=MailboxDates(self.email1_date, self.email2_date, self.email3_date, self.migration_date),
            provenance=self.source.provenance() if self.source is not None else None,
        )


class ReviewQuestionRow(Base):
    """A question the FAQ does not answer, for the staff (FAQ owners) to review."""

    __tablename__ = "review_questions"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    text = Column(Text, nullable=False)
    intent = Column(String(64), nullable=False)
    confidence = Column(Float)


OTHER_EMAIL_RE = re.compile(r"\b(?!(?:ec|po)\d{6}@adm\.cfwb\.be\b)[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)


class TicketRow(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
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
                # A generous busy timeout: several processes may upgrade or load one file at once.
                engine = create_engine(url, future=True, connect_args={"timeout": 30})
            else:
                engine = create_engine(
                    url, future=True, pool_size=5, max_overflow=5, pool_pre_ping=True,
                    pool_timeout=5, connect_args={"connect_timeout": 3} if url.startswith("postgresql") else {},
                )
            _create_all(engine)
            _upgrade(engine)
            _engines[url] = engine
        return engine


def _create_all(engine: Engine) -> None:
    """``create_all``, tolerant of another process creating the same tables at the same moment (it
    checks, then creates: the slower one finds « already exists » and tries again)."""
    for attempt in range(3):
        try:
            Base.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as error:
            if attempt == 2 or not re.search(r"already exists|duplicate", str(error), re.I):
                raise


def _upgrade(engine: Engine) -> None:
    """Columns added since a database was created (create_all only creates missing tables).
    Two processes may try at once: the loser's ALTER fails, and the column is there."""
    add_missing_columns(engine, "tickets", {"status": "VARCHAR(12) DEFAULT 'open' NOT NULL"})
    added = add_missing_columns(engine, "mailboxes", {"source_id": "INTEGER REFERENCES registry_sources(id)"})
    if added:
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX IF NOT EXISTS ix_mailboxes_source_id ON mailboxes (source_id)"))
    _in_mode_nullable(engine)
    _mark_legacy_demo(engine)


def add_missing_columns(engine: Engine, table: str, columns: dict[str, str]) -> list[str]:
    """``ALTER TABLE … ADD COLUMN`` for each of ``columns`` (name → SQL type and default) missing
    from ``table`` (SQLite and PostgreSQL); returns the columns this call added."""
    present = {c["name"] for c in inspect(engine).get_columns(table)}
    added = []
    for name, ddl in columns.items():
        if name in present:
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))
            log.info("column %s.%s added", table, name)
            added.append(name)
        except Exception:
            if name not in {c["name"] for c in inspect(engine).get_columns(table)}:
                raise
    return added


def _in_mode_nullable(engine: Engine) -> None:
    """``mailboxes.in_mode`` was NOT NULL before MODE membership could be unknown."""
    column = next(c for c in inspect(engine).get_columns("mailboxes") if c["name"] == "in_mode")
    if column["nullable"]:
        return
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:  # idempotent: a second process's ALTER changes nothing
            conn.execute(text("ALTER TABLE mailboxes ALTER COLUMN in_mode DROP NOT NULL"))
        log.info("column mailboxes.in_mode made nullable")
        return
    # SQLite cannot drop a NOT NULL: new table, copy, drop, rename, indexes, in one transaction
    # taken for writing first (a second process waits, then finds the work done).
    raw = engine.raw_connection()
    conn = raw.dbapi_connection
    isolation = conn.isolation_level
    conn.isolation_level = None  # we issue BEGIN / COMMIT ourselves (DDL included)
    try:
        cursor = conn.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            info = cursor.execute("PRAGMA table_info(mailboxes)").fetchall()  # cid, name, type, notnull, …
            if any(row[1] == "in_mode" and row[3] for row in info):
                table = MailboxRow.__table__
                metadata = MetaData()
                RegistrySourceRow.__table__.to_metadata(metadata)  # the foreign key's target
                rebuilt = table.to_metadata(metadata, name="mailboxes_rebuild")
                names = ", ".join(c.name for c in table.columns if c.name in {row[1] for row in info})
                cursor.execute(str(CreateTable(rebuilt).compile(dialect=engine.dialect)))
                cursor.execute(f"INSERT INTO mailboxes_rebuild ({names}) SELECT {names} FROM mailboxes")
                cursor.execute("DROP TABLE mailboxes")
                cursor.execute("ALTER TABLE mailboxes_rebuild RENAME TO mailboxes")
                for index in table.indexes:
                    cursor.execute(str(CreateIndex(index).compile(dialect=engine.dialect)))
                log.info("table mailboxes rebuilt: in_mode nullable")
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    finally:
        conn.isolation_level = isolation
        raw.close()


LEGACY_DEMO_FILE = "bma/demo.py (adresses d'avant la plage réservée)"


def _mark_legacy_demo(engine: Engine) -> None:
    """A database loaded before sources were recorded may hold the demo of that time, with
    addresses outside the reserved range (ec000001…): its rows (same address and name) are
    recorded as demonstration data, never left to pass for real mailboxes. Cheap when every row
    has a source (indexed); two processes at once: the second updates no row and rolls back."""
    with Session(engine, future=True) as db:
        unsourced = db.execute(select(MailboxRow.address, MailboxRow.name)
                               .where(MailboxRow.source_id.is_(None))).all()
        if not unsourced:
            return
        from bma import demo

        legacy = {row[0]: row[1] for row in demo.rows(fase_offset=0)}
        matching = [address for address, name in unsourced if address in legacy and legacy[address] == name]
        if not matching:
            return
        source = RegistrySourceRow(kind="demo", file_name=LEGACY_DEMO_FILE, row_count=len(matching))
        db.add(source)
        db.flush()
        marked = 0
        for start in range(0, len(matching), 500):
            marked += db.execute(
                update(MailboxRow).where(MailboxRow.address.in_(matching[start:start + 500]),
                                         MailboxRow.source_id.is_(None))
                .values(source_id=source.id).execution_options(synchronize_session=False)).rowcount
        if not marked:
            db.rollback()
            return
        source.row_count = marked
        db.commit()
    log.warning("%d rows of the former demo recorded as demonstration data", marked)


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


def count_mailboxes_without_source(url: str | None = None) -> int:
    """Rows loaded before sources were recorded (their provenance is unknown)."""
    with session(url) as db:
        return db.execute(select(func.count(MailboxRow.id)).where(MailboxRow.source_id.is_(None))).scalar_one()


def count_demo_mailboxes(url: str | None = None) -> int:
    with session(url) as db:
        return db.execute(select(func.count(MailboxRow.id)).join(RegistrySourceRow, MailboxRow.source)
                          .where(RegistrySourceRow.kind == "demo")).scalar_one()


def holds_demo_data(url: str | None = None) -> bool:
    """True when any row of the registry is demonstration data."""
    with session(url) as db:
        return db.execute(select(MailboxRow.id).join(RegistrySourceRow, MailboxRow.source)
                          .where(RegistrySourceRow.kind == "demo").limit(1)).first() is not None


@dataclass(frozen=True)
class RegistrySource:
    """A load of the registry, for display: ``row_count`` rows when loaded, ``current_rows`` still
    from it (a later import of the same address takes the row over)."""

    id: int
    kind: str  # "import" or "demo"
    file_name: str | None
    file_date: dt.datetime | None
    row_count: int
    loaded_at: dt.datetime  # UTC
    current_rows: int

    @property
    def demo(self) -> bool:
        return self.kind == "demo"

    @property
    def label(self) -> str:
        if self.demo:
            return DEMO_PROVENANCE.label
        return import_label(self.file_name, self.file_date or self.loaded_at)


def registry_sources(url: str | None = None) -> list[RegistrySource]:
    """Every load of the registry, the latest first."""
    with session(url) as db:
        current = dict(db.execute(select(MailboxRow.source_id, func.count(MailboxRow.id))
                                  .where(MailboxRow.source_id.is_not(None)).group_by(MailboxRow.source_id)).all())
        return [
            RegistrySource(row.id, row.kind, row.file_name, row.file_date, row.row_count, row.loaded_at,
                           current.get(row.id, 0))
            for row in db.execute(select(RegistrySourceRow).order_by(RegistrySourceRow.id.desc())).scalars()
        ]


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


def list_review_questions(url: str | None = None) -> list[ReviewQuestionRow]:
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
