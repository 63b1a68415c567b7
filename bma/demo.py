"""A deterministic demo of the autumn 2024 campaign (about 3500 mailboxes), as CSV.

Demonstration data only: every address has a FASE number in ``DEMO_FASE_RANGE`` (990000–999999),
a range the project reserves for the demo (the CSV import refuses it), and the registry records
these rows as « données de démonstration ».

The schedule stays inside what the FAQ says, taken from ``bma.facts``: e-mail 1 in weekly batches
inside ``EMAIL1_WINDOWS`` (organising authorities first, then schools; a batch that falls on a
Belgian public holiday leaves the next day); e-mail 2 ``EMAIL2_DELAY_DAYS`` later; e-mail 3 a
whole number of weeks after e-mail 2, inside ``EMAIL3_DELAY_WEEKS`` (the demo draws 3 to 6 of
the FAQ's 3 to 12 weeks). The FAQ gives no delay between e-mail 3 and the migration (only that
e-mail 4 comes the night of the migration): the demo migrates one week after e-mail 3, its own
choice. Whatever that choice, schools whose e-mail 1 comes late in November migrate after the
campaign's announced end (e-mail 3 comes at least 4 weeks after e-mail 1): in the demo, the last
on 20 January 2025 (docs/content-notes.md). About one mailbox in twelve is
« hors MODE » (CPMS, internats, ESAHR…); a few received nothing (the « window over, nothing
sent » case). The first rows are the showcase addresses listed in docs/users.md (phases on
2024-11-15).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random

from bma import address as bma_address
from bma import facts

# FASE numbers reserved for the demonstration: no real mailbox may use them (docs/operators.md, « The registry »).
DEMO_FASE_RANGE = range(990000, 1000000)
DEMO_FASE_OFFSET = DEMO_FASE_RANGE.start  # demo FASE = the FASE of the demo before the reserved range + 990000

PO_COUNT = 700
EC_COUNT = 2800
# Belgian public holidays inside the e-mail 1 windows (All Saints' Day, Armistice): not an FAQ date.
PUBLIC_HOLIDAYS = frozenset({dt.date(2024, 11, 1), dt.date(2024, 11, 11)})
HORS_MODE_NAMES = ("CPMS", "Internat", "ESAHR", "Home", "Centre de dépaysement", "CTA", "Service PSE")
WEEK = dt.timedelta(days=7)
EMAIL2_DELAY = dt.timedelta(days=facts.EMAIL2_DELAY_DAYS)
# Weeks from e-mail 2 to e-mail 3 drawn by the demo: the start of the FAQ's range, so that the demo
# campaign ends in January 2025 rather than in March 2025.
EMAIL3_WEEKS_DRAWN = (facts.EMAIL3_DELAY_WEEKS[0], min(facts.EMAIL3_DELAY_WEEKS[0] + 3, facts.EMAIL3_DELAY_WEEKS[1]))
MIGRATION_AFTER_EMAIL3 = WEEK  # the demo's choice: the FAQ gives no delay


def email1_batches(kind: str) -> list[dt.date]:
    """Weekly batches from the first day of ``kind``'s FAQ window to its last, each moved to the
    next day when it falls on a public holiday."""
    first, last = facts.EMAIL1_WINDOWS[kind]
    batches = []
    day = first
    while day <= last:
        batch = day
        while batch in PUBLIC_HOLIDAYS:
            batch += dt.timedelta(days=1)
        if batch <= last:
            batches.append(batch)
        day += WEEK
    return batches


# (kind, FASE before the offset, in_mode, name, index of the e-mail 1 batch or None, weeks from e-mail 2 to e-mail 3)
SHOWCASE = [
    ("po", 1, True, "PO démo migré", 0, 3),
    ("po", 2, True, "PO démo planifié", 1, 3),
    ("po", 3, True, "PO démo sans e-mail", None, 0),
    ("ec", 1, True, "École démo mot de passe envoyé", 0, 4),
    ("ec", 2, False, "Internat démo hors MODE", 0, 4),
    ("ec", 3, True, "École démo annoncée", 1, 3),
    ("ec", 4, True, "École démo pas commencée", 3, 3),
]
HEADER = ["address", "name", "in_mode", "email1_date", "email2_date", "email3_date", "migration_date"]


def is_demo_address(address: str) -> bool:
    """True for a BMA address whose FASE number is in the range reserved for the demonstration."""
    found = bma_address.parse(address or "")
    return bool(found) and int(found.fase) in DEMO_FASE_RANGE


def _row(address: str, in_mode: bool, name: str, email1: dt.date | None, weeks_to_email3: int) -> list[str]:
    if email1 is None:
        return [address, name, "yes" if in_mode else "no", "", "", "", ""]
    email2 = email1 + EMAIL2_DELAY
    email3 = email2 + weeks_to_email3 * WEEK
    migration = email3 + MIGRATION_AFTER_EMAIL3
    return [address, name, "yes" if in_mode else "no", *(d.isoformat() for d in (email1, email2, email3, migration))]


def rows(fase_offset: int = DEMO_FASE_OFFSET) -> list[list[str]]:
    """The demo's rows. ``fase_offset=0`` gives the demo as it was before the reserved range
    (addresses ec000001…, ec001000…), to recognise it in an older database."""
    rng = random.Random(2024)
    batches = {kind: email1_batches(kind) for kind in facts.EMAIL1_WINDOWS}
    out = [
        _row(f"{kind}{fase_offset + fase:06d}@adm.cfwb.be", in_mode, name,
             None if batch is None else batches[kind][batch], weeks)
        for kind, fase, in_mode, name, batch, weeks in SHOWCASE
    ]
    for kind, count, first in (("po", PO_COUNT, 100), ("ec", EC_COUNT, 1000)):
        for index in range(count):
            fase = fase_offset + first + index
            in_mode = rng.random() >= 1 / 12
            name = (
                f"{rng.choice(HORS_MODE_NAMES)} n°{fase}" if not in_mode
                else (f"Pouvoir organisateur n°{fase}" if kind == "po" else f"École fondamentale n°{fase}")
            )
            nothing_sent = rng.random() < 0.004
            email1 = None if nothing_sent else batches[kind][index * len(batches[kind]) // count]
            out.append(_row(f"{kind}{fase:06d}@adm.cfwb.be", in_mode, name, email1, rng.randint(*EMAIL3_WEEKS_DRAWN)))
    return out


def csv_bytes(fase_offset: int = DEMO_FASE_OFFSET) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(fase_offset))
    return buffer.getvalue().encode("utf-8")
