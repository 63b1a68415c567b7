"""The demo registry (bma/demo.py): inside the range reserved for it, and inside what the FAQ says
about the e-mails' dates (bma.facts, itself checked against the FAQ by test_facts.py)."""
import datetime as dt
from pathlib import Path

import pytest

from bma import demo, facts
from bma.registry import read_csv
from tests.conftest import d


def schedule():
    for address, _name, _in_mode, *dates in demo.rows():
        yield address, [d(value) if value else None for value in dates]


def test_every_address_is_in_the_reserved_range_and_the_numbering_rule_holds():
    addresses = [row[0] for row in demo.rows()]
    assert len(addresses) == len(set(addresses)) == 7 + demo.PO_COUNT + demo.EC_COUNT
    assert all(demo.is_demo_address(a) for a in addresses)
    assert addresses[:7] == ["po990001@adm.cfwb.be", "po990002@adm.cfwb.be", "po990003@adm.cfwb.be",
                             "ec990001@adm.cfwb.be", "ec990002@adm.cfwb.be", "ec990003@adm.cfwb.be", "ec990004@adm.cfwb.be"]
    assert {a for a in addresses if a.startswith("po")} - set(addresses[:3]) == \
        {f"po{n}@adm.cfwb.be" for n in range(990100, 990800)}
    assert {a for a in addresses if a.startswith("ec")} - set(addresses[3:7]) == \
        {f"ec{n}@adm.cfwb.be" for n in range(991000, 993800)}
    # The same demo as before the reserved range, FASE + 990000 (names follow their number).
    old = demo.rows(fase_offset=0)
    for before, now in zip(old, demo.rows()):
        assert int(now[0][2:8]) == int(before[0][2:8]) + 990000 and now[2:] == before[2:]


@pytest.mark.parametrize("address, reserved", [
    ("ec990000@adm.cfwb.be", True), ("PO999999@ADM.CFWB.BE", True), ("ec991234@adm.cfwb.be", True),
    ("ec989999@adm.cfwb.be", False), ("ec001234@adm.cfwb.be", False), ("ec9900001@adm.cfwb.be", False),
    ("ec1000000@adm.cfwb.be", False), ("pas une adresse", False), ("", False),
])
def test_is_demo_address(address, reserved):
    assert demo.is_demo_address(address) is reserved


def test_email1_inside_the_faq_windows():
    for address, (email1, *_rest) in schedule():
        if email1:
            first, last = facts.EMAIL1_WINDOWS[address[:2]]
            assert first <= email1 <= last, address
    # Weekly batches from each window's first day; the holiday of 11 November moves one batch.
    assert demo.email1_batches("po") == [d("2024-10-07"), d("2024-10-14"), d("2024-10-21"), d("2024-10-28")]
    assert demo.email1_batches("ec") == [d("2024-11-04"), d("2024-11-12"), d("2024-11-18"), d("2024-11-25")]


def test_the_other_emails_and_the_migration_follow_the_faq_delays():
    low, high = facts.EMAIL3_DELAY_WEEKS
    drawn = set()
    for address, (email1, email2, email3, migration) in schedule():
        if email1 is None:
            assert (email2, email3, migration) == (None, None, None), address
            continue
        assert email2 - email1 == dt.timedelta(days=facts.EMAIL2_DELAY_DAYS), address
        weeks, rest = divmod((email3 - email2).days, 7)
        assert rest == 0 and low <= weeks <= high, address
        drawn.add(weeks)
        assert migration >= email3, address
    assert drawn == set(range(demo.EMAIL3_WEEKS_DRAWN[0], demo.EMAIL3_WEEKS_DRAWN[1] + 1))


def test_late_schools_migrate_after_the_campaigns_announced_end():
    """docs/content-notes.md says so: the FAQ's own rhythm makes it unavoidable."""
    late = [migration for address, (email1, *_, migration) in schedule() if email1 and email1 >= d("2024-11-25")]
    assert late and min(late) > facts.CAMPAIGN_END
    assert max(m for _, (*_, m) in schedule() if m) == d("2025-01-20")


def test_the_demo_passes_the_importers_checks_as_demo_rows_only():
    rows, problems = read_csv(demo.csv_bytes(), demo_rows=True)
    assert not problems and len(rows) == len(demo.rows())
    refused = read_csv(demo.csv_bytes())[1]
    assert len(refused) == len(demo.rows())
    assert refused[0] == "line 2: po990001 is in the range reserved for the demonstration (990000–999999)"


def test_the_module_does_not_repeat_the_faqs_dates():
    source = Path(demo.__file__).read_text(encoding="utf-8")
    for first, last in facts.EMAIL1_WINDOWS.values():
        for day in (first, last):
            assert f"dt.date({day.year}, {day.month}, {day.day})" not in source
