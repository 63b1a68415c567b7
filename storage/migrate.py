"""The schema at the latest Alembic revision (storage/migrations/versions), on a database's first use
in a process: ``upgrade(engine)``.

A database of the time before Alembic (tables, no ``alembic_version``) is upgraded in place: the
baseline creates only the tables it lacks, the next revision the columns. Processes starting at
once take turns (SQLite: a lock file beside the database; PostgreSQL: an advisory lock); the later
ones find the schema current. A database written by a newer version of the code is refused
(SchemaTooNew, in French) rather than used.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_LOCK_KEY = 0x424D41  # "BMA": pg_advisory_lock's key for the migrations


class SchemaTooNew(RuntimeError):
    """The database is at a revision this code does not know (a newer version migrated it)."""


@functools.lru_cache(maxsize=1)
def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    return scripts().get_current_head()


def current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    try:
        scripts().get_revision(revision)
    except Exception:
        raise SchemaTooNew(
            f"La base de données est à la version de schéma « {revision} », inconnue de ce code (dernière "
            f"version connue : « {head()} ») : elle a été mise à jour par une version plus récente de "
            "l'assistant. Démarrez la version la plus récente, ou restaurez une sauvegarde de la base."
        ) from None


@contextlib.contextmanager
def _turn(engine: Engine, conn: Connection):
    """One process at a time migrates this database."""
    if engine.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest revision (nothing when it is there already)."""
    latest = head()
    with engine.connect() as conn:
        found = current(conn)
        conn.rollback()
        if found == latest:
            return
        _check_known(found)
        with _turn(engine, conn):
            found = current(conn)
            _check_known(found)
            if found != latest:
                cfg = config()
                cfg.attributes["connection"] = conn
                try:
                    command.upgrade(cfg, "head")
                finally:
                    cfg.attributes.pop("connection", None)
                conn.commit()
                log.info("database schema upgraded from %s to %s", found or "before Alembic", latest)
