"""When the classifier asks « Vouliez-vous dire… » with two buttons rather than guess (issue #24; no
import): the two best intents of a message are a pair users' questions are often taken for one
another, and close; or a second opinion (components/second_opinion.py) names another answer while
the classifier is unsure. Pairs, margin and threshold chosen by cross-validation on data/ and on the
development sets (docs/measurements-nlu.md), never on the sealed set."""
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
# The parse data's key naming the intents « Vouliez-vous dire… » offers, best first (set by the classifier).
CLARIFY_BETWEEN = "clarify_between"
# The second opinion (components/second_opinion.py) is heard while the SVM's confidence is below this:
# chosen on the four development sets (docs/measurements-nlu.md), never on the sealed set.
SECOND_OPINION_BELOW = 0.8


def is_close_pair(ranking: list[dict], margin: float = MARGIN) -> bool:
    """Are the two best intents of ``ranking`` a confusable pair within ``margin`` of each other?"""
    best = [r for r in ranking if r.get("name") != "nlu_fallback"][:2]
    return (len(best) == 2 and frozenset(r["name"] for r in best) in CONFUSABLE_PAIRS
            and best[0]["confidence"] - best[1]["confidence"] < margin)


def disputed(ranking: list[dict], second_opinion: str, askable: frozenset[str], same_answer,
             below: float = SECOND_OPINION_BELOW) -> str | None:
    """The second opinion's intent when it names another answer than the ranking's best, both are
    questions « Vouliez-vous dire… » can offer (``askable``), and the best is below ``below``."""
    best = next((r for r in ranking if r.get("name") != "nlu_fallback"), None)
    if (best is None or best["confidence"] >= below or best["name"] not in askable or second_opinion not in askable
            or same_answer(best["name"], second_opinion)):
        return None
    return second_opinion
