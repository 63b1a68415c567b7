"""evaluation/: the one held-out path, the figures, the baseline, the fallback threshold, the
loading of a file of examples; and the scripts that use it stay thin entry points."""
import ast
from pathlib import Path

import pytest
import yaml

from evaluation import paths
from evaluation.scoring import (
    CONFUSABLE,
    FALLBACK,
    baseline_predict,
    fallback_threshold,
    load_examples,
    metrics,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_held_out_file_is_named_once_and_exists():
    assert paths.HELD_OUT == ROOT / "tests" / "heldout" / "nlu_heldout.yml" and paths.HELD_OUT.is_file()
    assert paths.HELD_OUT.parent == paths.HELDOUT_DIR and paths.NLU_DIR.is_dir()
    from console import training_data
    from retraining import model_store

    assert training_data.HELDOUT_DIR is paths.HELDOUT_DIR and model_store.HELD_OUT is paths.HELD_OUT


def test_metrics_count_accuracy_honesty_and_confusions():
    truth = ["faq_lost_new_password", "faq_lost_old_password", "out_of_scope", "faq_not_covered", "greet"]
    predicted = ["faq_lost_old_password", "faq_lost_old_password", FALLBACK, "faq_not_covered", "greet"]
    m = metrics(truth, predicted)
    assert m["items"] == 5 and m["accuracy"] == 0.6
    assert m["oos_rejection"] == 1.0  # a fallback on an out-of-scope message is a rejection
    assert m["false_fallback"] == 0.0
    assert m["oos_and_not_covered_handled"] == 0.5  # out of scope must get its own reply, not the fallback
    pair = f"{CONFUSABLE[0][0]} / {CONFUSABLE[0][1]}"
    assert m["confusable_pairs"][pair] == {"a_as_b": 1, "b_as_a": 0}
    assert m["per_intent"]["greet"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


def test_the_baseline_falls_back_below_the_threshold():
    texts = ["mot de passe perdu", "nouveau mot de passe", "bonjour", "salut", "au revoir", "bonne journée"]
    intents = ["password", "password", "greet", "greet", "goodbye", "goodbye"]
    predicted, confidences = baseline_predict(texts, intents, ["bonjour", "mot de passe"], 0.0)
    assert predicted == ["greet", "password"] and all(0 < c <= 1 for c in confidences)
    assert baseline_predict(texts, intents, ["bonjour"], 1.01)[0] == [FALLBACK]


def test_the_fallback_threshold_is_config_yml_s():
    config = yaml.safe_load(paths.CONFIG.read_text())
    assert fallback_threshold() == next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


def test_load_examples_reads_a_file_of_intent_examples(tmp_path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - bonjour\n    - salut\n', encoding="utf-8")
    texts, intents, messages = load_examples(nlu)
    assert texts == ["bonjour", "salut"] and intents == ["greet", "greet"] and len(messages) == 2


@pytest.mark.parametrize("name", ["evaluate", "nlu_gate", "nlu_sealed_gate"])
def test_the_gate_scripts_are_entry_points(name):
    """Only main() (and a table row printer) in them: the scoring lives in evaluation/."""
    tree = ast.parse((ROOT / "scripts" / f"{name}.py").read_text(encoding="utf-8"))
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    assert functions <= {"main", "row"}, functions


def test_one_fold_is_no_cross_validation():
    from evaluation.scoring import cross_validate

    assert cross_validate(["bonjour"], ["greet"], [None], 1, 0.2) == ([], [], [])
