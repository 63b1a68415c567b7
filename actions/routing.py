"""Which desk receives a prepared message, and why (no Rasa import): ``desks.TABLE`` decides."""
from __future__ import annotations

from dataclasses import dataclass

from actions import desks
from actions.facts import Contact
from actions.phases import Phase


@dataclass(frozen=True)
class Route:
    contact: Contact
    reason: str  # French, completes « … car {reason} »


def route(intent: str | None, phase: Phase | None, description: str = "") -> Route:
    """The desk for a prepared message after a question ``intent`` about a mailbox in ``phase``."""
    contact = desks.ticket_desk(intent, phase, description)
    return Route(contact, desks.WHY[contact.key])
