"""The audit log: who signed in, labelled, exported… (one row per staff action, never user text)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.db import AuditEntry, console_engine


def record(db: Session, login: str, action: str, detail: str | None = None) -> None:
    """Add an entry in the caller's transaction (the action and its trace commit together)."""
    db.add(AuditEntry(login=(login or "-")[:64], action=action[:32], detail=(detail or None)))


def recent(url: str, limit: int = 200) -> list[AuditEntry]:
    with Session(console_engine(url), future=True) as db:
        return list(db.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars())
