"""A mailbox of the registry as plain data (no Rasa, no SQLAlchemy)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bma.phases import MailboxDates, Phase, phase_of


@dataclass(frozen=True)
class Provenance:
    """Where a registry row comes from: an import (file, its date, its row count) or the demonstration."""

    demo: bool
    label: str  # French, completes « d'après le registre de migration ({label}) » or names the demo


DEMO_PROVENANCE = Provenance(demo=True, label="données de démonstration")


@dataclass(frozen=True)
class Mailbox:
    address: str
    kind: str  # "ec" or "po"
    fase: str
    in_mode: bool | None  # None: MODE membership unknown (both forms of §6 are given)
    dates: MailboxDates
    name: str | None = None
    provenance: Provenance | None = None  # None: a row loaded before provenance was recorded

    @property
    def demo(self) -> bool:
        return bool(self.provenance and self.provenance.demo)

    def phase(self, today: dt.date) -> Phase:
        return phase_of(self.dates, today)
