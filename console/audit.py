"""The audit log: who signed in, labelled, exported… (one row per staff action, never user text).

Sign-in refusals are counted, not listed: the same refusal (action, login, address) repeated
within ``BURST_GAP`` of the previous one adds to the row of its burst (``occurrences``,
``last_at``), a new row at most every ``BURST_SPAN``: a flood writes a handful of rows.

A login typed at a failed sign-in is shown only when it is an account's, otherwise as its keyed
mark (console.logins).
"""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import Integer, select
from sqlalchemy.orm import Session

from console.db import AuditEntry, session, sql, utcnow
from storage.journal import record  # noqa: F401  (console.audit.record, as before)

BURST_GAP = dt.timedelta(minutes=15)
BURST_SPAN = dt.timedelta(hours=1)


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
