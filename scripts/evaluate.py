"""`make evaluate`: how well the assistant understands, against a baseline a team would try first.

- Held-out: the trained model on tests/heldout/nlu_heldout.yml, written by a helper who never saw
  data/ (tests/test_heldout.py keeps it apart: no item with token Jaccard ≥ 0.6 to a training
  example); never used for training nor to choose a threshold or a setting.
- 5-fold cross-validation on the training data (one NLU model trained per fold).
- Baseline on the same items: TF-IDF (word 1–2 + char_wb 2–5 n-grams) + logistic regression,
  trained on the same training data, with the same fallback threshold as the pipeline.

- Confusable pairs (new/old password, steps/how-to, status/steps, changes/reason): how often each
  is taken for the other, pipeline and baseline, held-out and cross-validation.

Writes results/nlu/: summary.json, confusion.png, confidence.png, errors.txt. The scoring is in
evaluation/ (evaluation.scoring, evaluation.plots); this is the entry point.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from evaluation.paths import HELD_OUT, NLU_DIR, ROOT
from evaluation.quiet import quiet

OUT = ROOT / "results" / "nlu"


def row(name: str, m: dict) -> str:
    return (f"{name:<22}{m['accuracy']:>9.3f}{m['macro_f1']:>10.3f}"
            f"{(m['oos_rejection'] or 0):>14.3f}{(m['false_fallback'] or 0):>15.3f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    quiet()
    from evaluation.plots import plot_confidence, plot_confusion
    from evaluation.scoring import (
        baseline_predict,
        cross_validate,
        fallback_threshold,
        load_examples,
        metrics,
        rasa_predict,
    )

    OUT.mkdir(parents=True, exist_ok=True)
    threshold = fallback_threshold()
    train_texts, train_intents, train_messages = load_examples(NLU_DIR)
    test_texts, test_intents, _ = load_examples(HELD_OUT)

    rasa_intents, rasa_conf = asyncio.run(rasa_predict(args.model, test_texts))
    base_intents, _ = baseline_predict(train_texts, train_intents, test_texts, threshold)
    held_out = {"pipeline": metrics(test_intents, rasa_intents), "baseline": metrics(test_intents, base_intents)}

    cv_truth, cv_rasa, cv_base = cross_validate(train_texts, train_intents, train_messages, args.folds, threshold)
    cross_validation = {"pipeline": metrics(cv_truth, cv_rasa), "baseline": metrics(cv_truth, cv_base)} if cv_truth else {}

    errors = [{"text": t, "expected": y, "predicted": p, "confidence": round(c, 3)}
              for t, y, p, c in zip(test_texts, test_intents, rasa_intents, rasa_conf) if y != p]
    summary = {"model": Path(args.model).name, "fallback_threshold": threshold, "held_out": held_out,
               "cross_validation": cross_validation, "held_out_errors": errors}
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    (OUT / "errors.txt").write_text("".join(f"{e['expected']} -> {e['predicted']} ({e['confidence']}): {e['text']}\n" for e in errors))
    plot_confusion(test_intents, rasa_intents, OUT / "confusion.png", "Intent confusion on the held-out file (shipped pipeline)")
    plot_confidence(test_intents, rasa_intents, rasa_conf, OUT / "confidence.png", threshold)

    print(f"\n{'':<22}{'accuracy':>9}{'macro-F1':>10}{'OOS rejection':>14}{'false fallback':>15}")
    for scope, results in (("held-out", held_out), (f"{args.folds}-fold CV", cross_validation)):
        if not results:
            continue
        print(row(f"{scope} pipeline", results["pipeline"]))
        print(row(f"{scope} baseline", results["baseline"]))
        diff = results["pipeline"]["macro_f1"] - results["baseline"]["macro_f1"]
        print(f"{scope}: pipeline − baseline macro-F1 = {diff:+.3f}")
    for scope, results in (("held-out", held_out), (f"{args.folds}-fold CV", cross_validation)):
        for who in ("pipeline", "baseline"):
            if results:
                m = results[who]
                pairs = ", ".join(f"{k}: {v['a_as_b']}+{v['b_as_a']}" for k, v in m["confusable_pairs"].items())
                print(f"{scope} {who}: out of scope + not in the FAQ handled {m['oos_and_not_covered_handled']:.3f}; "
                      f"confusions {pairs}")
    print(f"\n{len(errors)} held-out errors in {OUT / 'errors.txt'}; figures in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
