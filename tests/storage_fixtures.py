"""A database of the schema before Alembic (the code at d720e57), with rows in several tables: what
the migration tests upgrade (tests/unit/test_storage.py, tests/integration/test_storage_migrations.py)."""
import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = dt.datetime(2026, 11, 30, 9, 15)
ROWS = {  # table → rows inserted before the upgrade
    "registry_sources": [{"id": 1, "kind": "import", "file_name": "registre.csv", "row_count": 1, "loaded_at": NOW}],
    "mailboxes": [{"id": 1, "address": "ec012345@adm.cfwb.be", "kind": "ec", "fase": "012345",
                   "name": "Athénée royal", "in_mode": True, "email1_date": dt.date(2026, 11, 4), "source_id": 1}],
    "tickets": [{"id": 7, "created_at": NOW, "route": "etnic", "address": "ec012345@adm.cfwb.be",
                 "last_name": "Dupont", "first_name": "Anne", "status": "done"}],
    "console_staff": [{"id": 1, "login": "anne", "password_hash": "$argon2id$x", "created_at": NOW,
                       "password_changed_at": NOW, "role": "support"}],
    "console_audit": [{"id": 1, "at": NOW, "login": "anne", "action": "connexion", "occurrences": None}],
    "feedback": [{"id": 1, "created_at": NOW, "day": NOW.date(), "conversation_id": "c1", "digest": "0000abcd",
                  "occurrence": 1, "rating": "up", "status": "pending"}],
    "analytics_daily": [{"day": NOW.date(), "metric": "messages", "key": "", "count": 12}],
    "retraining_jobs": [{"id": 1, "kind": "train", "status": "done", "requested_by": "anne", "started_at": NOW}],
}
# The first version's questions outside the FAQ: revision 0003 moves them into the inbox, drops the table.
OLD_QUESTIONS = [{"id": 3, "created_at": NOW, "text": "combien coûte la migration ?", "intent": "faq_not_covered",
                  "confidence": 0.8}]


def old_database(url: str) -> None:
    """The tables as d720e57's create_all made them (tests/fixtures), then ROWS."""
    engine = create_engine(url, future=True)
    ddl = (FIXTURES / f"schema-d720e57.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    statements = [s.strip() for s in ddl.split(";") if s.strip()]
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql("\n".join(line for line in statement.splitlines() if not line.startswith("--")))
        for table, rows in ROWS.items():
            for row in rows:
                names = ", ".join(row)
                conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in row)})"), row)
        insert_old_questions(conn)
    engine.dispose()


def insert_old_questions(conn, rows=OLD_QUESTIONS) -> None:
    for row in rows:
        conn.execute(text("INSERT INTO review_questions (id, created_at, text, intent, confidence) "
                          "VALUES (:id, :created_at, :text, :intent, :confidence)"), row)


def rows_survived(url: str) -> None:
    """Every row of ROWS is there after the upgrade, read through the project's models."""
    from bma import registry

    mailbox = registry.find_mailbox("ec012345@adm.cfwb.be", url)
    assert mailbox.name == "Athénée royal" and mailbox.in_mode is True
    assert mailbox.provenance.label == "import de registre.csv du 30/11/2026"
    (ticket,) = registry.list_tickets(url)
    assert (ticket.id, ticket.last_name, ticket.status) == (7, "Dupont", "done")
    import storage

    with storage.engine(url).connect() as conn:
        for table, rows in ROWS.items():
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == len(rows), table
        assert conn.execute(text("SELECT role FROM console_staff")).scalar_one() == "support"
        assert conn.execute(text("SELECT count FROM analytics_daily")).scalar_one() == 12
        assert conn.execute(text("SELECT event_id, text, reasons, status FROM inbox_messages")).all() == [
            (-3, "combien coûte la migration ?", "not_covered", "new")]
    assert not inspect(storage.engine(url)).has_table("review_questions")


def schema_differences(url: str) -> list:
    """What differs between the database and the models (Alembic's comparison; [] when none)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import analytics.db  # noqa: F401  (every model declared on storage.Base)
    import bma.registry.store  # noqa: F401
    import console.db  # noqa: F401
    import feedback.store  # noqa: F401
    import retraining.models  # noqa: F401
    import storage

    with storage.engine(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), storage.Base.metadata)
