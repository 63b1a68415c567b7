"""A message the classifier placed between two answers (``clarify_between``) is a clarification, not
« non compris »: the console's fallback count and inbox reason keep to messages it could not place."""
from analytics.batch import Batch
from analytics.events import Clock


def user_event(text, ranking, clarify_between=None):
    parse_data = {"intent": {"name": "nlu_fallback", "confidence": ranking[0][1]},
                  "intent_ranking": [{"name": "nlu_fallback", "confidence": ranking[0][1]}]
                  + [{"name": n, "confidence": c} for n, c in ranking]}
    if clarify_between:
        parse_data["clarify_between"] = clarify_between
    return {"event": "user", "timestamp": 1_733_650_000.0, "text": text, "parse_data": parse_data}


def test_only_a_message_not_placed_counts_as_a_fallback():
    batch = Batch({}, Clock("Europe/Brussels"), low_confidence=0.7)
    batch.user(1, "conv-a", user_event("le mail 2 c'est pour quoi faire", [("faq_migration_reason", 0.6),
                                                                         ("faq_how_to_migrate", 0.36)],
                                       ["faq_migration_reason", "faq_how_to_migrate"]))
    batch.user(2, "conv-b", user_event("xyzzy", [("greet", 0.15), ("thanks", 0.1)]))
    fallbacks = sum(n for (day, kind, key), n in batch.counts.items() if kind == "fallback")
    assert fallbacks == 1
    assert "fallback" not in batch.users[1].reasons and "low_confidence" in batch.candidates[1].reasons
    assert "fallback" in batch.candidates[2].reasons
