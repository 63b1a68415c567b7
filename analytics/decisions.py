"""Reading what the actions decided from their replies' metadata ``bma_decision`` (bma/decisions.py):
the desks a hand-off named and the phase of the mailbox looked up, as they were when the reply was
given. Nothing is recomputed from the registry.

Events recorded before the desks and the phase were (docs/developers.md, « Recorded decisions »):
- a hand-off reply whose decision names no desk, or that carries no decision, counts one
  ``handoff_desk`` « non enregistré » (``unrecorded``);
- a status reply (``check_migration_status``) whose decision holds no lookup, given while the
  conversation had a BMA address, counts one ``lookup_phase`` « non enregistré »;
- a rated answer's phase (feedback) is « non enregistré » when an address was named and no reply of
  the conversation recorded the lookup.
"""
from __future__ import annotations

from bma.decisions import HANDOFF_ACTION, HANDOFF_TOPIC, UNRECORDED, is_recorded, looked_up_phase

STATUS_TOPIC = "check_migration_status"


def recorded_counts(decision: dict | None, last_action: str | None, address: str | None) -> list[tuple[str, str]]:
    """The (metric, key) counters a bot reply adds: ``handoff_desk`` by desk named, ``lookup_phase``
    by phase of an address just given; ``unrecorded`` for a reply recorded before this change."""
    counts: list[tuple[str, str]] = []
    if is_recorded(decision):
        if decision.get("topic") == HANDOFF_TOPIC:
            counts += [("handoff_desk", str(desk)[:64]) for desk in decision.get("desks") or ()]
        if decision.get("address_given"):
            key = looked_up_phase(decision)
            if key:
                counts.append(("lookup_phase", key[:64]))
        return counts
    topic = (decision or {}).get("topic")
    if topic == HANDOFF_TOPIC or (decision is None and last_action == HANDOFF_ACTION):
        counts.append(("handoff_desk", UNRECORDED))
    if topic == STATUS_TOPIC and address:
        counts.append(("lookup_phase", UNRECORDED))
    return counts


def answer_phase(decision: dict | None, address: str | None, known: str | None) -> tuple[str | None, str | None]:
    """(the phase a rated answer is stored with, the phase known for the conversation's address after
    it). ``known``: what an earlier reply recorded for the same address (None: nothing yet)."""
    if is_recorded(decision) and decision.get("lookup") not in (None, "no_address"):
        found = looked_up_phase(decision)
        if found in ("unavailable", "no_registry"):
            return None, known  # the registry could not tell: no phase, as the reply said
        known = found
    if not address:
        return None, known
    return known or UNRECORDED, known
