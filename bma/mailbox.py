"""A mailbox of the registry as plain data (no Rasa, no SQLAlchemy)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bma.phases import MailboxDates, Phase, phase_of


@dataclass(frozen=True)
class Mailbox:
    address: str
    kind: str  # "ec" or "po"
    fase: str
    in_mode: bool
    dates: MailboxDates
    name: str | None = None

    def phase(self, today: dt.date) -> Phase:
        return phase_of(self.dates, today)
