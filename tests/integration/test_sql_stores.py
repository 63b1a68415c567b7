"""The SQL stores (stores/sql_trackers.py, stores/sql_brokers.py) — SQLite as `make run` ships them,
PostgreSQL as deploy/ configures them — write exactly the rows Rasa's own SQL tracker store and
SQL event broker write (in WAL mode on SQLite), and read back Rasa's trackers."""
import asyncio
import json
import sqlite3
import uuid

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.sql_brokers import SQLiteWALEventBroker
from stores.sql_trackers import SQLiteWALTrackerStore

DOMAIN = Domain.from_dict({"slots": {"bma_address": {"type": "text", "mappings": [{"type": "custom"}]}}})


def conversation(store, sender: str) -> None:
    async def play():
        tracker = DialogueStateTracker.from_events(sender, [], slots=DOMAIN.slots)
        for turn in range(4):
            if turn == 2:  # a new session in the middle
                tracker.update(SessionStarted(timestamp=turn * 10.0))
            tracker.update(ActionExecuted("action_listen", timestamp=turn * 10 + 1.0))
            tracker.update(UserUttered(f"message {turn}", {"name": "greet", "confidence": 1.0}, timestamp=turn * 10 + 2.0))
            tracker.update(SlotSet("bma_address", f"ec00000{turn}@adm.cfwb.be", timestamp=turn * 10 + 3.0))
            tracker.update(BotUttered(f"réponse {turn}", timestamp=turn * 10 + 4.0))
            await store.save(tracker)
            tracker = await store.retrieve(sender)  # as Rasa does between messages: the latest session
    asyncio.run(play())


def rows(path, query):
    with sqlite3.connect(path) as connection:
        return [tuple(json.loads(r[-1]) if i == len(r) - 1 else v for i, v in enumerate(r)) for r in connection.execute(query)]


def test_same_tracker_rows_and_same_broker_rows_as_rasa(tmp_path):
    ours_broker = SQLiteWALEventBroker(dialect="sqlite", db=str(tmp_path / "our_events.sqlite3"))
    rasa_broker = SQLEventBroker(dialect="sqlite", db=str(tmp_path / "rasa_events.sqlite3"))
    ours = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.sqlite3"), event_broker=ours_broker)
    rasas = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.sqlite3"), event_broker=rasa_broker)
    conversation(ours, "anne")
    conversation(rasas, "anne")
    tracker_query = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
    assert rows(tmp_path / "ours.sqlite3", tracker_query) == rows(tmp_path / "rasa.sqlite3", tracker_query)
    broker_query = "SELECT sender_id, data FROM events ORDER BY id"
    ours_events = rows(tmp_path / "our_events.sqlite3", broker_query)
    assert len(ours_events) == 4 * 4 + 1 and ours_events == rows(tmp_path / "rasa_events.sqlite3", broker_query)
    for name in ("ours.sqlite3", "our_events.sqlite3"):
        assert sqlite3.connect(tmp_path / name).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_connections_are_kept_between_messages(tmp_path):
    """Rasa's SQLAlchemy 1.4 engine opens and closes a SQLite connection per query (NullPool);
    ours keeps them: four messages, eight reads and writes, at most two connections opened."""
    from sqlalchemy import event

    store = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "pooled.sqlite3"))
    opened = []
    event.listen(store.engine, "connect", lambda *_: opened.append(1))
    conversation(store, "anne")
    assert 1 <= len(opened) <= 2
    with sqlite3.connect(tmp_path / "pooled.sqlite3") as connection:
        assert connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'anne'").fetchone()[0] == 17
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_read_tracker_is_saved_without_counting_the_stored_rows(tmp_path):
    """Rasa counts the stored rows on every save; a tracker this store read or saved knows them.
    Every event is stored once, also when a turn saves twice across a new session."""
    from sqlalchemy import event

    path = tmp_path / "counted.sqlite3"
    store = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda _c, _k, sql, *_: statements.append(sql))

    async def play():
        tracker = DialogueStateTracker.from_events("bea", [], slots=DOMAIN.slots)
        tracker.update(ActionExecuted("action_listen", timestamp=1.0))
        await store.save(tracker)  # a new tracker: Rasa's count
        counted_before = sum("count(" in sql.lower() for sql in statements)
        tracker = await store.retrieve("bea")
        tracker.update(UserUttered("bonjour", {"name": "greet", "confidence": 1.0}, timestamp=2.0))
        await store.save(tracker)
        tracker.update(SessionStarted(timestamp=3.0))  # same turn, a second save after a new session
        tracker.update(ActionExecuted("action_listen", timestamp=4.0))
        await store.save(tracker)
        tracker.update(BotUttered("réponse", timestamp=5.0))
        await store.save(tracker)
        return counted_before, sum("count(" in sql.lower() for sql in statements)

    counted_before, counted_after = asyncio.run(play())
    assert counted_before == 1 and counted_after == 1
    stored = rows(path, "SELECT type_name, timestamp, data FROM events ORDER BY id")
    assert [(kind, stamp) for kind, stamp, _ in stored] == [
        ("action", 1.0), ("user", 2.0), ("session_started", 3.0), ("action", 4.0), ("bot", 5.0)]


def test_a_copied_tracker_falls_back_to_counting(tmp_path):
    store = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "copied.sqlite3"))

    async def play():
        tracker = DialogueStateTracker.from_events("carl", [ActionExecuted("action_listen", timestamp=1.0)],
                                                   slots=DOMAIN.slots)
        await store.save(tracker)
        copy = (await store.retrieve("carl")).copy()  # rebuilt from its events: no stored count
        copy.update(UserUttered("merci", {"name": "thank", "confidence": 1.0}, timestamp=2.0))
        await store.save(copy)

    asyncio.run(play())
    assert [r[0] for r in rows(tmp_path / "copied.sqlite3", "SELECT timestamp, data FROM events ORDER BY id")] == [1.0, 2.0]


def test_our_read_gives_rasas_tracker(tmp_path):
    """Plain SQL instead of Rasa's ORM query: the same latest session, on the same file."""
    path = tmp_path / "shared.sqlite3"
    ours = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    conversation(ours, "dora")
    rasas = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))

    async def both():
        return await ours.retrieve("dora"), await rasas.retrieve("dora"), await ours.retrieve("nobody")

    mine, theirs, nobody = asyncio.run(both())
    assert nobody is None
    assert len(mine.events) == 9 and list(mine.events) == list(theirs.events)  # the session started at turn 2
    assert mine.current_state() == theirs.current_state()


@pytest.fixture
def pg_databases(postgres_admin_url):
    """Four throw-away databases (tracker store and broker, ours and Rasa's: both tables are `events`)."""
    from sqlalchemy import create_engine, text

    names = [f"bma_test_{uuid.uuid4().hex[:10]}" for _ in range(4)]
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield names
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_same_rows_as_rasa_on_postgresql(pg_databases):
    """deploy/'s stores: the plain-SQL tracker store and the one-transaction broker write what
    Rasa's SQL tracker store and SQL event broker write, and read back Rasa's tracker."""
    from sqlalchemy import create_engine

    from stores.sql_brokers import LeanSQLEventBroker
    from stores.sql_trackers import LeanSQLTrackerStore

    pg = {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "username": "postgres"}
    ours_db, rasa_db, ours_events_db, rasa_events_db = pg_databases
    ours = LeanSQLTrackerStore(DOMAIN, db=ours_db, event_broker=LeanSQLEventBroker(db=ours_events_db, **pg), **pg)
    rasas = SQLTrackerStore(DOMAIN, db=rasa_db, event_broker=SQLEventBroker(db=rasa_events_db, **pg), **pg)
    conversation(ours, "anne")
    conversation(rasas, "anne")

    def pg_rows(name, query):
        engine = create_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
        with engine.connect() as conn:
            found = [tuple(json.loads(r[-1]) if i == len(r) - 1 else v for i, v in enumerate(r))
                     for r in conn.exec_driver_sql(query)]
        engine.dispose()
        return found

    tracker_query = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
    assert len(pg_rows(ours_db, tracker_query)) == 17 and pg_rows(ours_db, tracker_query) == pg_rows(rasa_db, tracker_query)
    broker_query = "SELECT sender_id, data FROM events ORDER BY id"
    assert pg_rows(ours_events_db, broker_query) == pg_rows(rasa_events_db, broker_query)

    async def both():
        return await ours.retrieve("anne"), await rasas.retrieve("anne")

    mine, theirs = asyncio.run(both())
    assert len(mine.events) == 9 and list(mine.events) == list(theirs.events)
    for store in (ours, rasas):
        store.engine.dispose()
        store.event_broker.engine.dispose()
