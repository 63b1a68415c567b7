"""The console's settings, all from the environment (read when asked, so tests can set them): the
analytics' (analytics/config.py) and the console's own."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from analytics import config as analytics_config
from analytics.config import DEFAULT_LOW_CONFIDENCE, PROJECT_ROOT  # noqa: F401  (scripts/nlu_views.py, console modules)


@dataclass(frozen=True)
class Settings(analytics_config.Settings):
    host: str
    port: int
    secure_cookies: bool
    nlu_dir: Path  # where labelled examples go (inbox.yml) and what they are deduplicated against
    session_hours: float
    idle_minutes: float
    ingest_seconds: float
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
        **analytics_config.fields(env),
        host=env.get("BMA_CONSOLE_HOST", "127.0.0.1"),
        port=int(env.get("BMA_CONSOLE_PORT", "8081")),
        secure_cookies=env.get("BMA_CONSOLE_SECURE", "") == "1",
        nlu_dir=Path(env.get("BMA_NLU_DIR", "").strip() or PROJECT_ROOT / "data" / "nlu"),
        session_hours=float(env.get("BMA_CONSOLE_SESSION_HOURS", "8")),
        idle_minutes=float(env.get("BMA_CONSOLE_IDLE_MINUTES", "60")),
        ingest_seconds=float(env.get("BMA_CONSOLE_INGEST_SECONDS", "10")),
        metrics_token=env.get("BMA_METRICS_TOKEN", "").strip(),
        sign_in_per_minute=max(1, int(env.get("BMA_CONSOLE_SIGNIN_PER_MINUTE", "10"))),
        password_checks=max(1, int(env.get("BMA_CONSOLE_PASSWORD_CHECKS", "4"))),
        password_wait=max(0.0, float(env.get("BMA_CONSOLE_PASSWORD_WAIT", "1"))),
        trusted_proxies=frozenset(a.strip() for a in env.get("BMA_CONSOLE_TRUSTED_PROXY", "").split(",") if a.strip()),
    )
