"""A retention for everything personal, on SQLite and on the machine's PostgreSQL: the tables are
filled with an old and a recent conversation (Rasa's own SQL tracker store, the event broker's rows
folded in by the console, a ticket, a vote, a question, journal entries), `python -m console.retention`
runs as staff run it, and every table is read back: what is past its retention is gone or erased,
the rest is as it was; the privacy report counts the old rows before (> 0) and after (0)."""
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, insert, text, update

from analytics import ingest, privacy
from analytics.db import events_engine, utcnow
from bma import registry
from bma.registry.store import TicketRow
from console import synthetic
from console.config import settings
from console.db import AuditEntry, console_engine, dispose
from feedback.store import Feedback
from feedback.store import save as save_vote
from feedback.votes import Vote
from harness.servers import ROOT
from retraining import models as retraining
from tests.conftest import PG_ADMIN_URL

DAY = 86400
OLD_TEXT, NEW_TEXT = "mon école est fermée depuis lundi", "quand la boîte sera-t-elle migrée"
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
RUN_ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path):
    """(console + broker URL, broker URL, tracker store, tracker URL): the console's tables and Rasa's
    broker in one database (as deploy/ may), Rasa's tracker store in another (both name a table
    « events »)."""
    if request.param == "sqlite":
        main, tracker_path = f"sqlite:///{tmp_path / 'console.sqlite3'}", tmp_path / "tracker.sqlite3"
        events = f"sqlite:///{tmp_path / 'events.sqlite3'}"
        yield main, events, SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_path)), f"sqlite:///{tracker_path}"
        dispose()
        privacy.dispose()
        return
    request.getfixturevalue("postgres_admin_url")
    names = [f"bma_privacy_{uuid.uuid4().hex[:8]}", f"bma_privacy_tracker_{uuid.uuid4().hex[:8]}"]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    main = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{names[0]}"
    store = SQLTrackerStore(DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432, username="postgres",
                            db=names[1])
    try:
        yield main, main, store, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{names[1]}"
    finally:
        store.engine.dispose()
        dispose()
        privacy.dispose()
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def save_conversation(store, sender: str, start: float, user_text: str) -> None:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered(user_text, {"name": "nlu_fallback", "confidence": 0.3}, timestamp=start,
                               parse_data={"text": user_text, "intent": {"name": "nlu_fallback"}}))
    tracker.update(SlotSet("ticket_last_name", "Dupont", timestamp=start + 1))
    tracker.update(BotUttered("Je n'ai pas compris.", timestamp=start + 2))
    asyncio.run(store.save(tracker))


def broker_traffic(sender: str, start: float, user_text: str) -> list[dict]:
    s = synthetic
    return (s.session_start(sender, start)
            + s.turn(sender, start + 1, user_text, "nlu_fallback", 0.3, "action_default_fallback", "Je n'ai pas compris.")
            + s.turn(sender, start + 2, "où en est po000777@adm.cfwb.be", "check_migration_status", 0.93,
                     "action_answer_faq", "Votre boîte…")
            + [s.slot(sender, start + 2, "bma_address", "po000777@adm.cfwb.be")])


def rows(url: str, sql: str) -> list[tuple]:
    with console_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def old_counts(config, tracker_url: str) -> dict[str, int | None]:
    return {line.kept.key: line.old for line in privacy.report(config, privacy.cutoffs(), tracker_url)}


def test_every_retention_on_real_tables(databases):
    main, events, store, tracker_url = databases
    now = time.time()
    old, recent = now - 40 * DAY, now - 3600
    config = settings({"BMA_DB_URL": main, "BMA_EVENTS_DB_URL": events})
    # Rasa's tracker store, written by Rasa's own code; the broker's rows, folded in by the console.
    save_conversation(store, "conv-old", old, OLD_TEXT)
    save_conversation(store, "conv-new", recent, NEW_TEXT)
    synthetic.write(events_engine(events), broker_traffic("conv-old", old, OLD_TEXT)
                    + broker_traffic("conv-new", recent, NEW_TEXT))
    assert ingest.catch_up(config)["events"] > 0
    # The registry's tickets, a vote, the journal, a model operation.
    ticket_ids = [registry.record_ticket(route=route, address="ec000001@adm.cfwb.be", last_name="Dupont",
                                         first_name="Anne", description=f"Demande {route}", conversation_id="conv-old",
                                         url=main) for route in ("sgne", "etnic")]
    save_vote(main, Vote("conv-old", "0000abcd", 1, "down", "unclear"))
    save_vote(main, Vote("conv-new", "0000abcd", 1, "up", None))
    retraining.engine(main)
    engine = console_engine(main)
    jobs, state = retraining.RetrainingJob.__table__, retraining.RetrainingState.__table__
    with engine.begin() as conn:
        long_ago = utcnow() - dt.timedelta(days=400)
        conn.execute(update(TicketRow.__table__).where(TicketRow.id == ticket_ids[0])
                     .values(created_at=utcnow() - dt.timedelta(days=100)))
        conn.execute(update(Feedback.__table__).where(Feedback.conversation_id == "conv-old")
                     .values(created_at=utcnow() - dt.timedelta(days=40)))
        conn.execute(insert(AuditEntry.__table__), [
            {"at": long_ago, "login": "agent.parti", "action": "export", "detail": "tableau de bord CSV"},
            {"at": utcnow(), "login": "agent.etnic", "action": "hors sujet",
             "detail": "2 message(s), groupe « outlook plante depuis hier » → out_of_scope"}])
        conn.execute(insert(jobs), [
            {"kind": "measure", "status": "measured", "requested_by": "agent.parti", "started_at": long_ago},
            {"kind": "measure", "status": "measured", "requested_by": "agent.etnic", "started_at": utcnow()}])
        conn.execute(insert(state).values(id=1, changed_at=long_ago, changed_by="agent.parti"))

    before = old_counts(config, tracker_url)
    for key in ("tracker_events", "broker_events", "messages", "conversations", "tags", "inbox",
                "conversation_states", "feedback", "tickets", "audit", "retraining_jobs", "retraining_state"):
        assert before[key], (key, before)
    assert before["tickets"] == 1 and before["feedback"] == 1 and before["tracker_events"] == 3
    assert rows(main, "SELECT count(*) FROM analytics_conversations WHERE address IS NOT NULL") == [(2,)]

    run = subprocess.run([sys.executable, "-m", "console.retention"], capture_output=True, text=True, cwd=ROOT,
                         timeout=180, env={**RUN_ENV, "BMA_DB_URL": main, "BMA_EVENTS_DB_URL": events,
                                           "BMA_TRACKER_URL": tracker_url})
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for line in ("événements du stockage des conversations de Rasa : 3", "tickets anonymisés (nom, adresse, demande "
                 "effacés) : 1", "états de conversation de l'agrégation (identifiant, adresse BMA) : 1",
                 "avis détachés de leur conversation : 1", "entrées du journal du personnel : 1",
                 "opérations sur les modèles : 1", "auteurs effacés du dernier changement de modèle : 1",
                 "entrées du journal dont un texte d'usager est effacé (première version de la boîte de réception) : 1",
                 "messages de la boîte de réception : 1"):
        assert line in out, (line, out)

    # Rasa's tracker store: the old conversation's events are gone, the recent one is whole.
    with store.engine.connect() as conn:
        kept = conn.execute(text("SELECT sender_id, timestamp, data FROM events")).all()
    assert {sender for sender, _, _ in kept} == {"conv-new"} and len(kept) == 3
    texts = [json.loads(d).get("text") for _, _, d in kept]
    assert NEW_TEXT in texts and OLD_TEXT not in texts
    reread = asyncio.run(store.retrieve("conv-new"))
    assert reread is not None and reread.latest_message.text == NEW_TEXT  # Rasa still reads it
    # The broker: no old text left (the last row may be emptied, never deleted).
    with events_engine(events).connect() as conn:
        texts = [json.loads(d).get("text") for (d,) in conn.execute(text("SELECT data FROM events"))]
    assert NEW_TEXT in texts and OLD_TEXT not in texts
    # The console's tables: the old conversation's transcript, inbox text, state are gone.
    assert rows(main, "SELECT conversation_id FROM transcript_conversations") == [("conv-new",)]
    assert rows(main, "SELECT conversation_id, address FROM analytics_conversations") == [("conv-new", "po000777@adm.cfwb.be")]
    assert [t for (t,) in rows(main, "SELECT text FROM inbox_messages")] == [NEW_TEXT]
    # The vote stays, without its conversation; the recent one keeps it.
    votes = rows(main, "SELECT id, conversation_id, rating, status FROM feedback ORDER BY id")
    assert votes[0][1:] == (f"efface-{votes[0][0]}", "down", "unresolved") and votes[1][1:3] == ("conv-new", "up")
    # The old ticket: number, date, desk and status stay, nothing personal; the recent one is whole.
    tickets = rows(main, "SELECT id, route, status, address, last_name, first_name, description, conversation_id "
                         "FROM tickets ORDER BY id")
    assert tickets == [(ticket_ids[0], "sgne", "open", None, None, None, None, None),
                       (ticket_ids[1], "etnic", "open", "ec000001@adm.cfwb.be", "Dupont", "Anne", "Demande etnic",
                        "conv-old")]
    # The journal: a year-old entry gone, the inbox's old wording without the user's words.
    journal = rows(main, "SELECT login, action, detail FROM console_audit ORDER BY id")
    assert not [j for j in journal if j[0] == "agent.parti"]
    assert ("agent.etnic", "hors sujet", "2 message(s), groupe (texte effacé) → out_of_scope") in journal
    assert [j for j in journal if j[:2] == ("(commande)", "purge") and "tickets : plus de 90 jours : 1" in j[2]]
    assert rows(main, "SELECT requested_by FROM retraining_jobs") == [("agent.etnic",)]
    assert rows(main, "SELECT changed_by FROM retraining_state") == [(None,)]

    after = old_counts(config, tracker_url)
    assert {k: n for k, n in after.items() if n} == {}, after
    # Nothing more the second time.
    again = subprocess.run([sys.executable, "-m", "console.retention"], capture_output=True, text=True, cwd=ROOT,
                           timeout=180, env={**RUN_ENV, "BMA_DB_URL": main, "BMA_EVENTS_DB_URL": events,
                                             "BMA_TRACKER_URL": tracker_url})
    assert again.returncode == 0 and "tickets anonymisés (nom, adresse, demande effacés) : 0" in again.stdout
    assert "événements du stockage des conversations de Rasa : 0" in again.stdout


def test_the_report_as_staff_read_it(tmp_path):
    env = {**RUN_ENV, "BMA_DB_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}", "BMA_TRACKER_URL": f"sqlite:///{tmp_path / 't.sqlite3'}",
           "BMA_TICKET_RETENTION_DAYS": "60"}
    registry.record_ticket(route="sgne", address=None, last_name="Dupont", first_name="Anne", description="…",
                           conversation_id=None, url=env["BMA_DB_URL"])
    dispose()
    run = subprocess.run([sys.executable, "-m", "analytics.privacy"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("Données personnelles : où elles sont gardées, pourquoi, combien de temps")
    assert "tickets 60 jours (BMA_TICKET_RETENTION_DAYS)" in out
    assert "  tickets (address, last_name, first_name, description, conversation_id)\n" in out
    assert "gardé : 60 jours (BMA_TICKET_RETENTION_DAYS), puis nom, prénom" in out
    assert "— 0 ligne(s) au-delà de cette durée" in out
    for table in ("transcript_messages", "inbox_messages", "analytics_conversations", "feedback",
                  "console_audit", "console_staff", "mailboxes : registre des boîtes"):
        assert f"  {table}" in out, table
    assert "Stockage des conversations de Rasa (tracker store)" in out and "base absente (pas encore créée)" in out
    assert "Courtier d'événements de Rasa" in out and "data/nlu/inbox.yml" in out
    assert "ATTENTION" not in out
    bad = subprocess.run([sys.executable, "-m", "analytics.privacy"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, env={**env, "BMA_TICKET_RETENTION_DAYS": "jamais"})
    assert bad.returncode == 2 and "BMA_TICKET_RETENTION_DAYS doit être un nombre entier de jours" in bad.stderr
