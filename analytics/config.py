"""The analytics' settings, a typed view of settings.py's variables (read when asked, so tests can
set them). The console's settings (console/config.py) add its own to these."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import settings as bma_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Below it, a message goes to the inbox: the share of misunderstood messages that 0.6 flagged
# with the logistic regression, for the SVM's sharper confidences (`make nlu-views` prints it).
DEFAULT_LOW_CONFIDENCE = float(bma_settings.BY_NAME["BMA_CONSOLE_LOW_CONFIDENCE"].default)  # 0.7


@dataclass(frozen=True)
class AnalyticsConfig:
    db_url: str  # analytics and console tables, feedback, and the registry's tickets (BMA_DB_URL)
    events_url: str  # Rasa's SQL event broker (BMA_EVENTS_DB_URL)
    timezone: str  # the staff's calendar (BMA_CONSOLE_TZ)
    low_confidence: float  # below it, a message goes to the inbox (BMA_CONSOLE_LOW_CONFIDENCE)


def fields(environ: dict | None = None) -> dict:
    """The analytics' settings, as keyword arguments (of this AnalyticsConfig or the console's)."""
    now = bma_settings.current(environ)
    return {
        "db_url": now.db_url,
        "events_url": now.events_db_url,
        "timezone": now.console_tz,
        "low_confidence": now.console_low_confidence,
    }


def settings(environ: dict | None = None) -> AnalyticsConfig:
    return AnalyticsConfig(**fields(environ))
