"""Registry and CSV import, on SQLite and on the machine's PostgreSQL (throw-away database):
validation, the sources recorded (import, demo), unknown MODE membership, the range reserved for
the demo, and a database from before sources upgraded in place."""
import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, inspect, select, text

from bma import demo, registry
from bma.mailbox import DEMO_PROVENANCE, Provenance
from bma.phases import Phase
from harness.servers import ROOT
from tests.conftest import d

HEADER = "address,in_mode,email1_date,email2_date,email3_date,migration_date"


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
    result = registry.load_demo(db_url, environ={})
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


# --- where the rows come from -----------------------------------------------------------------
def write_csv(path, *rows: str, modified: str = "2024-11-12T09:30:00", header: str = HEADER):
    path.write_bytes(csv(*rows, header=header))
    stamp = dt.datetime.fromisoformat(modified).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_an_import_records_its_file_and_stamps_its_rows(db_url, tmp_path):
    first = write_csv(tmp_path / "registre.csv", "ec000101@adm.cfwb.be,oui,2024-11-04,,,", "ec000102@adm.cfwb.be,non,,,,")
    result = registry.import_file(first, db_url)
    assert result.ok and (result.inserted, result.updated) == (2, 0)
    (source,) = registry.registry_sources(db_url)
    assert (source.id, source.kind, source.file_name, source.row_count, source.current_rows) == \
        (result.source_id, "import", "registre.csv", 2, 2)
    assert source.file_date == dt.datetime(2024, 11, 12, 9, 30) and not source.demo
    assert source.label == "import de registre.csv du 12/11/2024"
    mailbox = registry.find_mailbox("ec000101@adm.cfwb.be", db_url)
    assert mailbox.provenance == Provenance(demo=False, label="import de registre.csv du 12/11/2024")
    assert not mailbox.demo and not registry.holds_demo_data(db_url)
    # A second file takes over the row it updates; the first source keeps its history.
    second = write_csv(tmp_path / "registre-decembre.csv", "ec000102@adm.cfwb.be,oui,2024-11-12,,,",
                       modified="2024-12-02T18:00:00")
    assert registry.import_file(second, db_url).updated == 1
    newer, older = registry.registry_sources(db_url)
    assert (newer.file_name, newer.row_count, newer.current_rows) == ("registre-decembre.csv", 1, 1)
    assert (older.file_name, older.row_count, older.current_rows) == ("registre.csv", 2, 1)
    assert registry.find_mailbox("ec000102@adm.cfwb.be", db_url).provenance.label == \
        "import de registre-decembre.csv du 02/12/2024"
    with registry.session(db_url) as db:
        stamped = dict(db.execute(select(registry.MailboxRow.address, registry.MailboxRow.source_id)).all())
    assert stamped == {"ec000101@adm.cfwb.be": older.id, "ec000102@adm.cfwb.be": newer.id}
    # A refused file records nothing.
    bad = write_csv(tmp_path / "mauvais.csv", "ec000103@adm.cfwb.be,peut-être,,,,")
    assert not registry.import_file(bad, db_url).ok
    assert len(registry.registry_sources(db_url)) == 2


def test_import_csv_without_a_file_still_records_a_source(db_url):
    result = registry.import_csv(csv("ec000101@adm.cfwb.be,oui,,,,"), db_url)
    (source,) = registry.registry_sources(db_url)
    assert source.id == result.source_id and source.file_name is None and source.kind == "import"
    assert registry.find_mailbox("ec000101@adm.cfwb.be", db_url).provenance.label == \
        f"import du {source.loaded_at:%d/%m/%Y}"


@pytest.mark.parametrize("cell", ["", "inconnu", "Inconnu", "unknown"])
def test_mode_membership_may_be_unknown(db_url, cell):
    result = registry.import_csv(csv(f"ec000101@adm.cfwb.be,{cell},2024-11-04,,,", "ec000102@adm.cfwb.be,non,,,,"), db_url)
    assert result.ok, result.problems
    assert registry.find_mailbox("ec000101@adm.cfwb.be", db_url).in_mode is None
    assert registry.find_mailbox("ec000102@adm.cfwb.be", db_url).in_mode is False
    with registry.session(db_url) as db:
        stored = db.execute(select(registry.MailboxRow.in_mode).where(
            registry.MailboxRow.address == "ec000101@adm.cfwb.be")).scalar_one()
    assert stored is None  # NULL in the database, not False
    # Known later: the next import says so.
    registry.import_csv(csv("ec000101@adm.cfwb.be,oui,2024-11-04,,,"), db_url)
    assert registry.find_mailbox("ec000101@adm.cfwb.be", db_url).in_mode is True


def test_the_demo_range_is_refused_by_the_import(db_url):
    result = registry.import_csv(csv("ec000101@adm.cfwb.be,oui,,,,", "ec991234@adm.cfwb.be,oui,,,,",
                                     "PO990001@adm.cfwb.be,non,,,,", "ec989999@adm.cfwb.be,oui,,,,"), db_url)
    assert result.problems == [
        "line 3: ec991234 is in the range reserved for the demonstration (990000–999999)",
        "line 4: po990001 is in the range reserved for the demonstration (990000–999999)",
    ]
    assert registry.count_mailboxes(db_url) == 0 and registry.registry_sources(db_url) == []


def test_the_demo_is_recorded_as_demonstration_data(db_url):
    result = registry.load_demo(db_url, environ={})
    assert result.inserted == len(demo.rows()) and registry.holds_demo_data(db_url)
    (source,) = registry.registry_sources(db_url)
    assert (source.kind, source.file_name, source.row_count, source.current_rows) == \
        ("demo", "bma/demo.py", len(demo.rows()), len(demo.rows()))
    for address in ("po990001@adm.cfwb.be", "ec990004@adm.cfwb.be", "ec991234@adm.cfwb.be", "po990799@adm.cfwb.be"):
        mailbox = registry.find_mailbox(address, db_url)
        assert mailbox.provenance is DEMO_PROVENANCE and mailbox.demo, address
    assert registry.find_mailbox("ec001234@adm.cfwb.be", db_url) is None  # the former demo address
    # Loading it again replaces it: one demo source, the same rows.
    registry.load_demo(db_url, environ={})
    assert [s.kind for s in registry.registry_sources(db_url)] == ["demo"]
    assert registry.count_mailboxes(db_url) == registry.count_demo_mailboxes(db_url) == len(demo.rows())


def test_the_demo_is_refused_beside_imported_rows_and_in_production(db_url):
    with pytest.raises(registry.DemoRefused, match="en production"):
        registry.load_demo(db_url, environ={"BMA_PRODUCTION": "1"})
    assert registry.count_mailboxes(db_url) == 0
    registry.import_csv(csv("ec000101@adm.cfwb.be,oui,,,,"), db_url)
    with pytest.raises(registry.DemoRefused, match="contient déjà 1 boîte"):
        registry.load_demo(db_url, environ={})
    assert registry.count_mailboxes(db_url) == 1 and not registry.holds_demo_data(db_url)
    assert registry.remove_demo(db_url) == 0 and registry.count_mailboxes(db_url) == 1


def test_remove_demo_leaves_imported_rows(db_url):
    registry.load_demo(db_url, environ={})
    registry.import_csv(csv("ec000101@adm.cfwb.be,oui,,,,"), db_url)
    assert registry.count_demo_mailboxes(db_url) == len(demo.rows())
    assert registry.remove_demo(db_url) == len(demo.rows())
    assert not registry.holds_demo_data(db_url) and registry.count_mailboxes(db_url) == 1
    assert [s.kind for s in registry.registry_sources(db_url)] == ["import"]


# --- a database from before sources and unknown MODE membership --------------------------------
OLD_MAILBOXES = {
    "sqlite": "CREATE TABLE mailboxes (id INTEGER NOT NULL, address VARCHAR(64) NOT NULL, kind VARCHAR(2) NOT NULL, "
              "fase VARCHAR(8) NOT NULL, name VARCHAR(200), in_mode BOOLEAN NOT NULL, email1_date DATE, "
              "email2_date DATE, email3_date DATE, migration_date DATE, PRIMARY KEY (id), "
              "CONSTRAINT uq_mailboxes_address UNIQUE (address))",
    "postgresql": "CREATE TABLE mailboxes (id SERIAL NOT NULL, address VARCHAR(64) NOT NULL, kind VARCHAR(2) NOT NULL, "
                  "fase VARCHAR(8) NOT NULL, name VARCHAR(200), in_mode BOOLEAN NOT NULL, email1_date DATE, "
                  "email2_date DATE, email3_date DATE, migration_date DATE, PRIMARY KEY (id), "
                  "CONSTRAINT uq_mailboxes_address UNIQUE (address))",
}


def old_database(db_url: str, rows: list[tuple]) -> None:
    """The mailboxes table as the registry created it before sources were recorded, with ``rows``
    (address, name, in_mode, e-mail 1 date)."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(OLD_MAILBOXES[engine.dialect.name]))
        conn.execute(text("CREATE INDEX ix_mailboxes_address ON mailboxes (address)"))
        for address, name, in_mode, email1 in rows:
            conn.execute(text("INSERT INTO mailboxes (address, kind, fase, name, in_mode, email1_date) "
                              "VALUES (:a, :k, :f, :n, :m, :e)"),
                         {"a": address, "k": address[:2], "f": address[2:8], "n": name, "m": in_mode, "e": email1})
    engine.dispose()


def test_an_existing_database_is_upgraded_in_place(db_url):
    legacy_demo = [(row[0], row[1], row[2] == "yes", row[3] or None) for row in demo.rows(fase_offset=0)[:50]]
    real = ("ec012345@adm.cfwb.be", "Athénée royal", False, d("2024-11-04"))
    look_alike = ("ec001000@adm.cfwb.be", "Une vraie école", True, None)  # a former demo address, another name
    old_database(db_url, [*legacy_demo, real, look_alike])
    # The first use adds source_id, makes in_mode nullable and recognises the former demo's rows.
    mailbox = registry.find_mailbox("ec012345@adm.cfwb.be", db_url)
    assert mailbox.name == "Athénée royal" and mailbox.in_mode is False and mailbox.provenance is None
    assert mailbox.dates.email1_date == d("2024-11-04")
    columns = {c["name"]: c for c in inspect(registry.get_engine(db_url)).get_columns("mailboxes")}
    assert "source_id" in columns and columns["in_mode"]["nullable"]
    assert registry.find_mailbox("ec000001@adm.cfwb.be", db_url).provenance is DEMO_PROVENANCE
    assert registry.find_mailbox("ec001000@adm.cfwb.be", db_url).provenance is None
    (legacy,) = registry.registry_sources(db_url)
    assert legacy.demo and legacy.current_rows == legacy.row_count == 50
    assert registry.count_mailboxes_without_source(db_url) == 2 and registry.holds_demo_data(db_url)
    # Unknown MODE membership now fits, and an import stamps the row.
    assert registry.import_csv(csv("ec012345@adm.cfwb.be,inconnu,2024-11-04,,,"), db_url).ok
    upgraded = registry.find_mailbox("ec012345@adm.cfwb.be", db_url)
    assert upgraded.in_mode is None and upgraded.provenance.label.startswith("import du ")
    assert registry.count_mailboxes_without_source(db_url) == 1
    # Used again (another process): nothing changes.
    registry.dispose_engines()
    assert len(registry.registry_sources(db_url)) == 2 and registry.count_mailboxes(db_url) == 52


def test_several_processes_upgrade_an_old_sqlite_database_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old_database(url, [(row[0], row[1], row[2] == "yes", None) for row in demo.rows(fase_offset=0)[:200]])
    code = ("import sys; from bma import registry; "
            "print(registry.count_mailboxes(sys.argv[1]), registry.count_demo_mailboxes(sys.argv[1]))")
    processes = [subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
                 for _ in range(4)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, [err[-800:] for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {"200 200"}
    assert [s.current_rows for s in registry.registry_sources(url)] == [200]  # recorded once
    registry.dispose_engines()
