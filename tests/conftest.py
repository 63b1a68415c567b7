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


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory):
    """Fake Bot Framework + action server + Rasa with the REST, socket.io and Teams channels."""
    from actions import registry
    from tests.botframework import APP_PASSWORD, start_stack

    workdir = tmp_path_factory.mktemp("stack")
    servers, fake_url, fake = None, None, None
    try:
        servers, fake_url, fake = start_stack(workdir)
        yield servers, fake_url
        assert APP_PASSWORD not in (workdir / "rasa.log").read_text()  # never logged
    finally:
        if servers:
            servers.stop()
        if fake:
            fake.terminate()
            fake.wait(10)
        registry.dispose_engines()
