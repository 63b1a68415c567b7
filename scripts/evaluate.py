"""`make evaluate`: how well the assistant understands, against a baseline a team would try first.

- Held-out: the trained model on tests/heldout/nlu_heldout.yml, written by a helper who never saw
  data/ (tests/test_heldout.py keeps it apart: no item with token Jaccard ≥ 0.6 to a training
  example); never used for training nor to choose a threshold or a setting.
- 5-fold cross-validation on the training data (one NLU model trained per fold).
- Baseline on the same items: TF-IDF (word 1–2 + char_wb 2–5 n-grams) + logistic regression,
  trained on the same training data, with the same fallback threshold as the pipeline.

- Confusable pairs (new/old password, steps/how-to, status/steps, changes/reason): how often each
  is taken for the other, pipeline and baseline, held-out and cross-validation.

Writes results/nlu/: summary.json, confusion.png, confidence.png, errors.txt.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "WARNING")
logging.disable(logging.WARNING)
from rasa.utils.log_utils import configure_structlog  # noqa: E402

configure_structlog(logging.WARNING)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "nlu"
FALLBACK = "nlu_fallback"
OOS = "out_of_scope"
NOT_COVERED = "faq_not_covered"
HELD_OUT = ROOT / "tests" / "heldout" / "nlu_heldout.yml"
CONFUSABLE = [("faq_lost_new_password", "faq_lost_old_password"), ("faq_migration_steps", "faq_how_to_migrate"),
              ("check_migration_status", "faq_migration_steps"), ("faq_what_changes", "faq_migration_reason")]


def load_examples(path_or_dir: Path):
    """(texts, intents, messages) of the intent examples under a file or folder."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path_or_dir))
    messages = data.intent_examples
    return [m.get("text") for m in messages], [m.get("intent") for m in messages], messages


def fallback_threshold() -> float:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


async def rasa_predict(model: str, texts: list[str]) -> tuple[list[str], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    intents, confidences = [], []
    for text in texts:
        parsed = await agent.parse_message(text)
        intents.append(parsed["intent"]["name"])
        # The confidence of the best real intent (nlu_fallback reports the threshold).
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        confidences.append(ranking[0]["confidence"] if ranking else parsed["intent"]["confidence"])
    return intents, confidences


def baseline_predict(train_texts, train_intents, texts, threshold) -> tuple[list[str], list[float]]:
    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, strip_accents="unicode")),
    ])
    model = make_pipeline(features, LogisticRegression(C=10, max_iter=2000))
    model.fit(train_texts, train_intents)
    probabilities = model.predict_proba(texts)
    best = probabilities.argmax(axis=1)
    confidences = probabilities.max(axis=1)
    intents = [model.classes_[i] if c >= threshold else FALLBACK for i, c in zip(best, confidences)]
    return intents, confidences.tolist()


def metrics(truth: list[str], predicted: list[str]) -> dict:
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    oos = [p for t, p in zip(truth, predicted) if t == OOS]
    in_scope = [p for t, p in zip(truth, predicted) if t != OOS]
    honest = [(t, p) for t, p in zip(truth, predicted) if t in (OOS, NOT_COVERED)]
    return {
        "items": len(truth),
        "accuracy": round(accuracy_score(truth, predicted), 4),
        "macro_f1": round(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0), 4),
        "oos_rejection": round(sum(p in (OOS, FALLBACK) for p in oos) / len(oos), 4) if oos else None,
        "false_fallback": round(sum(p == FALLBACK for p in in_scope) / len(in_scope), 4) if in_scope else None,
        # Out of scope and « the FAQ does not say »: each must get its own reply.
        "oos_and_not_covered_handled": round(sum(t == p for t, p in honest) / len(honest), 4) if honest else None,
        "confusable_pairs": {f"{a} / {b}": {"a_as_b": sum(t == a and p == b for t, p in zip(truth, predicted)),
                                            "b_as_a": sum(t == b and p == a for t, p in zip(truth, predicted))}
                             for a, b in CONFUSABLE},
        "per_intent": {
            label: {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
    }


def train_fold_model(messages: list, workdir: Path) -> str:
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    regexes = load_data(str(ROOT / "data/nlu/regex.yml")).regex_features
    (workdir / "nlu.yml").write_text(TrainingData(training_examples=messages, regex_features=regexes).nlu_as_yaml())
    return train_nlu(str(ROOT / "config.yml"), str(workdir / "nlu.yml"), str(workdir), fixed_model_name="fold",
                     domain=str(ROOT / "domain.yml"))


def plot_confusion(truth, predicted, path: Path, title: str) -> None:
    labels = sorted(set(truth) | set(predicted))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    fig, ax = plt.subplots(figsize=(12, 10))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confidence(truth, predicted, confidences, path: Path, threshold: float) -> None:
    right = [c for t, p, c in zip(truth, predicted, confidences) if t == p or (t == OOS and p == FALLBACK)]
    wrong = [c for t, p, c in zip(truth, predicted, confidences) if not (t == p or (t == OOS and p == FALLBACK))]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bins = np.linspace(0, 1, 21)
    ax.hist([right, wrong], bins=bins, label=[f"correct ({len(right)})", f"wrong ({len(wrong)})"], color=["#2a7ab0", "#d9534f"])
    ax.axvline(threshold, color="black", linestyle="--", label=f"fallback threshold {threshold}")
    ax.set_xlabel("confidence of the best intent")
    ax.set_ylabel("held-out items")
    ax.set_title("Intent confidence on the held-out file (shipped pipeline)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def row(name: str, m: dict) -> str:
    return (f"{name:<22}{m['accuracy']:>9.3f}{m['macro_f1']:>10.3f}"
            f"{(m['oos_rejection'] or 0):>14.3f}{(m['false_fallback'] or 0):>15.3f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    threshold = fallback_threshold()
    train_texts, train_intents, train_messages = load_examples(ROOT / "data" / "nlu")
    test_texts, test_intents, _ = load_examples(HELD_OUT)

    rasa_intents, rasa_conf = asyncio.run(rasa_predict(args.model, test_texts))
    base_intents, _ = baseline_predict(train_texts, train_intents, test_texts, threshold)
    held_out = {"pipeline": metrics(test_intents, rasa_intents), "baseline": metrics(test_intents, base_intents)}

    cv_truth, cv_rasa, cv_base = [], [], []
    started = time.perf_counter()
    if args.folds > 1:
        folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=42)
        for number, (train_idx, test_idx) in enumerate(folds.split(train_texts, train_intents), start=1):
            fold_train = [train_texts[i] for i in train_idx], [train_intents[i] for i in train_idx]
            fold_test = [train_texts[i] for i in test_idx], [train_intents[i] for i in test_idx]
            with tempfile.TemporaryDirectory() as workdir:
                model = train_fold_model([train_messages[i] for i in train_idx], Path(workdir))
                predicted, _ = asyncio.run(rasa_predict(model, fold_test[0]))
            cv_truth += fold_test[1]
            cv_rasa += predicted
            cv_base += baseline_predict(*fold_train, fold_test[0], threshold)[0]
            print(f"fold {number}/{args.folds} done ({time.perf_counter() - started:.0f} s)", flush=True)
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
