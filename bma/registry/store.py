"""The registry's tables and queries: mailboxes and where they come from (imports, demonstration),
prepared messages (tickets), questions for review.

SQLAlchemy 1.4, on the project's storage layer (storage/: one Base, one engine per URL, Alembic
migrations). ``BMA_DB_URL`` chooses the database; by default an SQLite file under ``var/``.
No Rasa import.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, relationship

import storage
from bma.mailbox import DEMO_PROVENANCE, Mailbox, Provenance
from bma.phases import MailboxDates, phase_of
from storage import Base, database_url, utcnow  # noqa: F401  (database_url, utcnow: used from here)

log = logging.getLogger(__name__)


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
    in_mode = Column(Boolean)  # None: MODE membership unknown (NOT NULL before: storage/migrations)
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
    # « ouvert » / « traité », changed by the staff in the console.
    status = Column(String(12), nullable=False, default="open", server_default="open")


TICKET_STATUSES = ("open", "done")


class ChannelErrorRow(Base):
    """How many times a channel answered with its apology because Rasa failed, by day (UTC): a
    counter for the console's metrics, nothing about the message or the person."""

    __tablename__ = "channel_errors"
    day = Column(Date, primary_key=True)
    channel = Column(String(32), primary_key=True)
    count = Column(Integer, nullable=False, default=0)


LEGACY_DEMO_FILE = "bma/demo.py (adresses d'avant la plage réservée)"
_checked: set[str] = set()
_checked_lock = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """The project's pooled engine for ``url`` (storage.engine: schema at the latest revision), the
    rows of the former demo recorded as such once per process."""
    url = url or database_url()
    engine = storage.engine(url)
    with _checked_lock:
        if url not in _checked:
            _mark_legacy_demo(engine)
            _checked.add(url)
    return engine


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
    with _checked_lock:
        _checked.clear()
    storage.dispose()


def session(url: str | None = None) -> Session:
    """A new session on the URL's pooled engine (objects stay readable after commit)."""
    return Session(get_engine(url), future=True, expire_on_commit=False)


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
