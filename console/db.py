"""The console's own tables: staff accounts, sessions, sign-in counters and the audit log (in the
``BMA_DB_URL`` database, beside the registry and the analytics' tables, analytics/db.py).
SQLAlchemy 1.4, SQLite or PostgreSQL, on the storage layer (storage/: one Base, Alembic migrations).

Nothing about users is kept here: the staff's logins, and in the journal never a user's text.
"""
from __future__ import annotations

import threading

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import storage
from analytics import db as analytics_db
from analytics.db import sql, utcnow  # noqa: F401  (the console's modules take them from here)
from console import logins
from storage import Base
from storage.journal import AuditEntry  # noqa: F401  (the journal's table, shared with retraining/)


class StaffAccount(Base):
    __tablename__ = "console_staff"
    id = Column(Integer, primary_key=True)
    login = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)  # Argon2id, never the password
    created_at = Column(DateTime, nullable=False, default=utcnow)
    password_changed_at = Column(DateTime, nullable=False, default=utcnow)
    last_sign_in_at = Column(DateTime)
    # lecture, support or admin (console.accounts.ROLES); accounts older than roles became admin.
    role = Column(String(16), nullable=False, default="lecture", server_default="admin")


class SignInFailures(Base):
    """Password checks by login and client address (``client`` = ``*``: all addresses not known for
    the account), counted *before* each Argon2 check by one UPDATE … RETURNING, so that concurrent
    requests never check more than allowed (console.accounts.reserve). Login and address are keyed
    hashes (HMAC, console.logins.keyed): an unknown login typed here is never stored in clear."""

    __tablename__ = "console_sign_in_failures"
    login_key = Column(String(64), primary_key=True)
    client = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_at = Column(DateTime, nullable=False)


class KnownClient(Base):
    """An address (keyed hash) from which an account signed in: exempt from the login-wide lock."""

    __tablename__ = "console_known_clients"
    staff_id = Column(Integer, ForeignKey("console_staff.id", ondelete="CASCADE"), primary_key=True)
    client = Column(String(64), primary_key=True)
    last_ok_at = Column(DateTime, nullable=False)


class StaffSession(Base):
    __tablename__ = "console_sessions"
    token_hash = Column(String(64), primary_key=True)  # SHA-256 of the cookie: a stolen table opens nothing
    staff_id = Column(Integer, ForeignKey("console_staff.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)


class AuditBurst(Base):
    """The audit row a burst of the same refusal (action, login, address) is counted into."""

    __tablename__ = "console_audit_bursts"
    burst_key = Column(String(64), primary_key=True)  # SHA-256 of action, login and address
    audit_id = Column(Integer)
    first_at = Column(DateTime, nullable=False)
    last_at = Column(DateTime, nullable=False)


_ready: set[str] = set()
_lock = threading.Lock()


def console_engine(url: str) -> Engine:
    """The project's pooled engine for ``url`` (storage.engine; kept as an alias for the console's
    modules), the unknown logins of an older journal hidden once per process."""
    engine = storage.engine(url)
    with _lock:
        if url not in _ready:
            logins.hide_unknown_logins(engine)
            _ready.add(url)
    return engine


def session(url: str, *, expire_on_commit: bool = True) -> Session:
    """A new ORM session on ``url``'s database, as a context manager
    (``with session(url) as db, db.begin(): …``)."""
    return Session(console_engine(url), future=True, expire_on_commit=expire_on_commit)


def dispose() -> None:
    with _lock:
        _ready.clear()
    analytics_db.dispose()
