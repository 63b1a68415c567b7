"""Rasa's SQL tracker store, with SQLite set for a server (what `make run` ships).

Rasa 3.6 opens the SQLite file in its default rollback-journal mode with ``synchronous=FULL``:
every saved message waits for several fsyncs, and a reader blocks a writer. In write-ahead-log
mode (``journal_mode=WAL``) with ``synchronous=NORMAL`` a commit is one append to the log, readers
never block the writer, and a crash loses at most the last commits, never the database's
integrity (SQLite's documentation). Same tables, same rows: a file written by one opens with the
other. PostgreSQL and other dialects are left exactly as Rasa configures them.

endpoints.yml:
    tracker_store:
      type: stores.sql_trackers.SQLiteWALTrackerStore
      dialect: sqlite
      db: var/tracker.sqlite3
"""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event


class SQLiteWALTrackerStore(SQLTrackerStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _server_pragmas)
            self.engine.dispose()  # connections opened by Rasa's set-up get the pragmas too


def _server_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
