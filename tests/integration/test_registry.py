"""Registry and CSV import, on SQLite and on the machine's PostgreSQL (throw-away database)."""
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from bma import demo, registry
from bma.phases import Phase
from tests.conftest import d

HEADER = "address,in_mode,email1_date,email2_date,email3_date,migration_date"
from tests.conftest import PG_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        registry.dispose_engines()
        return
    request.getfixturevalue("postgres_admin_url")
    name = f"bma_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    registry.dispose_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_valid_import_then_lookup(db_url):
    result = registry.import_csv(csv(
        "ec000101@adm.cfwb.be,oui,2024-11-04,2024-11-11,2024-12-02,2024-12-09",
        "PO000102@ADM.CFWB.BE,0,,,,",
    ), db_url)
    assert result.ok and (result.inserted, result.updated) == (2, 0)
    school = registry.find_mailbox("ec000101@adm.cfwb.be", db_url)
    assert school.kind == "ec" and school.fase == "000101" and school.in_mode
    assert school.phase(d("2024-11-20")) is Phase.PASSWORD_SENT
    po = registry.find_mailbox("po000102@adm.cfwb.be", db_url)
    assert po.kind == "po" and not po.in_mode and po.phase(d("2024-11-20")) is Phase.NOT_STARTED
    assert registry.find_mailbox("ec999999@adm.cfwb.be", db_url) is None


@pytest.mark.parametrize("row, reason", [
    ("ec12@adm.cfwb,yes,,,,", "invalid address"),
    ("xx12@adm.cfwb.be,yes,,,,", "invalid address"),
    ("ec12@adm.cfwb.be,maybe,,,,", "invalid in_mode"),
    ("ec12@adm.cfwb.be,yes,2024-13-01,,,", "invalid email1_date"),
    ("ec12@adm.cfwb.be,yes,04/11/2024,,,", "invalid email1_date"),
    ("ec12@adm.cfwb.be,yes,2024-11-11,2024-11-04,,", "email1_date 2024-11-11 is after email2_date"),
    ("ec12@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-01", "email3_date 2024-12-02 is after migration_date"),
    ("ec12@adm.cfwb.be,yes,,2024-11-11,,", "email2_date is set but email1_date is empty"),
    ("ec12@adm.cfwb.be,yes,,", "expected 6 fields"),
])
def test_each_kind_of_invalid_row_is_reported_and_nothing_imported(db_url, row, reason):
    result = registry.import_csv(csv("ec000001@adm.cfwb.be,yes,,,,", row), db_url)
    assert not result.ok
    assert any(p.startswith("line 3: ") and reason in p for p in result.problems), result.problems
    assert registry.count_mailboxes(db_url) == 0  # atomic: the valid row was not imported either


def test_duplicates_are_reported_with_both_lines(db_url):
    result = registry.import_csv(csv("ec1@adm.cfwb.be,yes,,,,", "po2@adm.cfwb.be,yes,,,,", "EC1@adm.cfwb.be,no,,,,"), db_url)
    assert result.problems == ["line 4: duplicate address ec1@adm.cfwb.be (first on line 2)"]


def test_header_problems():
    assert "missing column(s): migration_date" in registry.import_csv(csv(header="address,in_mode,email1_date,email2_date,email3_date"))\
        .problems[0]
    assert registry.read_csv(b"")[1] == ["line 1: the file is empty"]
    assert "not UTF-8" in registry.read_csv(b"address\xff\n")[1][0]


def test_reimport_updates_by_address(db_url):
    registry.import_csv(csv("ec000101@adm.cfwb.be,yes,,,,"), db_url)
    result = registry.import_csv(csv(
        "ec000101@adm.cfwb.be,no,2024-11-04,,,", "ec000102@adm.cfwb.be,yes,,,,",
    ), db_url)
    assert (result.inserted, result.updated) == (1, 1)
    updated = registry.find_mailbox("ec000101@adm.cfwb.be", db_url)
    assert not updated.in_mode and updated.dates.email1_date == d("2024-11-04")
    assert registry.count_mailboxes(db_url) == 2


def test_excel_export_with_bom_and_semicolons(db_url):
    raw = "\ufeffaddress;name;in_mode;email1_date;email2_date;email3_date;migration_date\r\n" \
          "ec000201@adm.cfwb.be;\"Athénée royal, Liège\";non;2024-11-04;;;\r\n"
    result = registry.import_csv(raw.encode("utf-8"), db_url)
    assert result.ok, result.problems
    mailbox = registry.find_mailbox("ec000201@adm.cfwb.be", db_url)
    assert mailbox.name == "Athénée royal, Liège" and not mailbox.in_mode


def test_demo_campaign_3500_rows_under_5_seconds(db_url):
    raw = demo.csv_bytes()
    assert raw.count(b"\n") - 1 >= 3500
    start = time.perf_counter()
    result = registry.import_csv(raw, db_url)
    elapsed = time.perf_counter() - start
    assert result.ok and result.inserted >= 3500
    assert elapsed < 5, f"import took {elapsed:.1f} s"
    counts = registry.phase_counts(d("2024-11-15"), db_url)
    assert all(counts[p] > 0 for p in (Phase.NOT_STARTED, Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED, Phase.MIGRATED))


def test_tickets_are_recorded(db_url):
    number = registry.record_ticket(route="sgne", address="ec1@adm.cfwb.be", last_name="Dupont",
                                    first_name="Anne", description="Pas reçu l'e-mail n°1", conversation_id="abc", url=db_url)
    tickets = registry.list_tickets(db_url)
    assert [t.id for t in tickets] == [number]
    assert tickets[0].route == "sgne" and tickets[0].conversation_id == "abc"
