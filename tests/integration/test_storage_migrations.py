"""Alembic migrations on SQLite and on the machine's PostgreSQL (a throw-away database): a database
of the version before Alembic, with rows, upgraded in place, also by several processes at once; a
database from a newer version refused."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

import storage
from harness.servers import ROOT
from storage import migrate
from tests.storage_fixtures import old_database, rows_survived, schema_differences


def test_the_version_before_alembic_is_upgraded_with_its_rows(db_url):
    old_database(db_url)
    rows_survived(db_url)
    with storage.engine(db_url).connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert schema_differences(db_url) == []
    storage.dispose()  # another process later: nothing to do, the rows are still there
    rows_survived(db_url)


def test_a_new_database_matches_the_models(db_url):
    with storage.engine(db_url).connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert schema_differences(db_url) == []


def test_processes_starting_at_once_upgrade_once(db_url):
    old_database(db_url)
    code = ("import sys; from bma import registry; from console.db import console_engine; "
            "console_engine(sys.argv[1]); print(registry.count_mailboxes(sys.argv[1]))")
    processes = [subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
                 for _ in range(4)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, [err[-800:] for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {"1"}
    rows_survived(db_url)
    with storage.engine(db_url).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar_one() == 1


def test_a_database_from_a_newer_version_is_refused(db_url):
    with storage.engine(db_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    storage.dispose()
    with pytest.raises(migrate.SchemaTooNew) as refused:
        storage.engine(db_url)
    assert "« f00d », inconnue de ce code" in str(refused.value)
