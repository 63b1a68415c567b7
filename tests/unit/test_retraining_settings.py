"""retraining.settings and retraining.rasa_http: the paths, Rasa's URL, the French errors that never
show the token; `python -m retraining` refuses anything but « evaluer MODEL »."""
import subprocess
import sys

import pytest

from evaluation.paths import ROOT
from retraining import rasa_http
from retraining.settings import RetrainingConfig, RetrainingError, fr_pct, shown, training_data_paths


def test_settings_and_training_data_paths(retraining_settings, tmp_path):
    settings = retraining_settings
    assert settings.rasa_url == "http://127.0.0.1:5999" and settings.console_models == tmp_path / "models" / "console"
    assert training_data_paths(settings) == [tmp_path / "data"]  # nlu/ is inside data/
    elsewhere = RetrainingConfig(**{**settings.__dict__, "nlu_dir": tmp_path / "labelled"})
    assert training_data_paths(elsewhere) == [tmp_path / "data", tmp_path / "labelled"]


def test_paths_and_figures_as_staff_read_them(tmp_path):
    assert shown(ROOT / "data" / "nlu") == "data/nlu" and shown(tmp_path) == str(tmp_path)
    assert fr_pct(0.125) == "12,5\u00a0%" and fr_pct(None) == "—"


def test_rasa_errors_are_french_and_never_show_the_token(retraining_settings):
    down = RetrainingConfig(**{**retraining_settings.__dict__, "rasa_url": "http://127.0.0.1:9"})
    with pytest.raises(RetrainingError) as error:
        rasa_http.rasa_status(down)
    assert "Le serveur Rasa ne répond pas" in str(error.value) and "jeton" not in str(error.value)
    no_token = RetrainingConfig(**{**retraining_settings.__dict__, "api_token": ""})
    with pytest.raises(RetrainingError, match="BMA_API_TOKEN"):
        rasa_http.rasa_status(no_token)


def test_the_evaluation_command_refuses_other_arguments():
    done = subprocess.run([sys.executable, "-m", "retraining", "mesurer"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "usage: python -m retraining evaluer MODEL.tar.gz" in done.stderr
