"""A deterministic demo of the autumn 2024 campaign (about 3500 mailboxes), as CSV.

Organising authorities first: e-mail 1 for POs in weekly batches between 7 and 31 October
2024, for schools between 4 and 30 November 2024; e-mail 2 one week later; e-mail 3 three to
six weeks after that and the migration one week after e-mail 3, in weekly batches. About one
mailbox in twelve is « hors MODE » (CPMS, internats, ESAHR…). A few mailboxes received
nothing (to show the « window over, nothing sent » case). The first rows are the showcase
addresses listed in the README (phases on 2024-11-15).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random

PO_COUNT = 700
EC_COUNT = 2800
PO_BATCHES = [dt.date(2024, 10, 7), dt.date(2024, 10, 14), dt.date(2024, 10, 21), dt.date(2024, 10, 28)]
# 11 November is a public holiday in Belgium: that week's batch leaves on Tuesday the 12th.
EC_BATCHES = [dt.date(2024, 11, 4), dt.date(2024, 11, 12), dt.date(2024, 11, 18), dt.date(2024, 11, 25)]
HORS_MODE_NAMES = ("CPMS", "Internat", "ESAHR", "Home", "Centre de dépaysement", "CTA", "Service PSE")
WEEK = dt.timedelta(days=7)

# (address, in_mode, name, e-mail 1 date or None, weeks from e-mail 2 to e-mail 3)
SHOWCASE = [
    ("po000001@adm.cfwb.be", True, "PO démo migré", dt.date(2024, 10, 7), 3),
    ("po000002@adm.cfwb.be", True, "PO démo planifié", dt.date(2024, 10, 14), 3),
    ("po000003@adm.cfwb.be", True, "PO démo sans e-mail", None, 0),
    ("ec000001@adm.cfwb.be", True, "École démo mot de passe envoyé", dt.date(2024, 11, 4), 4),
    ("ec000002@adm.cfwb.be", False, "Internat démo hors MODE", dt.date(2024, 11, 4), 4),
    ("ec000003@adm.cfwb.be", True, "École démo annoncée", dt.date(2024, 11, 12), 3),
    ("ec000004@adm.cfwb.be", True, "École démo pas commencée", dt.date(2024, 11, 25), 3),
]
HEADER = ["address", "name", "in_mode", "email1_date", "email2_date", "email3_date", "migration_date"]


def _row(address: str, in_mode: bool, name: str, email1: dt.date | None, weeks_to_email3: int) -> list[str]:
    if email1 is None:
        return [address, name, "yes" if in_mode else "no", "", "", "", ""]
    email2 = email1 + WEEK
    email3 = email2 + weeks_to_email3 * WEEK
    migration = email3 + WEEK
    return [address, name, "yes" if in_mode else "no", *(d.isoformat() for d in (email1, email2, email3, migration))]


def rows() -> list[list[str]]:
    rng = random.Random(2024)
    out = [_row(*showcase) for showcase in SHOWCASE]
    for kind, count, batches, first in (("po", PO_COUNT, PO_BATCHES, 100), ("ec", EC_COUNT, EC_BATCHES, 1000)):
        for index in range(count):
            fase = first + index
            in_mode = rng.random() >= 1 / 12
            name = (
                f"{rng.choice(HORS_MODE_NAMES)} n°{fase}" if not in_mode
                else (f"Pouvoir organisateur n°{fase}" if kind == "po" else f"École fondamentale n°{fase}")
            )
            nothing_sent = rng.random() < 0.004
            email1 = None if nothing_sent else batches[index * len(batches) // count]
            out.append(_row(f"{kind}{fase:06d}@adm.cfwb.be", in_mode, name, email1, rng.randint(3, 6)))
    return out


def csv_bytes() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows())
    return buffer.getvalue().encode("utf-8")
