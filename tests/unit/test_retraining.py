"""console/retraining.py without a server: the one-at-a-time lock, the restart recovery, the
progress estimate, the training data paths and the kept models (the real loop, with Rasa and real
trainings, is tests/integration/test_retraining.py)."""
import datetime as dt
from pathlib import Path

import pytest

from console import retraining
from console.config import settings as console_settings
from console.db import dispose


@pytest.fixture
def settings(tmp_path):
    config = console_settings({"BMA_DB_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                               "BMA_NLU_DIR": str(tmp_path / "data" / "nlu")})
    yield retraining.Settings.from_env(config, {"BMA_DATA_DIR": str(tmp_path / "data"),
                                                "BMA_MODELS_DIR": str(tmp_path / "models"),
                                                "BMA_API_TOKEN": "jeton", "RASA_PORT": "5999"})
    dispose()
    retraining._tables_ready.clear()


def test_one_operation_at_a_time_and_the_lock_is_released(settings):
    url = settings.db_url
    first = retraining.start_job(url, "train", "agent.a")
    assert first is not None
    assert retraining.start_job(url, "rollback", "agent.b") is None  # refused while the first runs
    assert retraining.running_job(url).id == first
    retraining.finish_job(url, first, "refused", "Candidat refusé…", "candidat refusé")
    assert retraining.running_job(url) is None
    second = retraining.start_job(url, "measure", "agent.b")
    assert second is not None and second != first
    jobs = retraining.recent_jobs(url)
    assert [j.kind for j in jobs] == ["measure", "train"] and jobs[1].status == "refused"
    from console import audit
    assert [e.action for e in audit.recent(url)] == ["mesure demandée", "candidat refusé", "réentraînement demandé"]


def test_a_job_left_running_by_a_restart_is_interrupted(settings):
    url = settings.db_url
    job = retraining.start_job(url, "train", "agent.a")
    assert retraining.interrupt_leftovers(url) == 1
    assert retraining.running_job(url) is None
    (row,) = retraining.recent_jobs(url)
    assert row.id == job and row.status == "interrupted" and "Interrompu" in row.message
    assert retraining.start_job(url, "train", "agent.a") is not None


def test_progress_by_stage():
    now = dt.datetime(2024, 11, 15, 12, 0, 0)
    job = retraining.RetrainingJob(kind="train", stage="training", started_at=now, stage_started_at=now,
                                   stage_expected_seconds=40)
    assert retraining.progress(job, now) == 0
    assert retraining.progress(job, now + dt.timedelta(seconds=20)) == 30
    assert retraining.progress(job, now + dt.timedelta(seconds=400)) == 57  # never « done » before it is
    job.stage = "evaluating"
    assert retraining.progress(job, now) == 60
    job.stage = "activating"
    assert retraining.progress(job, now + dt.timedelta(seconds=1000)) == 99
    rollback = retraining.RetrainingJob(kind="rollback", stage="activating", started_at=now, stage_started_at=now,
                                        stage_expected_seconds=10)
    assert retraining.progress(rollback, now + dt.timedelta(seconds=5)) == 50


def test_settings_and_training_data_paths(settings, tmp_path):
    assert settings.rasa_url == "http://127.0.0.1:5999" and settings.console_models == tmp_path / "models" / "console"
    assert retraining.training_data_paths(settings) == [tmp_path / "data"]  # nlu/ is inside data/
    elsewhere = retraining.Settings(**{**settings.__dict__, "nlu_dir": tmp_path / "labelled"})
    assert retraining.training_data_paths(elsewhere) == [tmp_path / "data", tmp_path / "labelled"]


def test_the_replaced_model_is_kept_and_only_active_and_previous_stay(settings, tmp_path):
    outside = tmp_path / "bma-abc.tar.gz"
    outside.write_bytes(b"model A")
    kept = retraining.keep(settings, outside)
    assert kept == settings.console_models / "bma-abc.tar.gz" and kept.read_bytes() == b"model A"
    candidate = settings.console_models / "bma-console-1.tar.gz"
    candidate.write_bytes(b"model B")
    stale = settings.console_models / "bma-console-0.tar.gz"
    stale.write_bytes(b"model 0")
    retraining.switch_models(settings.db_url, candidate, kept, "agent.a")
    retraining.prune(settings)
    assert sorted(p.name for p in settings.console_models.glob("*.tar.gz")) == ["bma-abc.tar.gz", "bma-console-1.tar.gz"]
    assert retraining.locate(settings, "bma-console-1.tar.gz") == candidate
    assert retraining.locate(settings, "inconnu.tar.gz") is None


def test_rasa_errors_are_french_and_never_show_the_token(settings):
    down = retraining.Settings(**{**settings.__dict__, "rasa_url": "http://127.0.0.1:9"})
    with pytest.raises(retraining.RetrainingError) as error:
        retraining.rasa_status(down)
    assert "Le serveur Rasa ne répond pas" in str(error.value) and "jeton" not in str(error.value)
    no_token = retraining.Settings(**{**settings.__dict__, "api_token": ""})
    with pytest.raises(retraining.RetrainingError, match="BMA_API_TOKEN"):
        retraining.rasa_status(no_token)


def test_figures_are_kept_by_file_content(settings, tmp_path):
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"same bytes")
    assert retraining.figures_of(settings, model) is None
    retraining.store_figures(settings, model, {"items": 498, "accuracy": 0.9, "macro_f1": 0.91, "honest": 0.82})
    copy = Path(retraining.keep(settings, model))
    assert retraining.figures_of(settings, copy).accuracy == 0.9  # same content, other place
    model.write_bytes(b"other bytes")
    assert retraining.figures_of(settings, model) is None
