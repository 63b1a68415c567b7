"""The console's settings, all from the environment (read when asked, so tests can set them)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bma.registry import database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# endpoints.yml's event broker writes var/events.sqlite3 relative to the Rasa server's working
# directory, which scripts/run.sh sets to the project root.
DEFAULT_EVENTS_PATH = PROJECT_ROOT / "var" / "events.sqlite3"
# Below it, a message goes to the inbox: the share of misunderstood messages that 0.6 flagged
# with the logistic regression, for the SVM's sharper confidences (`make nlu-views` prints it).
DEFAULT_LOW_CONFIDENCE = 0.7


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    secure_cookies: bool
    db_url: str  # console tables, feedback, and the registry's tickets (BMA_DB_URL)
    events_url: str  # Rasa's SQL event broker (BMA_EVENTS_DB_URL)
    nlu_dir: Path  # where labelled examples go (inbox.yml) and what they are deduplicated against
    timezone: str
    session_hours: float
    idle_minutes: float
    ingest_seconds: float
    low_confidence: float
    metrics_token: str = ""  # BMA_METRICS_TOKEN: Prometheus may read /metrics with it (empty: sign-in only)
    # Sign-in limits (console.app): tries per client address and minute, Argon2 checks at once, how
    # long a try waits for one, and the reverse proxies whose X-Forwarded-For names the client.
    sign_in_per_minute: int = 10
    password_checks: int = 4
    password_wait: float = 1.0
    trusted_proxies: frozenset = frozenset()


def settings(environ: dict | None = None) -> Settings:
    env = environ if environ is not None else os.environ
    return Settings(
        host=env.get("BMA_CONSOLE_HOST", "127.0.0.1"),
        port=int(env.get("BMA_CONSOLE_PORT", "8081")),
        secure_cookies=env.get("BMA_CONSOLE_SECURE", "") == "1",
        db_url=database_url(env),
        events_url=env.get("BMA_EVENTS_DB_URL", "").strip() or f"sqlite:///{DEFAULT_EVENTS_PATH}",
        nlu_dir=Path(env.get("BMA_NLU_DIR", "").strip() or PROJECT_ROOT / "data" / "nlu"),
        timezone=env.get("BMA_CONSOLE_TZ", "Europe/Brussels"),
        session_hours=float(env.get("BMA_CONSOLE_SESSION_HOURS", "8")),
        idle_minutes=float(env.get("BMA_CONSOLE_IDLE_MINUTES", "60")),
        ingest_seconds=float(env.get("BMA_CONSOLE_INGEST_SECONDS", "10")),
        low_confidence=float(env.get("BMA_CONSOLE_LOW_CONFIDENCE", str(DEFAULT_LOW_CONFIDENCE))),
        metrics_token=env.get("BMA_METRICS_TOKEN", "").strip(),
        sign_in_per_minute=max(1, int(env.get("BMA_CONSOLE_SIGNIN_PER_MINUTE", "10"))),
        password_checks=max(1, int(env.get("BMA_CONSOLE_PASSWORD_CHECKS", "4"))),
        password_wait=max(0.0, float(env.get("BMA_CONSOLE_PASSWORD_WAIT", "1"))),
        trusted_proxies=frozenset(a.strip() for a in env.get("BMA_CONSOLE_TRUSTED_PROXY", "").split(",") if a.strip()),
    )
