"""The storage layer (storage/): one Base, one engine per URL, sessions, Alembic migrations on SQLite
(PostgreSQL: tests/integration/test_storage_migrations.py)."""
import pytest
from sqlalchemy import inspect, text

import storage
from storage import migrate
from tests.storage_fixtures import insert_old_questions, old_database, rows_survived, schema_differences


@pytest.fixture
def url(tmp_path):
    yield f"sqlite:///{tmp_path / 'project.sqlite3'}"
    storage.dispose()


def test_a_new_database_is_created_at_the_latest_revision_as_the_models_declare(url):
    with storage.engine(url).connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert schema_differences(url) == []


def test_one_engine_per_url_until_disposed(url, tmp_path):
    engine = storage.engine(url)
    assert storage.engine(url) is engine
    assert storage.engine(f"sqlite:///{tmp_path / 'other.sqlite3'}") is not engine
    storage.dispose()
    assert storage.engine(url) is not engine


def test_the_default_url_is_bma_db_url(monkeypatch, tmp_path):
    monkeypatch.setenv("BMA_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    assert storage.database_url() == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    monkeypatch.delenv("BMA_DB_URL")
    assert storage.database_url().endswith("/var/registry.sqlite3")


def test_a_session_commits_in_its_block(url):
    from bma.registry import TicketRow

    with storage.session(url) as db, db.begin():
        db.add(TicketRow(route="etnic"))
    with storage.session(url) as db:
        assert db.execute(text("SELECT route, status FROM tickets")).all() == [("etnic", "open")]


def test_a_database_not_migrated_is_left_untouched(url):
    engine = storage.engine(url, migrate=False)
    assert inspect(engine).get_table_names() == []


def test_a_database_of_the_version_before_alembic_is_upgraded_with_its_rows(url):
    old_database(url)
    rows_survived(url)
    with storage.engine(url).connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert schema_differences(url) == []


def test_a_database_of_the_previous_revision_moves_its_questions_outside_the_faq_into_the_inbox(url):
    """Revision 0003 on a database at 0002: the old table's rows become inbox messages (one already
    copied by the aggregation of that version, same day and same text group, is not copied twice),
    the table is dropped; a second upgrade changes nothing."""
    import datetime as dt

    from alembic import command

    engine = storage.engine(url, migrate=False)
    with engine.connect() as conn:
        cfg = migrate.config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        cfg.attributes.pop("connection")
        conn.commit()
    morning, late = dt.datetime(2026, 11, 30, 9, 15), dt.datetime(2026, 11, 30, 23, 30)  # UTC, as kept
    questions = [{"id": 1, "created_at": morning, "text": "Y aura-t-il une formation ?", "intent": "faq_not_covered",
                  "confidence": 0.7},
                 {"id": 2, "created_at": late, "text": "combien coûte la migration", "intent": "faq_not_covered",
                  "confidence": None},
                 {"id": 3, "created_at": morning, "text": "Y aura-t-il une formation ?", "intent": "faq_not_covered",
                  "confidence": 0.6},
                 {"id": 4, "created_at": morning, "text": "???", "intent": "faq_not_covered", "confidence": 0.5}]
    with engine.begin() as conn:
        insert_old_questions(conn, questions)
        # The aggregation's copy of question 2, on its Brussels day (23:30 UTC is 00:30 on 1 December there).
        conn.execute(text("INSERT INTO inbox_messages (event_id, received_at, day, text, group_key, reasons, status) "
                          "VALUES (7, :at, :day, 'Combien coûte la migration ?', 'combien coute la migration', "
                          "'low_confidence,not_covered', 'new')"), {"at": late, "day": dt.date(2026, 12, 1)})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head() == "0003"
        rows = conn.execute(text("SELECT event_id, day, text, reasons FROM inbox_messages ORDER BY event_id")).all()
    day = "2026-11-30"  # SQLite returns the DATE column as text in a raw query
    assert rows == [(-3, day, "Y aura-t-il une formation ?", "not_covered"),  # asked twice: both kept
                    (-1, day, "Y aura-t-il une formation ?", "not_covered"),
                    (7, "2026-12-01", "Combien coûte la migration ?", "low_confidence,not_covered")]
    assert not inspect(engine).has_table("review_questions")
    migrate.upgrade(engine)
    assert schema_differences(url) == []


def test_the_migrations_frozen_grouping_agrees_with_the_inbox():
    import importlib.util

    from analytics.inbox import group_key

    path = migrate.MIGRATIONS / "versions" / "0003_review_questions_into_inbox.py"
    spec = importlib.util.spec_from_file_location("revision_0003", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    for message in ("Combien coûte la migration ?", "L’École de EC012345 @ adm.cfwb.be : « archives » 2010 !",
                 "  Y aura-t-il   une formation\tpour Exchange?? ", "", "po000123@adm.cfwb.be"):
        assert revision.group_key(message) == group_key(message), message


def test_a_database_from_a_newer_version_is_refused_in_french(url):
    storage.engine(url)
    with storage.engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    storage.dispose()
    with pytest.raises(migrate.SchemaTooNew, match="inconnue de ce code.*version plus récente de l'assistant"):
        storage.engine(url)


def test_the_migrations_form_one_line():
    assert len(migrate.scripts().get_heads()) == 1
    assert [r.revision for r in migrate.scripts().walk_revisions()][-1] == "0001"
