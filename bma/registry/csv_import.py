"""CSV import of the registry: every row validated first, then all upserted in one transaction,
with one ``registry_sources`` row saying where they come from (the file's name and date, or the
demo). Addresses in the range reserved for the demonstration are refused, except by ``load_demo``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select

from bma import address as bma_address
from bma import demo
from bma.registry.store import MailboxRow, RegistrySourceRow, session

REQUIRED_COLUMNS = ("address", "in_mode", "email1_date", "email2_date", "email3_date", "migration_date")
DATE_COLUMNS = ("email1_date", "email2_date", "email3_date", "migration_date")
TRUE_WORDS = {"yes", "oui", "true", "1", "y", "o", "vrai"}
FALSE_WORDS = {"no", "non", "false", "0", "n", "faux"}
UNKNOWN_WORDS = {"", "inconnu", "inconnue", "unknown", "?"}  # MODE membership not known
DEMO_RANGE_TEXT = f"{demo.DEMO_FASE_RANGE.start}–{demo.DEMO_FASE_RANGE.stop - 1}"


@dataclass
class ImportRow:
    line: int
    values: dict


@dataclass
class ImportResult:
    inserted: int
    updated: int
    problems: list[str]
    source_id: int | None = None  # the registry_sources row recorded for this load

    @property
    def ok(self) -> bool:
        return not self.problems


_INVALID = object()


def _parse_in_mode(text: str) -> bool | None | object:
    """True, False, None (unknown: empty or « inconnu »), or ``_INVALID``."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if word in UNKNOWN_WORDS:
        return None
    return _INVALID


def read_csv(raw: bytes, *, demo_rows: bool = False) -> tuple[list[ImportRow], list[str]]:
    """Parse and validate every row; returns the rows and one ``line N: reason`` per problem.
    Addresses in the demo's reserved range are refused unless ``demo_rows`` (the demo loader),
    which then accepts only those."""
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
        return _read_rows(reader, demo_rows)
    except csv.Error as error:
        return [], [f"line {reader.line_num}: unreadable CSV ({error})"]


def _read_rows(reader, demo_rows: bool) -> tuple[list[ImportRow], list[str]]:
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
        elif demo.is_demo_address(found.address) != demo_rows:
            row_problems.append(
                f"{found.kind}{found.fase} is in the range reserved for the demonstration ({DEMO_RANGE_TEXT})"
                if not demo_rows else f"{found.kind}{found.fase} is outside the demonstration's range ({DEMO_RANGE_TEXT})")
        in_mode = _parse_in_mode(record["in_mode"])
        if in_mode is _INVALID:
            row_problems.append(f"invalid in_mode {record['in_mode']!r} (yes/no/oui/non/true/false/1/0, "
                                "or empty / inconnu when unknown)")
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


def import_rows(rows: list[ImportRow], url: str | None = None, progress: bool = False, *,
                kind: str = "import", file_name: str | None = None,
                file_date: dt.datetime | None = None) -> tuple[int, int, int]:
    """Upsert by address in one transaction, with one ``registry_sources`` row (``kind``, the file's
    name and modification date) stamped on every row written; returns (inserted, updated, source id)."""
    with session(url) as db, db.begin():
        return _write_rows(db, rows, progress, kind, file_name, file_date)


def _write_rows(db, rows: list[ImportRow], progress: bool, kind: str, file_name: str | None,
                file_date: dt.datetime | None) -> tuple[int, int, int]:
    inserted = updated = 0
    source = RegistrySourceRow(kind=kind, file_name=file_name, file_date=file_date, row_count=len(rows))
    db.add(source)
    db.flush()
    # The registry holds a few thousand rows: one query for all of them beats one per row.
    existing = {row.address: row for row in db.execute(select(MailboxRow)).scalars()}
    for row in _progress(rows, progress):
        current = existing.get(row.values["address"])
        if current is None:
            db.add(MailboxRow(**row.values, source_id=source.id))
            inserted += 1
        else:
            for key, value in row.values.items():
                setattr(current, key, value)
            current.source_id = source.id
            updated += 1
    return inserted, updated, source.id


def import_csv(raw: bytes, url: str | None = None, progress: bool = False, *,
               file_name: str | None = None, file_date: dt.datetime | None = None) -> ImportResult:
    """Validate every row, then upsert them all, recorded as one import of ``file_name`` (its
    modification date ``file_date``); nothing is written when any row has a problem."""
    rows, problems = read_csv(raw)
    if problems:
        return ImportResult(0, 0, problems)
    inserted, updated, source_id = import_rows(rows, url, progress, file_name=file_name, file_date=file_date)
    return ImportResult(inserted, updated, [], source_id)


def file_modification_date(path: str | os.PathLike) -> dt.datetime:
    """The file's modification time, local and naive (what its owner sees in a file manager)."""
    return dt.datetime.fromtimestamp(os.stat(path).st_mtime).replace(microsecond=0)


def import_file(path: str | os.PathLike, url: str | None = None, progress: bool = False) -> ImportResult:
    """``import_csv`` of a file, recorded with its name and modification date (OSError when unreadable)."""
    raw = Path(path).read_bytes()
    return import_csv(raw, url, progress, file_name=Path(path).name, file_date=file_modification_date(path))


class DemoRefused(RuntimeError):
    """The demo is not loaded: the registry holds other rows, or this is a production start."""


DEMO_FILE = "bma/demo.py"


def load_demo(url: str | None = None, environ: dict | None = None) -> ImportResult:
    """Load the demo campaign (``bma.demo``), recorded as demonstration data, replacing any earlier
    demo, in one transaction. Raises ``DemoRefused`` (French message) in production, or when the
    registry holds rows that are not demonstration data (imported, or of unknown source)."""
    from bma.registry.production import production_reason

    reason = production_reason(environ)
    if reason:
        raise DemoRefused(f"Démonstration refusée : en production ({reason}), le registre ne reçoit jamais "
                          "de données de démonstration.")
    rows, problems = read_csv(demo.csv_bytes(), demo_rows=True)
    if problems:  # the generator and the reserved range disagree: a bug, never loaded in part
        raise RuntimeError(f"the demo does not validate: {problems[:3]}")
    with session(url) as db, db.begin():
        others = db.execute(select(func.count(MailboxRow.id)).outerjoin(RegistrySourceRow, MailboxRow.source)
                            .where(or_(RegistrySourceRow.kind.is_(None), RegistrySourceRow.kind != "demo"))).scalar_one()
        if others:
            raise DemoRefused(
                f"Démonstration refusée : le registre contient déjà {others} boîte(s) importée(s) ou d'origine "
                "inconnue. Les données de démonstration ne se mélangent pas aux données réelles : utilisez une "
                "autre base (BMA_DB_URL) pour la démonstration."
            )
        _delete_demo(db)
        inserted, updated, source_id = _write_rows(db, rows, False, "demo", DEMO_FILE, None)
    return ImportResult(inserted, updated, [], source_id)


def remove_demo(url: str | None = None) -> int:
    """Delete every row of demonstration data and the demo's sources; returns the rows deleted."""
    with session(url) as db, db.begin():
        return _delete_demo(db)


def _delete_demo(db) -> int:
    demo_sources = select(RegistrySourceRow.id).where(RegistrySourceRow.kind == "demo").scalar_subquery()
    deleted = db.execute(delete(MailboxRow).where(MailboxRow.source_id.in_(demo_sources))
                         .execution_options(synchronize_session=False)).rowcount
    db.execute(delete(RegistrySourceRow).where(RegistrySourceRow.kind == "demo")
               .execution_options(synchronize_session=False))
    return deleted
