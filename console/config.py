"""The console's settings, a typed view of settings.py's variables (read when asked, so tests can
set them): the analytics' (analytics/config.py) and the console's own."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import settings as bma_settings
from analytics import config as analytics_config
from analytics.config import (  # noqa: F401  (evaluation/experiments/views.py, console modules)
    DEFAULT_LOW_CONFIDENCE,
    PROJECT_ROOT,
)


@dataclass(frozen=True)
class ConsoleConfig(analytics_config.AnalyticsConfig):
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


def settings(environ: dict | None = None) -> ConsoleConfig:
    now = bma_settings.current(environ)
    return ConsoleConfig(
        **analytics_config.fields(environ),
        host=now.console_host,
        port=now.console_port,
        secure_cookies=now.console_secure,
        nlu_dir=now.nlu_dir,
        session_hours=now.console_session_hours,
        idle_minutes=now.console_idle_minutes,
        ingest_seconds=now.console_ingest_seconds,
        metrics_token=now.metrics_token,
        sign_in_per_minute=max(1, now.console_signin_per_minute),
        password_checks=max(1, now.console_password_checks),
        password_wait=max(0.0, now.console_password_wait),
        trusted_proxies=frozenset(now.console_trusted_proxy),
    )
