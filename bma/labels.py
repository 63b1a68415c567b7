"""French labels of the intents, for « Vouliez-vous dire… » (no Rasa import)."""
from __future__ import annotations

from bma.intents import INTENT_LABELS

MAX_CANDIDATES = 3
# Candidates below this confidence are noise, not suggestions.
MIN_CANDIDATE_CONFIDENCE = 0.05


def candidate_buttons(intent_ranking: list[dict], limit: int | None = None) -> list[tuple[str, str]]:
    """Up to three (or ``limit``) labelled candidates from Rasa's ``intent_ranking``, best first."""
    buttons: list[tuple[str, str]] = []
    for candidate in intent_ranking:
        name = candidate.get("name")
        if name in INTENT_LABELS and (candidate.get("confidence") or 0) >= MIN_CANDIDATE_CONFIDENCE:
            buttons.append(INTENT_LABELS[name])
        if len(buttons) == (limit or MAX_CANDIDATES):
            break
    if not buttons:
        buttons = [INTENT_LABELS["faq_how_to_migrate"], INTENT_LABELS["check_migration_status"]]
    return buttons


def buttons_for(intents: list[str]) -> list[tuple[str, str]]:
    """The labelled buttons of ``intents`` the classifier chose to offer, in their order (an intent
    without a label, out of scope, is left to « Aucune de ces propositions »)."""
    return [INTENT_LABELS[name] for name in intents if name in INTENT_LABELS]
