import datetime as dt
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FAQ_PATH = ROOT.parent / "shared" / "seed" / "faq-bma-migration-smail2.md"


@pytest.fixture
def faq_text() -> str:
    if not FAQ_PATH.exists():
        pytest.skip("the official FAQ (../shared/seed) is not beside this clone")
    return FAQ_PATH.read_text(encoding="utf-8")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'registry.sqlite3'}"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
