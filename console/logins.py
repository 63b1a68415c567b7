"""How the console names a sign-in's login without keeping it: keyed hashes (HMAC-SHA256).

A login typed at a failed sign-in is shown in the journal only when it is an account's: otherwise as
``inconnu:`` and the first 12 hex digits of its HMAC (a password typed into « Identifiant » never
reaches the journal, yet the same unknown login gives the same mark); the sign-in counters key logins
and addresses the same way. The key is ``BMA_CONSOLE_SECRET``, or a random one generated once in
``var/console-secret.key`` (0600).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

import settings

SECRET_FILE = Path(__file__).resolve().parent.parent / "var" / "console-secret.key"
UNKNOWN_PREFIX = "inconnu:"
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
