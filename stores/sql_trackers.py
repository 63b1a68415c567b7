"""Rasa's SQL tracker store, reading and writing the same tables and rows with plain SQL, and
publishing to the event broker only the events it has just stored.

``LeanSQLTrackerStore`` (SQLite and PostgreSQL; other dialects keep Rasa's ORM code):
- a read runs Rasa's query for the latest session, written once as SQL: building it with the ORM
  on every read cost more than running it (py-spy, `make bench`);
- a save inserts the new events in one statement; it knows how many events are stored already
  from the tracker it read or saved (Rasa counts the rows on every save);
- it publishes exactly those events: Rasa's save first re-reads and rebuilds the whole stored
  conversation for the event broker (~10 ms a message).

``SQLiteWALTrackerStore`` (what `make run` ships) sets SQLite for a server besides. Rasa 3.6 opens
the file in its default rollback-journal mode with ``synchronous=FULL``: every saved message waits
for several fsyncs, and a reader blocks a writer. In write-ahead-log mode (``journal_mode=WAL``)
with ``synchronous=NORMAL`` a commit is one append to the log, readers never block the writer, and
a crash loses at most the last commits, never the database's integrity (SQLite's documentation).
Connections are pooled (Rasa's SQLAlchemy 1.4 opens and closes one per query on SQLite).

Same tables, same rows: a database written by one opens with the other
(`tests/integration/test_sql_stores.py`, on SQLite and PostgreSQL).

endpoints.yml:
    tracker_store:
      type: stores.sql_trackers.SQLiteWALTrackerStore
      dialect: sqlite
      db: var/tracker.sqlite3
deploy/endpoints.production.yml: ``stores.sql_trackers.LeanSQLTrackerStore``, dialect postgresql.
"""
from __future__ import annotations

import itertools
import json

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

# Attribute of a tracker: how many of its first events are rows of the table.
STORED_EVENTS = "_bma_stored_events"
# Rasa's `_event_query` (the latest session's events), as its ORM compiles it.
LATEST_SESSION = ("FROM events, (SELECT max(timestamp) AS session_start FROM events WHERE sender_id = :sender_id "
                  "AND type_name = 'session_started') AS latest WHERE events.sender_id = :sender_id "
                  "AND (events.timestamp >= latest.session_start OR latest.session_start IS NULL)")
READ_LATEST_SESSION = text(f"SELECT events.data {LATEST_SESSION} ORDER BY events.id")
COUNT_LATEST_SESSION = text(f"SELECT count(*) {LATEST_SESSION}")
INSERT_EVENT = text("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (:sender_id, :type_name, :timestamp, :intent_name, :action_name, :data)")
PLAIN_SQL_DIALECTS = ("sqlite", "postgresql")


class LeanSQLTrackerStore(SQLTrackerStore):
    @property
    def plain_sql(self) -> bool:
        return self.engine.dialect.name in PLAIN_SQL_DIALECTS

    async def retrieve(self, sender_id: str):
        """Rasa's retrieve (the latest session)."""
        if not self.plain_sql:
            tracker = await super().retrieve(sender_id)
        else:
            with self.engine.connect() as connection:
                rows = connection.execute(READ_LATEST_SESSION, {"sender_id": sender_id}).fetchall()
            tracker = (DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data, in rows], self.domain.slots)
                       if self.domain and rows else None)
        if tracker is not None:  # every event it holds was read from the table
            setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    def _stored_count(self, tracker) -> int:
        """How many of ``tracker.events`` are rows already. Rasa counts the stored rows of the
        latest session on every save (~5 % of a message under load, py-spy); a tracker this store
        read or saved carries that number. Any other tracker (new, copied, rebuilt) is counted.
        The conversation's lock keeps other writers out between the read and the save."""
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is not None and stored <= len(tracker.events):
            return stored
        if not self.plain_sql:
            with self.session_scope() as session:
                return self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        with self.engine.connect() as connection:
            return connection.execute(COUNT_LATEST_SESSION, {"sender_id": tracker.sender_id}).scalar()

    async def save(self, tracker) -> None:
        """Rasa 3.6.21's save (same rows), publishing exactly the events it stores."""
        new = [(stored, stored.as_dict()) for stored in
               itertools.islice(tracker.events, self._stored_count(tracker), len(tracker.events))]
        rows = [{"sender_id": tracker.sender_id, "type_name": stored.type_name, "timestamp": data.get("timestamp"),
                 "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                 "action_name": data.get("name"), "data": json.dumps(data)} for stored, data in new]
        if rows and self.plain_sql:
            with self.engine.begin() as connection:
                connection.execute(INSERT_EVENT, rows)
        elif rows:
            with self.session_scope() as session:
                session.add_all(self.SQLEvent(**row) for row in rows)
                session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))
        if self.event_broker is not None and new:  # after the commit: the events are stored
            published = [{"sender_id": tracker.sender_id, **data} for _, data in new]
            if hasattr(self.event_broker, "publish_many"):
                self.event_broker.publish_many(published)
            else:
                for body in published:
                    self.event_broker.publish(body)


class SQLiteWALTrackerStore(LeanSQLTrackerStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 gives a SQLite file a NullPool: every message opened a connection, ran
            # the pragmas and closed it twice (~10 % of a message, py-spy). Keep a few connections.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(url, poolclass=QueuePool, pool_size=2, max_overflow=4,
                                        connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", sqlite_server_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)


def sqlite_server_pragmas(connection, _record) -> None:
    """WAL journal, synchronous=NORMAL, a busy timeout: SQLite set for a server (the stores here)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
