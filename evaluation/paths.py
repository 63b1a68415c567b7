"""The evaluation files, defined once (the console, retraining/ and the scripts read them here)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The development set: written by a helper who never saw data/, kept apart from the training data
# (tests/unit/test_heldout.py); never used for training.
HELDOUT_DIR = ROOT / "tests" / "heldout"
HELD_OUT = HELDOUT_DIR / "nlu_heldout.yml"
# The sealed set: read by the sealed gate only, which prints totals (issue #24).
SEALED = ROOT / "tests" / "corpora" / "sealed" / "nlu_sealed.yml"
NLU_DIR = ROOT / "data" / "nlu"
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
