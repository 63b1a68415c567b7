"""The intent contract (bma/intents.py) agrees with domain.yml, the rules, the desk table and the
« Vouliez-vous dire » labels: adding an intent in one place and not the others fails here."""
from pathlib import Path

import yaml

from bma import desks, intents
from bma.labels import candidate_buttons

ROOT = Path(__file__).resolve().parents[2]


def domain_intents() -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}


def rule_first_actions() -> dict[str, set[str]]:
    """intent → the actions that rules run right after it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            steps = rule["steps"]
            for step, following in zip(steps, steps[1:]):
                if "intent" in step and "action" in following:
                    found.setdefault(step["intent"], set()).add(following["action"])
    return found


def test_every_domain_intent_is_in_the_contract_and_back():
    assert domain_intents() == set(intents.INTENTS)


def test_every_faq_topic_has_a_row_in_the_desk_table_and_back():
    assert set(desks.TABLE) == set(intents.GENERAL_ANSWERS)


def test_rules_follow_the_contract():
    rules = rule_first_actions()
    for name, intent in intents.INTENTS.items():
        if intent.needs_address:
            assert rules.get(name) == {"address_form"}, name
        elif intent.answer:
            assert rules.get(name) == {"action_answer_faq"}, name
    assert rules["inform"] == {"action_answer_faq"}  # an address alone: that mailbox's state


def test_labels_are_unique_and_offered_only_for_known_intents():
    labels = [label for label, _ in intents.INTENT_LABELS.values()]
    assert len(labels) == len(set(labels))
    ranking = [{"name": name, "confidence": 0.3} for name in intents.INTENTS] + [{"name": "nlu_fallback", "confidence": 0.9}]
    for title, payload in candidate_buttons(ranking):
        assert payload[1:] in intents.INTENTS and (title, payload) == intents.INTENT_LABELS[payload[1:]]
