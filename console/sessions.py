"""Staff sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure behind HTTPS),
only its SHA-256 in the database; a CSRF token per session for every form; an absolute lifetime
and an idle timeout."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select

from console.db import StaffAccount, StaffSession, session, utcnow

COOKIE = "bma_console_session"
# Before sign-in, the sign-in form's CSRF token (double submit: cookie = hidden field).
SIGN_IN_COOKIE = "bma_console_signin"


@dataclass(frozen=True)
class Staff:
    id: int
    login: str
    csrf_token: str
    role: str = "lecture"  # console.accounts.ROLES, read at every request (a change applies at once)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def open_session(url: str, staff_id: int, hours: float) -> str:
    token = new_token()
    now = utcnow()
    with session(url) as db, db.begin():
        db.execute(delete(StaffSession).where(StaffSession.expires_at < now))  # tidy up
        db.add(StaffSession(token_hash=_hash(token), staff_id=staff_id, csrf_token=new_token(), created_at=now,
                            last_seen_at=now, expires_at=now + dt.timedelta(hours=hours)))
    return token


def current(url: str, token: str | None, idle_minutes: float) -> Staff | None:
    """The signed-in staff member of this cookie, or None (unknown, expired or idle too long)."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    with session(url) as db, db.begin():
        found = db.execute(select(StaffSession, StaffAccount.login, StaffAccount.role)
                           .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
                           .where(StaffSession.token_hash == _hash(token))).first()
        if found is None:
            return None
        row, login, role = found
        if row.expires_at <= now or now - row.last_seen_at > dt.timedelta(minutes=idle_minutes):
            db.delete(row)
            return None
        if now - row.last_seen_at > dt.timedelta(seconds=30):  # not a write per request
            row.last_seen_at = now
        return Staff(row.staff_id, login, row.csrf_token, role)


def close(url: str, token: str | None) -> None:
    if token:
        with session(url) as db, db.begin():
            db.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


def set_cookie(response, name: str, value: str, *, secure: bool, max_age: int | None) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = "/"
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if secure:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(response, name: str, *, secure: bool) -> None:
    set_cookie(response, name, "", secure=secure, max_age=0)
