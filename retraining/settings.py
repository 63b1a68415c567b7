"""The settings of retraining/ (paths, Rasa's URL and API token), its constants and its French error."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import settings as bma_settings
from evaluation.paths import ROOT as PROJECT_ROOT

CONSOLE_SUBDIR = "console"  # candidates live apart from models/bma-*.tar.gz, which `make train` prunes
RESULT_PREFIX = "BMA-FIGURES "
TRAIN_TIMEOUT_SECONDS = 1800
EVALUATE_TIMEOUT_SECONDS = 900
ACTIVATE_TIMEOUT_SECONDS = 300
DEFAULT_TRAIN_SECONDS = 45.0
EVALUATE_SECONDS = 25.0  # per model, spaCy and TensorFlow loading included
ACTIVATE_SECONDS = 15.0

# (stage, French name, share of the progress bar) by kind of job.
STAGES = {
    "train": [("training", "entraînement", 60), ("evaluating", "évaluation", 30), ("activating", "activation", 10)],
    "measure": [("evaluating", "évaluation", 100)],
    "rollback": [("activating", "activation", 100)],
}
KINDS_FR = {"train": "réentraînement", "measure": "mesure du modèle actif", "rollback": "retour au modèle précédent"}
REQUEST_AUDIT = {"train": "réentraînement demandé", "measure": "mesure demandée",
                 "rollback": "retour demandé"}
STATUS_FR = {"running": "en cours", "activated": "activé", "refused": "refusé", "failed": "échec",
             "interrupted": "interrompu", "measured": "mesuré", "rolled_back": "modèle précédent rétabli"}


class RetrainingError(Exception):
    """A French message for the staff member."""


@dataclass(frozen=True)
class RetrainingConfig:
    db_url: str
    nlu_dir: Path
    data_dir: Path
    models_dir: Path
    rasa_url: str
    api_token: str
    timezone: str

    @property
    def console_models(self) -> Path:
        return self.models_dir / CONSOLE_SUBDIR

    @classmethod
    def from_env(cls, config, environ: dict | None = None) -> RetrainingConfig:
        env = environ if environ is not None else os.environ
        return cls(
            db_url=config.db_url,
            nlu_dir=Path(config.nlu_dir).resolve(),
            data_dir=bma_settings.get("BMA_DATA_DIR", env).resolve(),
            models_dir=bma_settings.get("BMA_MODELS_DIR", env).resolve(),
            rasa_url=(bma_settings.raw("BMA_RASA_URL", env)
                      or f"http://127.0.0.1:{env.get('RASA_PORT', '').strip() or '5005'}").rstrip("/"),
            api_token=bma_settings.get("BMA_API_TOKEN", env),
            timezone=config.timezone,
        )


def training_data_paths(settings: RetrainingConfig) -> list[Path]:
    """BMA_DATA_DIR, plus BMA_NLU_DIR (where the inbox writes) when it lies outside it."""
    paths = [settings.data_dir]
    if settings.data_dir not in settings.nlu_dir.parents and settings.nlu_dir != settings.data_dir:
        paths.append(settings.nlu_dir)
    return paths


def shown(path: Path) -> str:
    """A path as staff read it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


NO_TOKEN = ("La console n'a pas reçu le jeton de l'API HTTP de Rasa (BMA_API_TOKEN) : démarrez l'assistant avec "
            "make run, qui le transmet à Rasa et à la console, ou donnez à la console le même BMA_API_TOKEN qu'au "
            "serveur Rasa.")


def fr_pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"
