"""Rasa's SQL tracker store, with SQLite set for a server (what `make run` ships), publishing to
the event broker only the events it has just stored.

Rasa 3.6 opens the SQLite file in its default rollback-journal mode with ``synchronous=FULL``:
every saved message waits for several fsyncs, and a reader blocks a writer. In write-ahead-log
mode (``journal_mode=WAL``) with ``synchronous=NORMAL`` a commit is one append to the log, readers
never block the writer, and a crash loses at most the last commits, never the database's
integrity (SQLite's documentation). Connections are pooled (Rasa's SQLAlchemy 1.4 opens and closes
one per query on SQLite). Same tables, same rows: a file written by one opens with the
other. PostgreSQL and other dialects are left exactly as Rasa configures them.

endpoints.yml:
    tracker_store:
      type: stores.sql_trackers.SQLiteWALTrackerStore
      dialect: sqlite
      db: var/tracker.sqlite3
"""
from __future__ import annotations

import itertools
import json

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

# Attribute of a tracker: how many of its first events are rows of the table.
STORED_EVENTS = "_bma_stored_events"


class SQLiteWALTrackerStore(SQLTrackerStore):
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

    async def retrieve(self, sender_id: str):
        tracker = await super().retrieve(sender_id)
        if tracker is not None:  # every event it holds was read from the table
            setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    def _additional_events(self, session, tracker):
        """The tracker's events not stored yet. Rasa counts the stored rows of the latest session
        (one query per save, ~5 % of a message under load, py-spy) to skip that many of
        ``tracker.events``; a tracker this store read or saved carries that number. Any other
        tracker (new, copied, rebuilt) gets Rasa's count. The conversation's lock keeps other
        writers out between the read and the save."""
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker) -> None:
        """Rasa 3.6.21's save, publishing exactly the events it stores: Rasa's own first calls
        ``stream_events``, which re-reads and rebuilds the whole stored conversation on every save
        only to find the events that ``_additional_events`` finds with one count (~10 ms a message
        with an event broker, `make bench`)."""
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
            for stored in events:
                data = stored.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=stored.type_name, timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"), data=json.dumps(data)))
            session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))
        if self.event_broker is not None:  # after the commit: the events are stored
            for stored in events:
                self.event_broker.publish({"sender_id": tracker.sender_id, **stored.as_dict()})


def sqlite_server_pragmas(connection, _record) -> None:
    """WAL journal, synchronous=NORMAL, a busy timeout: SQLite set for a server (the stores here)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
