"""`make remask` on Rasa's own SQL tracker store, on SQLite and on the machine's PostgreSQL: a
conversation stored in clear by an older version is re-masked in place, idempotently, and Rasa
still reads it back."""
import os
import subprocess
import sys

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bma import remask
from bma.secrets import MASK
from harness.servers import ROOT
from tests.conftest import postgres_database

SECRETS = ["Hiver!2023", "ecole5678", "Nouv!2024x", "soleil"]
MESSAGES = [
    "ancien mdp: ecole5678 / nouveau: Nouv!2024x",
    "login ec000002@adm.cfwb.be mdp Hiver!2023",
    "mdp : soleil",
    "j'ai perdu le nouveau mot de passe",  # nothing to mask
]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "tracker.sqlite3"
        yield SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path)), f"sqlite:///{path}"
        return
    request.getfixturevalue("postgres_admin_url")
    with postgres_database("bma_remask") as url:
        tracker_store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432,
                                        username="postgres", db=url.rsplit("/", 1)[1])
        yield tracker_store, url
        tracker_store.engine.dispose()


def _save_old_conversation(tracker_store) -> None:
    tracker = DialogueStateTracker("old-conversation", [])
    for message in MESSAGES:
        tracker.update(UserUttered(message, {"name": "faq_lost_new_password", "confidence": 0.9},
                                   parse_data={"text": message, "intent": {"name": "faq_lost_new_password"}}))
        tracker.update(BotUttered("Réponse"))
    tracker.update(SlotSet("ticket_description", "mon mdp Hiver!2023 est refusé"))
    link = "[Envoyer](mailto:support@etnic.be?subject=BMA&body=mdp%20%3A%20Hiver%212023%20refus%C3%A9)"
    tracker.update(BotUttered(f"Votre demande est prête. {link}"))
    import asyncio
    asyncio.run(tracker_store.save(tracker))


def _stored(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [row[0] for row in conn.execute(text("SELECT data FROM events"))]
    engine.dispose()
    return "\n".join(rows)


def test_remask_in_place_is_idempotent_and_rasa_still_reads(store):
    tracker_store, url = store
    _save_old_conversation(tracker_store)
    assert all(s in _stored(url) for s in SECRETS)
    first = remask.remask_tracker(url)
    second = remask.remask_tracker(url)
    assert first.rows_changed == 5  # three user messages, the slot, the prepared link
    assert second.rows_changed == 0 and second.rows_read == first.rows_read
    content = _stored(url)
    assert not [s for s in SECRETS if s in content] and "Hiver%212023" not in content
    import asyncio
    tracker = asyncio.run(tracker_store.retrieve("old-conversation"))
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert texts[1] == f"login ec000002@adm.cfwb.be mdp {MASK}" and texts[3] == MESSAGES[3]


def test_remask_command_prints_counts_and_dry_run_changes_nothing(tmp_path):
    tracker_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.sqlite3"))
    _save_old_conversation(tracker_store)
    url = f"sqlite:///{tmp_path / 't.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BMA_DB_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}"}
    dry = subprocess.run([sys.executable, "-m", "bma.remask", "--tracker-url", url, "--dry-run"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0 and "5 à modifier" in dry.stdout and "Hiver!2023" in _stored(url)
    run = subprocess.run([sys.executable, "-m", "bma.remask", "--tracker-url", url],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "5 modifiés" in run.stdout and "Hiver!2023" not in _stored(url)


def test_the_tracker_store_is_read_from_each_endpoints_file(tmp_path):
    """`make remask` finds the store `make run` and deploy/ configure (our store classes included),
    never silently the default file instead."""
    from pathlib import Path

    from bma.remask import tracker_url_from_endpoints

    root = Path(__file__).resolve().parents[2]
    assert tracker_url_from_endpoints(str(root / "endpoints.yml")) == "sqlite:///var/tracker.sqlite3"
    assert tracker_url_from_endpoints(str(root / "deploy/endpoints.local-cluster.yml")) == \
        "postgresql://postgres@127.0.0.1:5432/bma_tracker"
    other = tmp_path / "endpoints.yml"
    other.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: /srv/bma/tracker.sqlite3\n")
    assert tracker_url_from_endpoints(str(other)) == "sqlite:////srv/bma/tracker.sqlite3"
