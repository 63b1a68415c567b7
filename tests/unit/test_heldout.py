"""The held-out questions stay independent of the training data: written apart (by a helper who
never saw data/), and no item close to a training example (token Jaccard ≥ 0.6) or copied from it.
Counts as the evaluation needs them."""
import re
from collections import Counter
from pathlib import Path

import yaml

from bma.text import plain
from evaluation.paths import HELD_OUT

ROOT = Path(__file__).resolve().parents[2]
FAQ_INTENTS = ["faq_bma_definition", "faq_migration_reason", "faq_what_changes", "faq_migration_steps",
               "faq_how_to_migrate", "faq_lost_new_password", "faq_lost_old_password", "faq_no_email_received",
               "faq_more_questions"]
MAX_JACCARD = 0.6
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for block in data.get("nlu", []):
        if "intent" in block:
            for line in block["examples"].splitlines():
                text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
                if text:
                    found.append((block["intent"], ENTITY_MARKUP.sub(r"\1", text)))
    return found


def tokens(text: str) -> frozenset:
    return frozenset(re.findall(r"\w+", plain(text)))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def closest_training_example(text: str, training: list[tuple[str, frozenset]]) -> tuple[float, str]:
    words = tokens(text)
    return max(((jaccard(words, t), s) for s, t in training), default=(0.0, ""))


def test_no_held_out_item_is_close_to_a_training_example():
    training = [(text, tokens(text)) for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))
                for _, text in examples(path)]
    assert len(training) > 1000
    training_texts = {plain(t) for t, _ in training}
    close = []
    for _intent, text in examples(HELD_OUT):
        assert plain(text) not in training_texts, f"copied from the training data: {text}"
        score, nearest = closest_training_example(text, training)
        if score >= MAX_JACCARD:
            close.append((round(score, 2), text, nearest))
    assert not close, close


def test_held_out_counts():
    counts = Counter(intent for intent, _ in examples(HELD_OUT))
    assert all(counts[i] >= 25 for i in FAQ_INTENTS), counts
    assert counts["out_of_scope"] >= 60 and counts["faq_not_covered"] >= 40, counts
    assert len({text for _, text in examples(HELD_OUT)}) == sum(counts.values())  # no duplicate
