"""What a reply decided, as it travels with the bot event (no Rasa import).

The actions (actions/common.py ``send``) and the French fallback of rasa_patches/action_fallback.py
attach ``decision(...)`` to each bot reply as its metadata ``bma_decision``; Rasa keeps it in the
tracker store and the event broker, and the analytics (analytics/decisions.py) read it back instead
of recomputing anything from the registry, which may have changed since.

A decision holds identifiers only (no user text, no address, no name): the topic answered, its
sub-answer, the sources, the quick replies offered, the desks the reply names (``bma.facts``
contact keys: ``etnic``, ``sgne``, ``enseignement_be``), the campaign's period (``bma.phases.
CampaignPeriod``), how the mailbox was looked up (``bma.answers.Lookup``) and its phase
(``bma.phases.Phase``; ``unknown`` when the address is not in the registry), and whether the
address was given in this turn (the dashboard's « adresses consultées »).

Events recorded before the desks and the phase were (their ``bma_decision`` has no ``desks`` key,
or there is none) are counted as « non enregistré » (``UNRECORDED``): docs/analytics.md.
"""
from __future__ import annotations

from bma.phases import CampaignPeriod, Phase
from bma.replies import Reply

DECISION_KEY = "bma_decision"  # the bot event's metadata key (bma.secrets.IDENTIFIER_KEYS leaves it as is)
# A bot event written by rasa_patches.action_fallback (the action server failed): metadata {FALLBACK_MARK: True}.
FALLBACK_MARK = "bma_action_fallback"
UNRECORDED = "unrecorded"  # what an event recorded before this change counts as (« non enregistré »)
HANDOFF_TOPIC = "human_handoff"  # the topic of the hand-off reply
HANDOFF_ACTION = "action_human_handoff"
# Keys every decision of this version holds; one missing: an event from before.
RECORDED_KEYS = ("desks", "period", "lookup", "phase", "address_given")


def source_names(reply: Reply) -> list[str]:
    return [source.kind if source.section is None else f"{source.kind}:{source.section}" for source in reply.sources]


def decision(reply: Reply, topic: str, sub: str | None = None, *, desks=(), period: CampaignPeriod | None = None,
             lookup: str | None = None, phase: Phase | str | None = None, address_given: bool = False) -> dict:
    """The metadata ``bma_decision`` of ``reply``: identifiers only (JSON-ready)."""
    if isinstance(phase, Phase):
        phase = phase.value
    return {
        "topic": topic,
        "sub": sub,
        "sources": source_names(reply),
        "offers": [payload for _, payload in reply.buttons],
        "desks": [getattr(desk, "key", desk) for desk in desks],
        "period": period.value if isinstance(period, CampaignPeriod) else period,
        "lookup": lookup,
        "phase": phase,
        "address_given": bool(address_given),
    }


def of(metadata: dict | None) -> dict | None:
    """The decision a bot event's metadata carries (None when it carries none)."""
    found = (metadata or {}).get(DECISION_KEY)
    return found if isinstance(found, dict) else None


def is_recorded(found: dict | None) -> bool:
    """Does the decision hold the desks and the phase (an event written since they are recorded)?"""
    return found is not None and all(key in found for key in RECORDED_KEYS)


def looked_up_phase(found: dict) -> str | None:
    """The dashboard's key for the mailbox looked up: its phase, ``unknown`` when not in the registry,
    or how the lookup failed (``unavailable``, ``no_registry``); None when no address was looked up."""
    lookup = found.get("lookup")
    if lookup == "found":
        return found.get("phase") or UNRECORDED
    if lookup == "not_found":
        return Phase.UNKNOWN.value
    if lookup in ("unavailable", "no_registry"):
        return lookup
    return None
