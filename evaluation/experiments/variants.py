"""`make nlu-experiments`: NLU pipeline variants compared by cross-validation on the training data,
then confirmed on the held-out file — the choice is made on cross-validation only.

For each variant (VARIANTS below): k-fold cross-validation on data/nlu (same folds for every
variant), a model trained on all of data/nlu scored on tests/heldout/nlu_heldout.yml, the training
time, the parse time per message and the peak memory of the process. Each variant runs in its own
process so that memory figures do not mix. Writes results/nlu/experiments.json and prints a table.

    .venv/bin/python -m scripts.nlu_experiments [--folds 3] [--only "name;name"]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evaluation.paths import HELD_OUT, ROOT

OUT = ROOT / "results" / "nlu"

# Training files written before the independent evaluation (the « narrow » data).
ORIGINAL_FILES = ("conversation.yml", "faq_general.yml", "faq_what_changes.yml", "out_of_scope.yml", "regex.yml")


def _set(pipeline: list, name: str, **changes) -> list:
    pipeline = copy.deepcopy(pipeline)
    for component in pipeline:
        if component["name"] == name:
            component.update(changes)
    return pipeline


def _replace(pipeline: list, name: str, new: list) -> list:
    out = []
    for component in copy.deepcopy(pipeline):
        out += new if component["name"] == name else [component]
    return out


# The first version's pipeline, from which every variant departs.
FIRST_PIPELINE = [
    {"name": "components.spacy_nlp.LeanSpacyNLP", "model": "fr_core_news_sm"},
    {"name": "SpacyTokenizer"},
    {"name": "SpacyFeaturizer", "pooling": "mean"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 5, "min_df": 2},
    {"name": "RegexEntityExtractor", "case_sensitive": False, "use_regexes": True, "use_lookup_tables": False},
    {"name": "DIETClassifier", "epochs": 60, "number_of_transformer_layers": 1, "transformer_size": 128,
     "entity_recognition": False, "constrain_similarities": True, "random_seed": 42},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.5, "ambiguity_threshold": 0.1},
]


def variants(base: list) -> dict[str, dict]:
    """name → {pipeline, data, note}; ``base``: FIRST_PIPELINE."""
    md = _set(base, "components.spacy_nlp.LeanSpacyNLP", model="fr_core_news_md")
    char_2_5 = copy.deepcopy(md)
    for component in char_2_5:
        if component.get("analyzer") == "char_wb":
            component.update(min_ngram=2, max_ngram=5, min_df=1)
    classifier = {"name": "LogisticRegressionClassifier", "max_iter": 300, "solver": "lbfgs", "tol": 0.0001,
                  "random_state": 42}
    logistic = _replace(md, "DIETClassifier", [classifier])
    logistic_char_2_5 = _replace(char_2_5, "DIETClassifier", [classifier])
    scaled = [{**classifier, "name": "components.intent_classifier.ScaledLogisticRegressionClassifier", "C": c}
              for c in (10.0, 30.0)]
    return {
        "sm, DIET 1×128, narrow data": {"pipeline": base, "data": "original", "note": "the first version"},
        "sm, DIET 1×128": {"pipeline": base, "data": "all", "note": "broader data"},
        "md vectors, DIET 1×128": {"pipeline": md, "data": "all", "note": "fr_core_news_md + SpacyFeaturizer"},
        "md, char_wb 2–5": {"pipeline": char_2_5, "data": "all", "note": "char n-grams 2–5, min_df 1"},
        "md, DIET 2×256, 100 epochs": {"pipeline": _set(md, "DIETClassifier", epochs=100, number_of_transformer_layers=2,
                                                         transformer_size=256), "data": "all", "note": "bigger DIET"},
        "md, LogisticRegression": {"pipeline": logistic, "data": "all", "note": "Rasa's LogisticRegressionClassifier"},
        "md, LogisticRegression, char_wb 2–5": {"pipeline": logistic_char_2_5, "data": "all",
                                                 "note": "char n-grams 2–5, min_df 1"},
        "md, TfidfIntentClassifier": {
            "pipeline": _replace(md, "DIETClassifier", [{"name": "components.tfidf_intent_classifier.TfidfIntentClassifier"}]),
            "data": "all",
            "note": "the classifier as it is now (components/tfidf_intent_classifier.py, its defaults); docs/measurements-nlu.md's row "
                    "names the version it measured"},
        "md, scaled LogisticRegression C=10, char_wb 2–5": {
            "pipeline": _replace(char_2_5, "DIETClassifier", [scaled[0]]), "data": "all",
            "note": "log-damped, unit-length features (components/intent_classifier.py)"},
        "md, scaled LogisticRegression C=30, char_wb 2–5": {
            "pipeline": _replace(char_2_5, "DIETClassifier", [scaled[1]]), "data": "all",
            "note": "the same, C=30"},
    }


FALLBACK = "nlu_fallback"
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
AMBIGUITIES = (0.0, 0.05, 0.1)


def decide(rankings: list, threshold: float, ambiguity: float) -> list[str]:
    """Rasa's FallbackClassifier rule on a ranking: too low, or too close to the second, is a fallback."""
    out = []
    for ranking in rankings:
        first = ranking[0][1] if ranking else 0.0
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        out.append(FALLBACK if not ranking or first < threshold or first - second < ambiguity else ranking[0][0])
    return out


def training_files(which: str) -> list[Path]:
    files = sorted((ROOT / "data" / "nlu").glob("*.yml"))
    return [f for f in files if which == "all" or f.name in ORIGINAL_FILES]


def collect(spec: dict, folds: int) -> dict:
    """Runs in a child process: the real intents' rankings of k-fold CV (``cv_truth``,
    ``cv_rankings``) and of a model trained on all of the data on the held-out file
    (``held_truth``, ``held_rankings``), the full training time, the parse time per held-out
    message and the training examples. ``spec``: {pipeline, data}. No fallback decided here."""
    import asyncio
    import logging

    import yaml

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["pipeline"] = spec["pipeline"]
    data = TrainingData().merge(*[load_data(str(f)) for f in training_files(spec["data"])])
    messages = data.intent_examples
    texts, intents = [m.get("text") for m in messages], [m.get("intent") for m in messages]
    held = load_data(str(HELD_OUT)).intent_examples
    held_texts, held_intents = [m.get("text") for m in held], [m.get("intent") for m in held]

    async def parse_all(agent, batch):
        """The real intents' ranking of each text (the fallback is decided by the caller, by threshold)."""
        out = []
        for text in batch:
            parsed = await agent.parse_message(text)
            out.append([(r["name"], r["confidence"]) for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK])
        return out

    def train(workdir: Path, examples) -> tuple[str, float]:
        (workdir / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
        (workdir / "nlu.yml").write_text(TrainingData(training_examples=examples,
                                                       regex_features=data.regex_features).nlu_as_yaml())
        started = time.perf_counter()
        model = train_nlu(str(workdir / "config.yml"), str(workdir / "nlu.yml"), str(workdir), fixed_model_name="m",
                          domain=str(ROOT / "domain.yml"))
        return model, time.perf_counter() - started

    cv_truth, cv_rankings = [], []
    if folds > 1:
        for train_idx, test_idx in StratifiedKFold(n_splits=folds, shuffle=True, random_state=42).split(texts, intents):
            with tempfile.TemporaryDirectory() as workdir:
                model, _ = train(Path(workdir), [messages[i] for i in train_idx])
                cv_rankings += asyncio.run(parse_all(Agent.load(model), [texts[i] for i in test_idx]))
                cv_truth += [intents[i] for i in test_idx]
    with tempfile.TemporaryDirectory() as workdir:
        model, seconds = train(Path(workdir), messages)
        agent = Agent.load(model)
        asyncio.run(parse_all(agent, held_texts[:20]))  # warm-up
        started = time.perf_counter()
        held_rankings = asyncio.run(parse_all(agent, held_texts))
        parse_ms = (time.perf_counter() - started) * 1000 / len(held_texts)
    return {"cv_truth": cv_truth, "cv_rankings": cv_rankings, "held_truth": held_intents,
            "held_rankings": held_rankings, "training_s": seconds, "parse_ms": parse_ms,
            "training_examples": len(messages)}


def run_variant(name: str, spec: dict, folds: int) -> dict:
    """Runs in a child process: CV, full training, held-out, timings, memory."""
    from evaluation.scoring import metrics

    raw = collect(spec, folds)
    cv_truth, cv_rankings, held_rankings = raw["cv_truth"], raw["cv_rankings"], raw["held_rankings"]
    # Fallback thresholds chosen on cross-validation only; the held-out file is scored with them.
    grid = [(t, a) for t in THRESHOLDS for a in AMBIGUITIES]
    chosen = max(grid, key=lambda ta: (metrics(cv_truth, decide(cv_rankings, *ta))["accuracy"], ta))
    cv = metrics(cv_truth, decide(cv_rankings, *chosen))
    held_out = metrics(raw["held_truth"], decide(held_rankings, *chosen))
    return {
        "threshold": chosen[0], "ambiguity_threshold": chosen[1],
        "name": name, "note": spec["note"], "data": spec["data"], "training_examples": raw["training_examples"],
        "cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
        "held_out_accuracy": held_out["accuracy"], "held_out_macro_f1": held_out["macro_f1"],
        "training_s": round(raw["training_s"], 1), "parse_ms": round(raw["parse_ms"], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> int:
    import yaml

    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--only", default="", help="variant names separated by ;")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    all_variants = variants(FIRST_PIPELINE)
    shipped = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    all_variants["shipped config.yml"] = {"pipeline": shipped, "data": "all", "note": "what `make run` serves"}
    if args.child:
        print(json.dumps(run_variant(args.child, all_variants[args.child], args.folds)))
        return 0
    chosen = [n for n in all_variants if not args.only or n in args.only.split(";")]
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "TF_INTRA_OP_PARALLELISM_THREADS": "1",
           "TF_INTER_OP_PARALLELISM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    for name in chosen:
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "evaluation.experiments.variants", "--folds", str(args.folds), "--child", name],
                               capture_output=True, text=True, env=env, cwd=ROOT)
        lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
        if child.returncode != 0 or not lines:
            print(f"{name}: failed\n{child.stderr[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(lines[-1]))
        print(f"{name}: done in {time.perf_counter() - started:.0f} s", flush=True)
        (OUT / "experiments.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\n| variant | data | fallback (CV) | {args.folds}-fold CV acc. | CV macro-F1 | held-out acc. | "
          "held-out macro-F1 | training s | parse ms | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['name']} | {r['training_examples']} ex. | {r['threshold']} / {r['ambiguity_threshold']} | "
              f"{r['cv_accuracy']:.3f} | {r['cv_macro_f1']:.3f} | "
              f"{r['held_out_accuracy']:.3f} | {r['held_out_macro_f1']:.3f} | {r['training_s']} | {r['parse_ms']} | "
              f"{r['peak_rss_mb']} |")
    if results:
        best = max(results, key=lambda r: (r["cv_macro_f1"], r["cv_accuracy"]))
        print(f"\nbest on cross-validation: {best['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
