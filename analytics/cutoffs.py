"""The retention of each kind of personal data, in days: three settings and the console's fixed
sign-in rules; the limits (``Cutoffs``) the purge (analytics.retention) and the report
(analytics.privacy) apply."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import settings as bma_settings

# --- retention settings -----------------------------------------------------------------------------
SETTINGS = {  # key: (environment variable, default days, what it keeps)
    "conversations": ("BMA_RETENTION_DAYS", 30, "conversations"),
    "tickets": ("BMA_TICKET_RETENTION_DAYS", 90, "tickets"),
    "audit": ("BMA_AUDIT_RETENTION_DAYS", 365, "journal du personnel"),
}
# Fixed by the console's sign-in rules (console.accounts), not settings.
FIXED_DAYS = {"sign_in": 1, "known_clients": 90}


class RetentionError(ValueError):
    """A French message about a setting."""


def days_of(key: str, environ: dict | None = None) -> int:
    name, default, _ = SETTINGS[key]
    raw = bma_settings.raw(name, environ) or str(default)
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise RetentionError(f"{name} doit être un nombre entier de jours, au moins 1 (reçu : « {raw} »).")
    return days


@dataclass(frozen=True)
class Cutoffs:
    """What is older than these is past its retention (naive UTC, as every DateTime column)."""

    now: float  # Unix time
    days: dict  # key of SETTINGS → days

    def before(self, key: str) -> float:
        """Unix time: the limit of ``key`` (a key of SETTINGS or FIXED_DAYS, or « session »: now)."""
        if key == "session":
            return self.now
        return self.now - (self.days[key] if key in self.days else FIXED_DAYS[key]) * 86400

    def moment(self, key: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.before(key), dt.timezone.utc).replace(tzinfo=None)


def cutoffs(now: float | None = None, environ: dict | None = None, **days: int) -> Cutoffs:
    """The limits now; ``days`` overrides a setting (``conversations=7``)."""
    found = {key: days[key] if days.get(key) else days_of(key, environ) for key in SETTINGS}
    return Cutoffs(time.time() if now is None else now, found)


def retention_label(key: str | None, chosen: Cutoffs) -> str:
    if key is None:
        return "tant que le compte existe"
    if key == "session":
        return "jusqu'à l'expiration de la session"
    if key in SETTINGS:
        n = chosen.days[key]
        return f"{n} jour{'s' if n > 1 else ''} ({SETTINGS[key][0]})"
    n = FIXED_DAYS[key]
    return f"{n} jour{'s' if n > 1 else ''} (règle de connexion de la console)"
