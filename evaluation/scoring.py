"""Held-out scoring: the examples of a file, the pipeline's and the baseline's predictions, the
figures (accuracy, macro-F1, out-of-scope rejection, honest replies, confusable pairs).

The baseline is what a team would try first: TF-IDF (word 1–2 + char_wb 2–5 n-grams) + logistic
regression, trained on the same training data, with the same fallback threshold as the pipeline."""
from __future__ import annotations

from pathlib import Path

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, make_pipeline

from evaluation.paths import CONFIG, DOMAIN, NLU_DIR

FALLBACK = "nlu_fallback"
OOS = "out_of_scope"
NOT_COVERED = "faq_not_covered"
CONFUSABLE = [("faq_lost_new_password", "faq_lost_old_password"), ("faq_migration_steps", "faq_how_to_migrate"),
              ("check_migration_status", "faq_migration_steps"), ("faq_what_changes", "faq_migration_reason")]


def load_examples(path_or_dir: Path):
    """(texts, intents, messages) of the intent examples under a file or folder."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path_or_dir))
    messages = data.intent_examples
    return [m.get("text") for m in messages], [m.get("intent") for m in messages], messages


def fallback_threshold() -> float:
    config = yaml.safe_load(CONFIG.read_text())
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


async def rasa_parses(model: str, texts: list[str]) -> list[dict]:
    """The model's parse of each text (Rasa's ``Agent``), as the server gives it to the dialogue."""
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def classifier_best(parsed: dict) -> tuple[str, float]:
    """The classifier's best real intent and its confidence: behind a « Vouliez-vous dire… »
    (nlu_fallback), the first of the ranking, as the sealed gate reads it."""
    ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
    return (ranking[0]["name"], ranking[0]["confidence"]) if ranking else (parsed["intent"]["name"], parsed["intent"]["confidence"])


def offered_intents(parsed: dict) -> list[str]:
    """The intents a « Vouliez-vous dire… » offers (actions/faq.py: the two the classifier named, or
    the candidates of its ranking); none when the message is answered."""
    from bma.confusable import CLARIFY_BETWEEN
    from bma.labels import candidate_buttons

    if parsed["intent"]["name"] != FALLBACK:
        return []
    named = parsed.get(CLARIFY_BETWEEN)
    return list(named) if named else [payload.lstrip("/").split("{")[0] for _, payload in
                                       candidate_buttons(parsed.get("intent_ranking") or [])]


async def rasa_predict(model: str, texts: list[str]) -> tuple[list[str], list[float]]:
    """The intent the dialogue acts on (nlu_fallback for a question) and the best real intent's confidence."""
    parses = await rasa_parses(model, texts)
    return [p["intent"]["name"] for p in parses], [classifier_best(p)[1] for p in parses]


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

    regexes = load_data(str(NLU_DIR / "regex.yml")).regex_features
    (workdir / "nlu.yml").write_text(TrainingData(training_examples=messages, regex_features=regexes).nlu_as_yaml())
    return train_nlu(str(CONFIG), str(workdir / "nlu.yml"), str(workdir), fixed_model_name="fold",
                     domain=str(DOMAIN))


def cross_validate(texts: list[str], intents: list[str], messages: list, folds: int, threshold: float):
    """(truth, pipeline, baseline) over ``folds`` stratified folds (seed 42) of the training data: one NLU
    model trained per fold, the baseline on the same split."""
    import asyncio
    import tempfile
    import time

    from sklearn.model_selection import StratifiedKFold

    train_texts, train_intents, train_messages = texts, intents, messages
    cv_truth, cv_rasa, cv_base = [], [], []
    started = time.perf_counter()
    if folds > 1:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
        for number, (train_idx, test_idx) in enumerate(splits.split(train_texts, train_intents), start=1):
            fold_train = [train_texts[i] for i in train_idx], [train_intents[i] for i in train_idx]
            fold_test = [train_texts[i] for i in test_idx], [train_intents[i] for i in test_idx]
            with tempfile.TemporaryDirectory() as workdir:
                model = train_fold_model([train_messages[i] for i in train_idx], Path(workdir))
                predicted, _ = asyncio.run(rasa_predict(model, fold_test[0]))
            cv_truth += fold_test[1]
            cv_rasa += predicted
            cv_base += baseline_predict(*fold_train, fold_test[0], threshold)[0]
            print(f"fold {number}/{folds} done ({time.perf_counter() - started:.0f} s)", flush=True)
    return cv_truth, cv_rasa, cv_base


def heldout_figures(model: str, held_out: Path | None = None) -> dict:
    """What the console keeps of a model (retraining/): its figures on the held-out file."""
    import asyncio

    from evaluation.paths import HELD_OUT

    texts, truth, _ = load_examples(held_out or HELD_OUT)
    predicted, _ = asyncio.run(rasa_predict(model, texts))
    m = metrics(truth, predicted)
    return {"items": m["items"], "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
            "honest": m["oos_and_not_covered_handled"]}
