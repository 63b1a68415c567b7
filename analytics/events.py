"""Reading Rasa's broker events: local days of timestamps, the intent the model predicted."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

FALLBACK_INTENT = "nlu_fallback"


class Clock:
    """Event timestamps → the staff's calendar days (Europe/Brussels by default)."""

    def __init__(self, zone: str):
        self.zone = ZoneInfo(zone)
        self._days: dict[int, dt.date] = {}

    def day(self, timestamp: float) -> dt.date:
        hour = int(timestamp // 3600)  # every time zone in use shifts by whole hours
        found = self._days.get(hour)
        if found is None:
            found = self._days[hour] = dt.datetime.fromtimestamp(hour * 3600, self.zone).date()
        return found

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    @staticmethod
    def moment(timestamp: float) -> dt.datetime:
        """Naive UTC, as every DateTime column of the project."""
        return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None)


def predicted(parse_data: dict) -> tuple[str | None, float | None]:
    """The best intent other than nlu_fallback (what the model thought), and its confidence."""
    intent = parse_data.get("intent") or {}
    if intent.get("name") != FALLBACK_INTENT:
        return intent.get("name"), intent.get("confidence")
    for candidate in parse_data.get("intent_ranking") or []:
        if candidate.get("name") != FALLBACK_INTENT:
            return candidate.get("name"), candidate.get("confidence")
    return None, None
