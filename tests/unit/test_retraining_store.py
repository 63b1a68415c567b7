"""retraining.model_store: the kept model, the pruning, where a model Rasa names lives, the figures
kept by file content and by held-out file."""
from pathlib import Path

from retraining import jobs, model_store


def test_the_replaced_model_is_kept_and_only_active_and_previous_stay(retraining_settings, tmp_path):
    settings = retraining_settings
    outside = tmp_path / "bma-abc.tar.gz"
    outside.write_bytes(b"model A")
    kept = model_store.keep(settings, outside)
    assert kept == settings.console_models / "bma-abc.tar.gz" and kept.read_bytes() == b"model A"
    candidate = settings.console_models / "bma-console-1.tar.gz"
    candidate.write_bytes(b"model B")
    stale = settings.console_models / "bma-console-0.tar.gz"
    stale.write_bytes(b"model 0")
    jobs.switch_models(settings.db_url, candidate, kept, "agent.a")
    model_store.prune(settings)
    assert sorted(p.name for p in settings.console_models.glob("*.tar.gz")) == ["bma-abc.tar.gz", "bma-console-1.tar.gz"]
    assert model_store.locate(settings, "bma-console-1.tar.gz") == candidate
    assert model_store.locate(settings, "inconnu.tar.gz") is None


def test_figures_are_kept_by_file_content(retraining_settings, tmp_path):
    settings = retraining_settings
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"same bytes")
    assert model_store.figures_of(settings, model) is None
    model_store.store_figures(settings, model, {"items": 498, "accuracy": 0.9, "macro_f1": 0.91, "honest": 0.82})
    copy = Path(model_store.keep(settings, model))
    assert model_store.figures_of(settings, copy).accuracy == 0.9  # same content, other place
    assert model_store.figures_by_digest(settings, model_store.file_digest(copy)).items == 498
    model.write_bytes(b"other bytes")
    assert model_store.figures_of(settings, model) is None


def test_figures_are_measured_on_the_one_held_out_file(retraining_settings, tmp_path):
    from evaluation.paths import HELD_OUT

    assert model_store.heldout_digest() == model_store.file_digest(HELD_OUT)
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"bytes")
    row = model_store.store_figures(retraining_settings, model, {"items": 1, "accuracy": 1.0, "macro_f1": 1.0,
                                                                 "honest": None})
    assert row.heldout_digest == model_store.file_digest(HELD_OUT)
