"""The mailbox registry: where each BMA stands, and the support tickets.

SQLAlchemy 1.4. ``BMA_DB_URL`` chooses the database; by default an SQLite file under
``var/``. No Rasa import. Command line (``python -m actions.registry --help``):

    import FILE.csv   validate every row, then upsert all of them in one transaction
    show ADDRESS      the record and its phase on the reference date
    stats             mailboxes per phase
    tickets           the support tickets recorded by the assistant
    demo [--if-empty] load the deterministic demo campaign (actions/demo.py)
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import logging
import os
import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

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
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from actions import address as bma_address
from actions.mailbox import Mailbox
from actions.phases import MailboxDates, Phase, phase_of, reference_date
from actions.secrets import mask_string

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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
            _engines[url] = engine
        return engine


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


def list_tickets(url: str | None = None) -> list[TicketRow]:
    with session(url) as db:
        return list(db.execute(select(TicketRow).order_by(TicketRow.id)).scalars())


# --- CSV import ------------------------------------------------------------------------------

REQUIRED_COLUMNS = ("address", "in_mode", "email1_date", "email2_date", "email3_date", "migration_date")
DATE_COLUMNS = ("email1_date", "email2_date", "email3_date", "migration_date")
TRUE_WORDS = {"yes", "oui", "true", "1", "y", "o", "vrai"}
FALSE_WORDS = {"no", "non", "false", "0", "n", "faux"}


@dataclass
class ImportRow:
    line: int
    values: dict


@dataclass
class ImportResult:
    inserted: int
    updated: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _parse_bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def read_csv(raw: bytes) -> tuple[list[ImportRow], list[str]]:
    """Parse and validate every row; returns the rows and one ``line N: reason`` per problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [f"line 1: the file is not UTF-8 ({error.reason} at byte {error.start})"]
    if not text.strip():
        return [], ["line 1: the file is empty"]
    if "\x00" in text:
        return [], ["line 1: the file contains NUL bytes (not a CSV text file)"]
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _read_rows(reader)
    except csv.Error as error:
        return [], [f"line {reader.line_num}: unreadable CSV ({error})"]


def _read_rows(reader) -> tuple[list[ImportRow], list[str]]:
    header = [cell.strip().lower() for cell in next(reader)]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        return [], [f"line 1: missing column(s): {', '.join(missing)} (header must be {','.join(REQUIRED_COLUMNS)}[,name])"]
    unknown = [column for column in header if column not in REQUIRED_COLUMNS + ("name",)]
    if unknown:
        return [], [f"line 1: unknown column(s): {', '.join(unknown)}"]
    rows: list[ImportRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: expected {len(header)} fields, found {len(cells)}")
            continue
        record = dict(zip(header, (cell.strip() for cell in cells)))
        row_problems: list[str] = []
        found = bma_address.parse(record["address"])
        if not found or found.address != record["address"].lower().strip():
            row_problems.append(f"invalid address {record['address']!r} (expected ecDIGITS@adm.cfwb.be or poDIGITS@adm.cfwb.be)")
        in_mode = _parse_bool(record["in_mode"])
        if in_mode is None:
            row_problems.append(f"invalid in_mode {record['in_mode']!r} (yes/no/oui/non/true/false/1/0)")
        dates: dict[str, dt.date | None] = {}
        for column in DATE_COLUMNS:
            value = record[column]
            if not value:
                dates[column] = None
                continue
            try:
                dates[column] = dt.date.fromisoformat(value)
                if len(value) != 10:
                    raise ValueError
            except ValueError:
                row_problems.append(f"invalid {column} {value!r} (expected YYYY-MM-DD)")
                dates[column] = None
        ordered = [(column, dates[column]) for column in DATE_COLUMNS if dates[column]]
        for (earlier_name, earlier), (later_name, later) in zip(ordered, ordered[1:]):
            if earlier > later:
                row_problems.append(f"{earlier_name} {earlier} is after {later_name} {later}")
        for position, column in enumerate(DATE_COLUMNS[1:], start=1):
            if dates[column] and not dates[DATE_COLUMNS[position - 1]]:
                row_problems.append(f"{column} is set but {DATE_COLUMNS[position - 1]} is empty")
        if found:
            if found.address in seen:
                row_problems.append(f"duplicate address {found.address} (first on line {seen[found.address]})")
            else:
                seen[found.address] = line
        name = (record.get("name") or "").strip() or None
        if name and len(name) > 200:
            row_problems.append("name longer than 200 characters")
        if row_problems:
            problems.extend(f"line {line}: {reason}" for reason in row_problems)
            continue
        rows.append(ImportRow(line, {
            "address": found.address, "kind": found.kind, "fase": found.fase,
            "name": name, "in_mode": in_mode, **dates,
        }))
    return rows, problems


def _progress(iterable: Sequence, enabled: bool) -> Iterable:
    if not enabled:
        return iterable
    from tqdm import tqdm  # installed with Rasa

    return tqdm(iterable, desc="Import", unit="boîte", file=sys.stderr)


def import_rows(rows: list[ImportRow], url: str | None = None, progress: bool = False) -> tuple[int, int]:
    """Upsert by address in one transaction; returns (inserted, updated)."""
    inserted = updated = 0
    with session(url) as db, db.begin():
        # The registry holds a few thousand rows: one query for all of them beats one per row.
        existing = {row.address: row for row in db.execute(select(MailboxRow)).scalars()}
        for row in _progress(rows, progress):
            current = existing.get(row.values["address"])
            if current is None:
                db.add(MailboxRow(**row.values))
                inserted += 1
            else:
                for key, value in row.values.items():
                    setattr(current, key, value)
                updated += 1
    return inserted, updated


def import_csv(raw: bytes, url: str | None = None, progress: bool = False) -> ImportResult:
    rows, problems = read_csv(raw)
    if problems:
        return ImportResult(0, 0, problems)
    inserted, updated = import_rows(rows, url, progress)
    return ImportResult(inserted, updated, [])


# --- Command line --------------------------------------------------------------------------------

def _print_mailbox(mailbox: Mailbox, today: dt.date) -> None:
    from actions.phases import PHASE_LABELS_FR

    phase = mailbox.phase(today)
    print(f"address        {mailbox.address}")
    print(f"kind           {mailbox.kind}  FASE {mailbox.fase}")
    print(f"name           {mailbox.name or '-'}")
    print(f"in MODE        {'yes' if mailbox.in_mode else 'no (hors MODE)'}")
    for label, value in (
        ("email1_date", mailbox.dates.email1_date), ("email2_date", mailbox.dates.email2_date),
        ("email3_date", mailbox.dates.email3_date), ("migration_date", mailbox.dates.migration_date),
    ):
        print(f"{label:<15}{value or '-'}")
    print(f"phase on {today}: {phase.value} ({PHASE_LABELS_FR[phase]})")


def phase_counts(today: dt.date, url: str | None = None) -> Counter:
    counts: Counter = Counter()
    with session(url) as db:
        for dates in db.execute(select(
            MailboxRow.email1_date, MailboxRow.email2_date, MailboxRow.email3_date, MailboxRow.migration_date
        )):
            counts[phase_of(MailboxDates(*dates), today)] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.registry", description="BMA mailbox registry")
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help="import a CSV file")
    importing.add_argument("file")
    showing = commands.add_parser("show", help="show one mailbox")
    showing.add_argument("address")
    commands.add_parser("stats", help="mailboxes per phase")
    commands.add_parser("tickets", help="list support tickets")
    commands.add_parser("review", help="questions the FAQ does not answer, for review")
    demo = commands.add_parser("demo", help="load the demo campaign")
    demo.add_argument("--if-empty", action="store_true", help="only when the registry is empty")
    args = parser.parse_args(argv)
    url = database_url()
    today = reference_date()

    if args.command == "import":
        try:
            raw = Path(args.file).read_bytes()
        except OSError as error:
            print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 1
        result = import_csv(raw, url, progress=sys.stderr.isatty())
        if not result.ok:
            for problem in result.problems:
                print(problem, file=sys.stderr)
            print(f"nothing imported: {len(result.problems)} problem(s)", file=sys.stderr)
            return 1
        print(f"imported {result.inserted + result.updated} mailboxes: {result.inserted} new, {result.updated} updated")
        return 0
    if args.command == "show":
        normalised = bma_address.normalise(args.address)
        if not normalised:
            print(f"not a BMA address: {args.address!r}", file=sys.stderr)
            return 1
        mailbox = find_mailbox(normalised, url)
        if mailbox is None:
            print(f"{normalised}: not in the registry", file=sys.stderr)
            return 1
        _print_mailbox(mailbox, today)
        return 0
    if args.command == "stats":
        counts = phase_counts(today, url)
        print(f"reference date {today}, {sum(counts.values())} mailboxes")
        for phase in Phase:
            if phase is not Phase.UNKNOWN:
                print(f"{phase.value:<14}{counts.get(phase, 0):>6}")
        return 0
    if args.command == "tickets":
        tickets = list_tickets(url)
        if not tickets:
            print("no tickets")
        for ticket in tickets:
            print(
                f"#{ticket.id} {ticket.created_at:%Y-%m-%d %H:%M} {ticket.route:<15} {ticket.address or '-'} "
                f"{ticket.last_name or ''} {ticket.first_name or ''} [{ticket.conversation_id}] {ticket.description or ''}"
            )
        return 0
    if args.command == "review":
        questions = list_review_questions(url)
        if not questions:
            print("no questions to review")
        for question in questions:
            print(f"#{question.id} {question.created_at:%Y-%m-%d %H:%M} {question.text}")
        return 0
    if args.command == "demo":
        from actions import demo as demo_campaign

        if args.if_empty and count_mailboxes(url):
            print("registry not empty: demo not loaded")
            return 0
        result = import_csv(demo_campaign.csv_bytes(), url)
        print(f"demo campaign loaded: {result.inserted} new, {result.updated} updated")
        return 0 if result.ok else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
