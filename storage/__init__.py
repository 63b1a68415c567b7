"""The project's storage layer: one declarative ``Base`` (one metadata) for the project's own tables,
one engine per database URL, sessions, and the schema brought to the latest Alembic revision on a
database's first use in a process (storage/migrate.py, storage/migrations/).

Rasa's own tables (event broker, tracker store) are not ours: Rasa creates them; ``engine(url,
migrate=False)`` opens such a database without touching its schema. SQLAlchemy 1.4, SQLite or
PostgreSQL. A plain package beside the domain: it imports nothing of the project but ``settings``.
"""
from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

import settings

# Every table of the project (registry, feedback, analytics, console, retraining) declares itself on
# this Base; Alembic's revisions (storage/migrations/versions) create and change them.
Base = declarative_base()


def utcnow() -> dt.datetime:
    """Naive UTC, as every DateTime column of the project stores it."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def database_url(environ: dict | None = None) -> str:
    """The project's database (``BMA_DB_URL``; by default an SQLite file under ``var/``)."""
    return settings.current(environ).db_url


_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def _create(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: several processes may upgrade or load one file at once.
        return create_engine(url, future=True, connect_args={"timeout": 30})
    return create_engine(
        url, future=True, pool_size=5, max_overflow=5, pool_pre_ping=True,
        pool_timeout=5, connect_args={"connect_timeout": 3} if url.startswith("postgresql") else {},
    )


def engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The pooled engine of ``url`` (default: ``BMA_DB_URL``), one per URL and process. With
    ``migrate`` (the project's database), the schema is brought to the latest revision on first use
    (or a database newer than this code is refused: storage.migrate.SchemaTooNew)."""
    url = url or database_url()
    with _lock:
        created = _engines.get(url)
        if created is None:
            created = _engines[url] = _create(url)
        if migrate and url not in _migrated:
            from storage import migrate as migrations

            migrations.upgrade(created)
            _migrated.add(url)
        return created


def session(url: str | None = None, *, expire_on_commit: bool = True) -> Session:
    """A new ORM session on ``url``'s engine; use it as a context manager
    (``with session(url) as db, db.begin(): …``)."""
    return Session(engine(url), future=True, expire_on_commit=expire_on_commit)


def dispose() -> None:
    """Close every pooled connection and forget the engines (tests, after a fork)."""
    with _lock:
        for created in _engines.values():
            created.dispose()
        _engines.clear()
        _migrated.clear()


def startup() -> None:
    """At a service's start (console, web page, ``bma.registry production-check`` before the action
    server): the settings validated and the schema brought to the latest revision, or a French
    message and exit. A database that cannot be reached is left to the first use (logged), as the
    services already cope with it."""
    import logging

    from sqlalchemy.exc import OperationalError

    from storage import migrate

    settings.validate()
    try:
        engine()
    except migrate.SchemaTooNew as error:
        raise SystemExit(str(error)) from None
    except OperationalError as error:
        logging.getLogger(__name__).warning("database not reached at start (%s)", type(error).__name__)
