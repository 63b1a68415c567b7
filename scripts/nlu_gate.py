"""Intent macro-F1 of a trained model on the held-out file; exits 1 below the threshold.

    python scripts/nlu_gate.py --model models/bma-….tar.gz --test tests/nlu_test.yml --min-macro-f1 0.90
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # custom NLU components (components/)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "WARNING")
logging.disable(logging.WARNING)
from rasa.utils.log_utils import configure_structlog  # noqa: E402

configure_structlog(logging.WARNING)

from rasa.core.agent import Agent  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402


async def predict(agent: Agent, texts: list[str]) -> list[str]:
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        predictions.append(parsed["intent"]["name"])
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--test", default="tests/nlu_test.yml")
    parser.add_argument("--min-macro-f1", type=float, default=0.90)
    args = parser.parse_args()
    examples = [m for m in load_data(args.test).intent_examples]
    texts = [m.get("text") for m in examples]
    truth = [m.get("intent") for m in examples]
    agent = Agent.load(args.model)
    predicted = asyncio.run(predict(agent, texts))
    labels = sorted(set(truth))
    macro_f1 = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    accuracy = accuracy_score(truth, predicted)
    errors = [(t, y, p) for t, y, p in zip(texts, truth, predicted) if y != p]
    print(f"NLU held-out ({len(texts)} items, {len(labels)} intents): accuracy {accuracy:.3f}, intent macro-F1 {macro_f1:.3f}")
    for text, expected, got in errors:
        print(f"  miss: {text!r}: expected {expected}, got {got}")
    if macro_f1 < args.min_macro_f1:
        print(f"FAIL: intent macro-F1 {macro_f1:.3f} < {args.min_macro_f1:.2f}")
        return 1
    print(f"OK: intent macro-F1 {macro_f1:.3f} >= {args.min_macro_f1:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
