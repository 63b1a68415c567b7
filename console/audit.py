"""The audit log: who signed in, labelled, exported… (one row per staff action, never user text).

Sign-in refusals are counted, not listed: the same refusal (action, login, address) repeated
within ``BURST_GAP`` of the previous one adds to the row of its burst (``occurrences``,
``last_at``), a new row at most every ``BURST_SPAN``: a flood writes a handful of rows.

A login typed at a failed sign-in is shown only when it is an account's: otherwise the row holds
``inconnu:`` and the first 12 hex digits of its HMAC-SHA256 (a password typed into « Identifiant »
never reaches the journal, yet the same unknown login gives the same mark). The key is
``BMA_CONSOLE_SECRET``, or a random one generated once in ``var/console-secret.key`` (0600).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

from sqlalchemy import Integer, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import settings
from console.db import AuditEntry, session, sql, utcnow
from storage.journal import record  # noqa: F401  (console.audit.record, as before)

SECRET_FILE = Path(__file__).resolve().parent.parent / "var" / "console-secret.key"
UNKNOWN_PREFIX = "inconnu:"
BURST_GAP = dt.timedelta(minutes=15)
BURST_SPAN = dt.timedelta(hours=1)
# What a failed sign-in writes; used to hide the unknown logins of an older database.
SIGN_IN_REFUSALS = ("échec de connexion", "compte verrouillé", "connexion refusée", "connexion limitée",
                    "connexion différée")

_secret: tuple[str, bytes] | None = None
_secret_lock = threading.Lock()


def _key() -> bytes:
    """``BMA_CONSOLE_SECRET``, else the generated file (created atomically by the first process)."""
    global _secret
    given = settings.get("BMA_CONSOLE_SECRET")
    source = "env:" + given if given else f"file:{SECRET_FILE}"
    with _secret_lock:
        if _secret and _secret[0] == source:
            return _secret[1]
        if given:
            value = given.encode()
        else:
            SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_hex(32) + "\n")
            value = b""
            for _ in range(50):  # another process may be writing it this very moment
                value = SECRET_FILE.read_bytes().strip()
                if value:
                    break
                time.sleep(0.02)
            if not value:
                raise RuntimeError(f"{SECRET_FILE} is empty: delete it, the console writes a new one")
        _secret = (source, value)
        return value


def keyed(kind: str, value: str) -> str:
    """HMAC-SHA256 (hex) of ``value``, for ``kind`` (login, client): comparable, not reversible."""
    return hmac.new(_key(), f"{kind}\0{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def unknown_login(value: str) -> str:
    """How the audit names a login that is no account: ``inconnu:`` + 12 hex digits of its HMAC."""
    return UNKNOWN_PREFIX + keyed("login", value)[:12]


def repeated(db: Session, login: str, action: str, client: str, detail: str | None = None, times: int = 1,
             now: dt.datetime | None = None) -> None:
    """Count ``times`` more of a refusal into its burst's row, in the caller's transaction (a new row
    when the last one is older than ``BURST_GAP``, or its burst began ``BURST_SPAN`` ago). The first
    statement writes, so that SQLite takes its write lock at once; the burst row's lock (PostgreSQL)
    or the database's (SQLite) makes concurrent refusals count into the same row."""
    now = now or utcnow()
    login, action = (login or "-")[:64], action[:32]
    key = hashlib.sha256(f"{action}\0{login}\0{client}".encode("utf-8", "surrogatepass")).hexdigest()
    db.execute(sql("INSERT INTO console_audit_bursts (burst_key, audit_id, first_at, last_at) "
                   "VALUES (:key, NULL, :now, :now) ON CONFLICT (burst_key) DO NOTHING", times=("now",)),
               {"key": key, "now": now})
    fresh = "last_at >= :gap AND first_at >= :span"
    audit_id = db.execute(sql(
        f"UPDATE console_audit_bursts SET audit_id = CASE WHEN {fresh} THEN audit_id ELSE NULL END, "
        f"first_at = CASE WHEN {fresh} THEN first_at ELSE :now END, last_at = :now "
        "WHERE burst_key = :key RETURNING audit_id", times=("now", "gap", "span"), audit_id=Integer),
        {"key": key, "now": now, "gap": now - BURST_GAP, "span": now - BURST_SPAN}).scalar_one()
    if audit_id is not None:
        counted = db.execute(sql("UPDATE console_audit SET occurrences = COALESCE(occurrences, 1) + :n, "
                                 "last_at = :now WHERE id = :id", times=("now",)),
                             {"n": times, "now": now, "id": audit_id})
        if counted.rowcount == 1:
            return
    entry = AuditEntry(at=now, login=login, action=action, detail=detail or None, occurrences=times, last_at=now)
    db.add(entry)
    db.flush()
    db.execute(sql("UPDATE console_audit_bursts SET audit_id = :id WHERE burst_key = :key"),
               {"id": entry.id, "key": key})
    db.execute(sql("DELETE FROM console_audit_bursts WHERE last_at < :old", times=("old",)),
               {"old": now - dt.timedelta(days=1)})


def recent(url: str, limit: int = 200) -> list[AuditEntry]:
    with session(url) as db:
        return list(db.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars())


def hide_unknown_logins(engine: Engine) -> int:
    """Rows of a sign-in refusal written before logins were hidden: an unknown login becomes its mark."""
    refusals = ", ".join(f"'{action}'" for action in SIGN_IN_REFUSALS)
    with engine.begin() as conn:
        logins = [login for (login,) in conn.execute(text(
            f"SELECT DISTINCT login FROM console_audit WHERE action IN ({refusals}) AND login <> '-' "
            f"AND login NOT LIKE '{UNKNOWN_PREFIX}%' AND login NOT IN (SELECT login FROM console_staff)"))]
        for login in logins:
            conn.execute(text(f"UPDATE console_audit SET login = :mark WHERE login = :login AND action IN ({refusals})"),
                         {"mark": unknown_login(login), "login": login})
    return len(logins)
