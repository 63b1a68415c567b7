"""Rasa's SQL event broker, same table and rows, with a Core insert per message instead of an ORM
session per event (``LeanSQLEventBroker``, any dialect), and with SQLite set for a server
(``SQLiteWALEventBroker``, what `make run` ships: one kept connection, WAL journal,
synchronous=NORMAL; Rasa opens a new connection and waits for an fsync for each event).

endpoints.yml:
    event_broker:
      type: stores.sql_brokers.SQLiteWALEventBroker
      dialect: sqlite
      db: var/events.sqlite3
deploy/endpoints.production.yml: ``stores.sql_brokers.LeanSQLEventBroker``, dialect postgresql.
"""
from __future__ import annotations

import json

import sqlalchemy
from rasa.core.brokers.sql import SQLEventBroker
from sqlalchemy import event
from sqlalchemy.pool import SingletonThreadPool

from stores.sql_trackers import sqlite_server_pragmas


class LeanSQLEventBroker(SQLEventBroker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._insert = self.SQLBrokerEvent.__table__.insert()

    def publish(self, event: dict) -> None:
        self.publish_many([event])

    def publish_many(self, events: list) -> None:
        """The events of one saved message in one transaction (one commit instead of one each)."""
        if not events:  # (an empty executemany would insert one empty row)
            return
        with self.engine.begin() as conn:
            conn.execute(self._insert, [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in events])


class SQLiteWALEventBroker(LeanSQLEventBroker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # Rasa publishes from the event loop's thread: one connection, kept open.
            self.engine = sqlalchemy.create_engine(url, poolclass=SingletonThreadPool, future=True)
            event.listen(self.engine, "connect", sqlite_server_pragmas)
            self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)
