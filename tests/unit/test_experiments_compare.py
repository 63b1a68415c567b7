"""The pure helpers of evaluation/experiments/compare.py: merged answers, confident wrong answers, the issue's rule."""
import pytest

from evaluation.experiments.compare import (
    CLASSIFIER,
    accuracy,
    confident_wrong,
    fallback_decide,
    served,
    simplest_within,
    swap_classifier,
)


def test_served_merges_the_two_answers_listing_the_four_emails():
    assert served("faq_how_to_migrate") == served("faq_migration_steps")
    assert served("faq_lost_new_password") != served("faq_lost_old_password")


def test_accuracy_strict_and_served():
    truth = ["faq_how_to_migrate", "greet", "faq_migration_steps", "out_of_scope"]
    predicted = ["faq_migration_steps", "greet", "faq_migration_steps", "nlu_fallback"]
    assert accuracy(truth, predicted) == 0.5
    assert accuracy(truth, predicted, merge=True) == 0.75


def test_confident_wrong_counts_only_another_faq_topic_at_or_above_the_threshold():
    truth = ["faq_bma_definition", "faq_bma_definition", "greet", "faq_how_to_migrate", "out_of_scope",
             "faq_bma_definition", "faq_what_changes"]
    predicted = ["faq_migration_reason",  # confidently wrong topic
                 "faq_migration_reason",  # wrong topic, but below the threshold
                 "faq_bma_definition",  # wrong topic for a greeting, at the threshold
                 "faq_migration_steps",  # the merged answer: served right
                 "faq_not_covered",  # the honest « the FAQ does not say »
                 "nlu_fallback", "greet"]  # no topic answered
    confidences = [0.9, 0.1, 0.2, 0.9, 0.9, 0.1, 0.9]
    assert confident_wrong(truth, predicted, confidences, 0.2) == pytest.approx(2 / 7)


def test_fallback_decide_reads_the_best_confidence():
    rankings = [[("greet", 0.9), ("thanks", 0.1)], [("greet", 0.15), ("thanks", 0.1)], []]
    intents, confidences = fallback_decide(rankings, 0.2)
    assert intents == ["greet", "nlu_fallback", "nlu_fallback"]
    assert confidences == [0.9, 0.15, 0.0]


def test_simplest_within_the_tolerance_of_the_best_on_every_key():
    results = [{"key": "custom", "simplicity": 2, "dev_accuracy": 0.95, "cv_accuracy": 0.93},
               {"key": "linear", "simplicity": 0, "dev_accuracy": 0.945, "cv_accuracy": 0.90},
               {"key": "neural", "simplicity": 1, "dev_accuracy": 0.94, "cv_accuracy": 0.925}]
    assert simplest_within(results)["key"] == "neural"  # linear is 0.03 behind on CV
    results[1]["cv_accuracy"] = 0.92  # exactly 0.01 behind: eligible
    assert simplest_within(results)["key"] == "linear"
    assert simplest_within(results, tolerance=0.0)["key"] == "custom"


def test_swap_classifier_keeps_the_rest_of_the_pipeline():
    pipeline = [{"name": "SpacyTokenizer"}, {"name": CLASSIFIER, "C": 1.0}, {"name": "FallbackClassifier"}]
    swapped = swap_classifier(pipeline, [{"name": "CountVectorsFeaturizer"}, {"name": "DIETClassifier"}])
    assert [c["name"] for c in swapped] == ["SpacyTokenizer", "CountVectorsFeaturizer", "DIETClassifier",
                                            "FallbackClassifier"]
    assert pipeline[1] == {"name": CLASSIFIER, "C": 1.0}
    with pytest.raises(ValueError):
        swap_classifier([{"name": "SpacyTokenizer"}], [])


def test_conclusion_names_what_ships():
    from evaluation.experiments.compare import conclusion

    results = [{"key": "a", "label": "(a)", "dev_accuracy": 0.95, "cv_accuracy": 0.93},
               {"key": "b", "label": "(b)", "dev_accuracy": 0.90, "cv_accuracy": 0.86}]
    assert "config.yml stays" in conclusion(results, results[0])
    assert "(b): +0.050 / +0.070" in conclusion(results, results[0])
    assert "ship (b)" in conclusion(results, results[1])
