"""CSV import of the registry: every row validated first, then all upserted in one transaction."""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import select

from bma import address as bma_address
from bma.registry.store import MailboxRow, session


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
