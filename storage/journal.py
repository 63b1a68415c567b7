"""The staff journal's table (``console_audit``): one row per staff action, never a user's text.

Written by the console (console.audit: sign-ins, labels, exports) and by retraining/ (operations on
the models), each in its caller's transaction; shown on the console's « Journal ».
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlalchemy.orm import Session

from storage import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "console_audit"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    login = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(Text)
    # Repeated sign-in refusals are one row per burst (console.audit.repeated): how many, until when.
    occurrences = Column(Integer)  # NULL: once
    last_at = Column(DateTime)


def record(db: Session, login: str, action: str, detail: str | None = None) -> None:
    """Add an entry in the caller's transaction (the action and its trace commit together)."""
    db.add(AuditEntry(login=(login or "-")[:64], action=action[:32], detail=(detail or None)))
