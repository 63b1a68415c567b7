"""Fixtures of the unit tests of retraining/ (tests/unit/test_retraining_*.py)."""
import pytest

from console.config import settings as console_settings
from console.db import dispose


@pytest.fixture
def retraining_settings(tmp_path):
    """retraining's settings on a temporary SQLite database, data and models folders."""
    from retraining.settings import RetrainingConfig

    config = console_settings({"BMA_DB_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                               "BMA_NLU_DIR": str(tmp_path / "data" / "nlu")})
    yield RetrainingConfig.from_env(config, {"BMA_DATA_DIR": str(tmp_path / "data"), "BMA_MODELS_DIR": str(tmp_path / "models"),
                                     "BMA_API_TOKEN": "jeton", "RASA_PORT": "5999"})
    dispose()
