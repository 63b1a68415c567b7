"""Rasa, TensorFlow and structlog at WARNING for the evaluation commands (call before loading a model)."""
from __future__ import annotations

import logging
import os


def quiet() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
