"""The analytics' settings, all from the environment (read when asked, so tests can set them).
The console's settings (console/config.py) add its own to these."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bma.registry import database_url
from feedback.store import timezone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# endpoints.yml's event broker writes var/events.sqlite3 relative to the Rasa server's working
# directory, which scripts/run.sh sets to the project root.
DEFAULT_EVENTS_PATH = PROJECT_ROOT / "var" / "events.sqlite3"
# Below it, a message goes to the inbox: the share of misunderstood messages that 0.6 flagged
# with the logistic regression, for the SVM's sharper confidences (`make nlu-views` prints it).
DEFAULT_LOW_CONFIDENCE = 0.7


@dataclass(frozen=True)
class Settings:
    db_url: str  # analytics and console tables, feedback, and the registry's tickets (BMA_DB_URL)
    events_url: str  # Rasa's SQL event broker (BMA_EVENTS_DB_URL)
    timezone: str  # the staff's calendar (BMA_CONSOLE_TZ)
    low_confidence: float  # below it, a message goes to the inbox (BMA_CONSOLE_LOW_CONFIDENCE)


def fields(environ: dict | None = None) -> dict:
    """The analytics' settings, as keyword arguments (of this Settings or the console's)."""
    env = environ if environ is not None else os.environ
    return {
        "db_url": database_url(env),
        "events_url": env.get("BMA_EVENTS_DB_URL", "").strip() or f"sqlite:///{DEFAULT_EVENTS_PATH}",
        "timezone": timezone(env),
        "low_confidence": float(env.get("BMA_CONSOLE_LOW_CONFIDENCE", str(DEFAULT_LOW_CONFIDENCE))),
    }


def settings(environ: dict | None = None) -> Settings:
    return Settings(**fields(environ))
