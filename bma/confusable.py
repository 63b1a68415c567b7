"""Intents users' questions are often taken for one another (issue #24; no import): when the two
best intents of a message are such a pair and close, the assistant asks with two buttons rather
than guess. Pairs and margin chosen by cross-validation on data/ and on the development set
(docs/measurements-nlu.md), never on the sealed set."""
from __future__ import annotations

CONFUSABLE_PAIRS = frozenset({
    frozenset({"faq_lost_new_password", "faq_lost_old_password"}),
    frozenset({"faq_what_changes", "faq_migration_reason"}),
    frozenset({"faq_what_changes", "faq_not_covered"}),
    frozenset({"faq_what_changes", "out_of_scope"}),
    frozenset({"faq_not_covered", "out_of_scope"}),
    frozenset({"check_migration_status", "faq_migration_steps"}),
})
MARGIN = 0.1


def is_close_pair(ranking: list[dict], margin: float = MARGIN) -> bool:
    """Are the two best intents of ``ranking`` a confusable pair within ``margin`` of each other?"""
    best = [r for r in ranking if r.get("name") != "nlu_fallback"][:2]
    return (len(best) == 2 and frozenset(r["name"] for r in best) in CONFUSABLE_PAIRS
            and best[0]["confidence"] - best[1]["confidence"] < margin)
