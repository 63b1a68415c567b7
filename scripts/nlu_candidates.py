"""Candidate training data, measured before it ships (development data only, never the sealed set).

    .venv/bin/python -m scripts.nlu_candidates candidates.yml [more.yml …] [--folds 5]

One NLU model trained on data/nlu, one on data/nlu plus the candidates; each parses the first
development set (tests/heldout/nlu_heldout.yml) and development set 2 (tests/corpora/nlu_dev_2.yml)
with Rasa's Agent (nlu_fallback counts as wrong). Then k-fold cross-validation on data/nlu, the
candidates added to each training fold only (the test folds are data/nlu's). Prints intent accuracy.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import yaml

from evaluation.paths import HELD_OUT, NLU_DIR, ROOT
from evaluation.quiet import quiet

DEV_2 = ROOT / "tests" / "corpora" / "nlu_dev_2.yml"


def accuracy(truth: list[str], predicted: list[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted)) / len(truth)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("candidates", type=Path, nargs="+")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    quiet()
    from sklearn.model_selection import StratifiedKFold

    from evaluation.scoring import load_examples, rasa_predict, train_fold_model

    texts, intents, messages = load_examples(NLU_DIR)
    extra = [message for path in args.candidates for message in load_examples(path)[2]]
    dev_1 = load_examples(HELD_OUT)[:2]
    questions = yaml.safe_load(DEV_2.read_text(encoding="utf-8"))["questions"]
    dev_2 = [q["text"] for q in questions], [q["intent"] for q in questions]
    print(f"data/nlu: {len(texts)} examples; candidates: {len(extra)}")
    for label, added in (("data/nlu", []), ("data/nlu + candidates", extra)):
        with tempfile.TemporaryDirectory() as workdir:
            model = train_fold_model(messages + added, Path(workdir))
            figures = [accuracy(truth, asyncio.run(rasa_predict(model, items))[0]) for items, truth in (dev_1, dev_2)]
        truth, predicted = [], []
        if args.folds > 1:
            splits = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=42).split(texts, intents)
            for train, test in splits:
                with tempfile.TemporaryDirectory() as workdir:
                    model = train_fold_model([messages[i] for i in train] + added, Path(workdir))
                    predicted += asyncio.run(rasa_predict(model, [texts[i] for i in test]))[0]
                truth += [intents[i] for i in test]
        cv = f"{accuracy(truth, predicted):.3f}" if truth else "—"
        print(f"{label:<24} development set {figures[0]:.3f}   development set 2 {figures[1]:.3f}   "
              f"{args.folds}-fold CV {cv}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
