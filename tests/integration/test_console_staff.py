"""The console's tickets, conversation viewer, retention and Prometheus metrics, as they run:
`python -m console.app` on loopback with temporary SQLite databases (console tables + registry,
Rasa's event broker), driven over HTTP; `python -m console.retention` as staff run it; and the
web page's rate limit on POST /feedback (`python -m web.app`)."""
import contextlib
import datetime as dt
import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from analytics import ingest
from analytics.db import IngestCursor, events_engine, utcnow
from analytics.retention import purge_broker
from bma import registry
from console import retention, synthetic
from console.config import settings
from console.db import console_engine, dispose
from feedback.store import save as save_vote
from feedback.votes import Vote
from harness.servers import ROOT, free_port, wait_until_up
from tests.integration.test_console import (
    LOGIN,
    PASSWORD,
    REGISTRY_CSV,
    Console,
    create_account,
    csrf,
    known_traffic,
    sign_in,
    visible,
)

TOKEN = "jeton-des-metriques-de-test"
ZONE = ZoneInfo("Europe/Brussels")
LATENCIES = (0.05, 0.3, 2.0, 12.0)  # one answer in each of the buckets 0.1, 0.5, 2.5 and 30 s


def local_day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, ZONE).date().isoformat()


def traffic(now: float) -> list[dict]:
    """known_traffic (13 messages today, 1 sixty days ago) and: answers with known latencies, a
    password the channel would have missed, an answer given without the action server, 30 short
    conversations (two pages of results), and a conversation 45 days ago naming po000777."""
    s = synthetic
    events = known_traffic(now)
    t = now - 1800
    events += s.session_start("conv-lat", t)
    for i, latency in enumerate(LATENCIES):
        events += s.turn("conv-lat", t + 10 * i, "quelles sont les étapes", "faq_migration_steps", 0.97,
                         "action_answer_faq", s.answer_text("faq_migration_steps"), latency=latency)
    events += s.session_start("conv-secret", t)
    events += s.turn("conv-secret", t + 50, "mon mot de passe est Ecole2024! et ça ne marche pas", "faq_lost_new_password",
                     0.9, "action_answer_faq", s.answer_text("faq_lost_new_password"))
    fallback = s.bot("conv-secret", t + 51, "Réponse générale (sans le serveur d'actions).")
    fallback["metadata"]["bma_action_fallback"] = True
    events += [s.user("conv-secret", t + 51, "pourquoi ?", "faq_migration_reason", 0.9), fallback]
    for i in range(30):
        events += s.session_start(f"conv-many-{i}", t + 100 + i)
        events += s.turn(f"conv-many-{i}", t + 100 + i, "merci", "thanks", 0.99, "utter_thanks", "Avec plaisir !")
    old = now - 45 * 86400
    events += s.session_start("conv-45", old)
    events += s.turn("conv-45", old + 1, "où en est po000777@adm.cfwb.be", "check_migration_status", 0.93,
                     "action_answer_faq", "Votre boîte…",
                     decided=s.decision("check_migration_status", ("sgne",), "not_found", address_given=True)) + [s.slot("conv-45", old + 1, "bma_address", "po000777@adm.cfwb.be")]
    events += s.turn("conv-45", old + 2, "truc bizarre", "nlu_fallback", 0.3, "action_default_fallback", "Je n'ai pas compris.")
    return events


# Messages of traffic(): 13 + 1 (known_traffic) + 4 (latencies) + 2 (conv-secret) + 30 + 2 (conv-45).
MESSAGES = 52


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console-staff")
    env = {"BMA_DB_URL": f"sqlite:///{workdir / 'console.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{workdir / 'events.sqlite3'}",
           "BMA_NLU_DIR": str(workdir), "BMA_CONSOLE_INGEST_SECONDS": "3600", "BMA_METRICS_TOKEN": TOKEN,
           "BMA_RETENTION_DAYS": "30", "BMA_TRACKER_URL": f"sqlite:///{workdir / 'tracker.sqlite3'}"}
    now = time.time()
    synthetic.write(events_engine(env["BMA_EVENTS_DB_URL"]), traffic(now))
    assert registry.import_csv(REGISTRY_CSV.encode(), env["BMA_DB_URL"]).ok
    tickets = {route: registry.record_ticket(route=route, address="ec000001@adm.cfwb.be", last_name="Dupont",
                                             first_name="Anne", description=f"Demande pour {route}",
                                             conversation_id="conv-a" if route == "sgne" else "ailleurs",
                                             url=env["BMA_DB_URL"])
               for route in ("sgne", "etnic", "enseignement_be")}
    save_vote(env["BMA_DB_URL"], Vote("conv-lat", "00000001", 1, "up", None))
    save_vote(env["BMA_DB_URL"], Vote("conv-lat", "00000002", 1, "down", "unclear"))
    for _ in range(2):
        registry.record_channel_error("socketio", env["BMA_DB_URL"])
    # The daily purge already ran today: this console leaves it to the test (see test_retention…).
    with Session(console_engine(env["BMA_DB_URL"]), future=True) as db, db.begin():
        db.add(IngestCursor(name="retention", last_event_id=0, updated_at=utcnow()))
    dispose()
    assert create_account(env, LOGIN, PASSWORD).returncode == 0
    console = Console(workdir, env)
    try:
        client, reply = sign_in(console)
        assert reply.status_code == 303
        yield {"console": console, "client": client, "env": env, "workdir": workdir, "now": now, "tickets": tickets}
    finally:
        console.stop()
        dispose()


def audit_actions(desk) -> list[tuple[str, str, str]]:
    return sqlite3.connect(desk["workdir"] / "console.sqlite3").execute(
        "SELECT login, action, detail FROM console_audit ORDER BY id").fetchall()


# --- tickets ----------------------------------------------------------------------------------
def test_tickets_by_desk_with_a_status_staff_change(desk):
    url, client = desk["console"].url, desk["client"]
    page = client.get(url + "/tickets")
    text = visible(page.text)
    assert page.status_code == 200 and "Tickets ouverts, les plus récents d'abord (3)" in text
    assert "3 ticket(s) ouvert(s), 0 traité(s)" in text
    etnic = visible(client.get(url + "/tickets?service=etnic").text)
    assert "Demande pour etnic" in etnic and "Demande pour sgne" not in etnic and "Service Desk de l'ETNIC : 1 ticket" in etnic
    # The ticket of a conversation still kept links to its transcript.
    assert re.search(r'<a href="/conversations/\d+">Lire<span class="visually-hidden"> la conversation du ticket n°'
                     + str(desk["tickets"]["sgne"]), page.text)
    number = desk["tickets"]["etnic"]
    form = {"ticket": str(number), "statut": "done", "service": "etnic", "filtre": "ouverts", "page": "1"}
    # Without the session's CSRF token, or from another origin: refused, nothing changes.
    assert client.post(url + "/tickets", data=form).status_code == 403
    assert client.post(url + "/tickets", data={**form, "csrf_token": csrf(page.text)},
                       headers={"Origin": "http://127.0.0.1:8080"}).status_code == 403
    assert requests.post(url + "/tickets", data=form, allow_redirects=False).status_code == 401
    done = client.post(url + "/tickets", data={**form, "csrf_token": csrf(page.text)})
    assert done.status_code == 200
    assert re.search(r'role="status" class="status">\s*<p class="done">Le ticket n°\d+ est maintenant « traité ».', done.text)
    assert "Aucun ticket." in visible(done.text)  # the only ETNIC ticket is no longer open
    treated = visible(client.get(url + "/tickets?statut=traites").text)
    assert "Demande pour etnic" in treated and "Rouvrir le ticket n°" in treated and "Demande pour sgne" not in treated
    again = client.post(url + "/tickets", data={**form, "csrf_token": csrf(page.text)})
    assert "était déjà « traité »" in visible(again.text)
    reopened = client.post(url + "/tickets", data={**form, "statut": "open", "csrf_token": csrf(page.text)})
    assert "est maintenant « ouvert »" in visible(reopened.text)
    missing = client.post(url + "/tickets", data={**form, "ticket": "999999", "csrf_token": csrf(page.text)})
    assert missing.status_code == 409 and "Le ticket n°999999 n'existe pas." in visible(missing.text)
    assert client.get(url + "/tickets?service=nasa").status_code == 400
    assert "Service inconnu" in visible(client.get(url + "/tickets?service=nasa").text)
    assert (LOGIN, "ticket", f"n°{number} : ouvert → traité") in audit_actions(desk)
    assert (LOGIN, "ticket", f"n°{number} : traité → ouvert") in audit_actions(desk)
    assert sqlite3.connect(desk["workdir"] / "console.sqlite3").execute(
        "SELECT status FROM tickets WHERE id = ?", (number,)).fetchone() == ("open",)


def test_a_database_of_the_first_slice_keeps_working(tmp_path):
    """Tables created before this version (tickets without status, conversation states without
    topic, address, latency): the columns are added on first use, the rows are kept."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tickets (id INTEGER NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, "
                     "route VARCHAR(32) NOT NULL, address VARCHAR(64), last_name VARCHAR(100), first_name VARCHAR(100), "
                     "description TEXT, conversation_id VARCHAR(200))")
        conn.execute("INSERT INTO tickets (created_at, route, description) VALUES ('2024-11-15 10:00:00', 'sgne', 'x')")
        conn.execute("CREATE TABLE analytics_conversations (conversation_id VARCHAR(255) NOT NULL PRIMARY KEY, "
                     "first_day DATE, last_user_event_id INTEGER, last_intent VARCHAR(64), last_action VARCHAR(64), "
                     "clarified_event_id INTEGER)")
        conn.execute("INSERT INTO analytics_conversations (conversation_id, first_day) VALUES ('conv-a', '2024-11-15')")
    url = f"sqlite:///{path}"
    try:
        (ticket,) = registry.list_tickets(url)
        assert ticket.status == "open" and ticket.description == "x"
        config = settings({"BMA_DB_URL": url, "BMA_EVENTS_DB_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
        synthetic.write(events_engine(config.events_url), known_traffic(time.time()))
        assert ingest.catch_up(config)["events"] > 0
        from console import tickets
        assert "maintenant « traité »" in tickets.set_status(url, str(ticket.id), "done", "agent")
        columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(analytics_conversations)")}
        assert {"topic", "address", "pending_user_ts"} <= columns
        # conv-a was counted before: not a second time.
        assert sqlite3.connect(path).execute(
            "SELECT sum(count) FROM analytics_daily WHERE metric = 'conversations'").fetchone() == (6,)
    finally:
        dispose()


# --- conversations --------------------------------------------------------------------------------
def test_conversations_searchable_by_period_topic_and_address(desk):
    url, client = desk["console"].url, desk["client"]
    page = client.get(url + "/conversations")
    text = visible(page.text)
    # The last 30 days: conv-a…f, conv-lat, conv-secret and the 30 short ones; not conv-45 nor conv-old.
    assert page.status_code == 200 and "38 conversation(s) trouvée(s)" in text and "page 1 sur 2" in text
    assert 'rel="next"' in page.text and "Page suivante" in text
    second = visible(client.get(url + "/conversations?page=2").text)
    assert "Page précédente" in second and "page 2 sur 2" in second
    topic = visible(client.get(url + "/conversations?sujet=faq_lost_new_password").text)
    assert "3 conversation(s) trouvée(s)" in topic  # conv-a, conv-e, conv-secret
    assert "sujet « J'ai perdu le nouveau mot de passe »" in topic
    by_address = visible(client.get(url + "/conversations?adresse=EC000001@adm.cfwb.be").text)
    assert "1 conversation(s) trouvée(s)" in by_address and "ec000001@adm.cfwb.be" in by_address
    short = visible(client.get(url + "/conversations?adresse=ec000123").text)  # named in conv-f's text
    assert "1 conversation(s) trouvée(s)" in short
    both = visible(client.get(url + "/conversations?sujet=faq_migration_steps&adresse=ec000001").text)
    assert "0 conversation(s) trouvée(s)" in both and "Aucune conversation pour cette recherche." in both
    old = local_day(desk["now"] - 45 * 86400)
    period = visible(client.get(url + f"/conversations?du={old}&au={old}&adresse=po000777").text)
    assert "1 conversation(s) trouvée(s)" in period
    wrong = client.get(url + "/conversations?adresse=jean@example.org")
    assert wrong.status_code == 400 and "Adresse BMA attendue" in visible(wrong.text) and 'role="alert"' in wrong.text
    assert "AAAA-MM-JJ" in visible(client.get(url + "/conversations?du=hier").text)
    assert "Sujet inconnu" in visible(client.get(url + "/conversations?sujet=restart").text)


def test_one_page_per_conversation_masked(desk):
    url, client = desk["console"].url, desk["client"]
    listing = client.get(url + "/conversations?sujet=faq_lost_new_password").text
    pages = [client.get(url + href) for href in re.findall(r'href="(/conversations/\d+)"', listing)]
    secret = next(p for p in pages if "ça ne marche pas" in p.text)
    text = visible(secret.text)
    assert "Ecole2024" not in secret.text and "mon mot de passe est [secret masqué] et ça ne marche pas" in text
    assert "compris comme : J'ai perdu le nouveau mot de passe (confiance 90,0 %)" in text
    assert "Assistant" in text and "Réponse de la FAQ pour faq_lost_new_password." in text
    assert text.index("[secret masqué]") < text.index("Réponse de la FAQ pour faq_lost_new_password")
    # A quick reply chosen reads as the button's label.
    outlook = [client.get(url + href) for href in re.findall(
        r'href="(/conversations/\d+)"', client.get(url + "/conversations?sujet=nlu_fallback").text)]
    assert any("Bouton choisi : « Que dois-je faire pour migrer ? »" in visible(p.text) for p in outlook)
    assert client.get(url + "/conversations/999999").status_code == 404
    assert client.get(url + "/conversations/abc").status_code == 404
    reads = [detail for login, action, detail in audit_actions(desk) if action == "transcription lue"]
    assert reads and all(d.startswith("conversation n°") for d in reads)


# --- Prometheus metrics ------------------------------------------------------------------------
def metric_values(body: str) -> dict:
    values = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_metrics_behind_sign_in_or_token(desk):
    url = desk["console"].url
    refused = requests.get(url + "/metrics")
    assert refused.status_code == 401 and "Connexion requise" in refused.text
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests.get(url + "/metrics", headers={"Authorization": "Bearer faux"}).status_code == 401
    assert requests.get(url + "/metrics", headers={"Authorization": TOKEN}).status_code == 401
    scraped = requests.get(url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200 and scraped.headers["Content-Type"].startswith("text/plain")
    assert desk["client"].get(url + "/metrics").status_code == 200  # a signed-in staff member
    values = metric_values(scraped.text)
    assert values[("bma_messages_total", ())] == MESSAGES
    assert values[("bma_conversations_total", ())] == 40  # known_traffic's 7, conv-lat, conv-secret, 30, conv-45
    assert values[("bma_clarifications_total", ())] == 2
    assert values[("bma_fallbacks_total", ())] == 4  # conv-b, conv-c; conv-45's fallback intent and action
    assert values[("bma_handoffs_total", ())] == 1
    assert values[("bma_errors_total", (("channel", "socketio"), ("kind", "channel")))] == 2
    assert values[("bma_errors_total", (("channel", ""), ("kind", "action_server")))] == 1
    assert values[("bma_feedback_votes", (("rating", "up"),))] == 1
    assert values[("bma_feedback_votes", (("rating", "down"),))] == 1
    # Every user message is answered: one latency each; LATENCIES fall in 0.1, 0.5, 2.5 and 30 s.
    bucket = {le: values[("bma_answer_latency_seconds_bucket", (("le", le),))] for le in
              ("0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "+Inf")}
    others = MESSAGES - len(LATENCIES)  # answered in the same second in the synthetic traffic
    assert bucket == {"0.1": others + 1, "0.25": others + 1, "0.5": others + 2, "1.0": others + 2,
                      "2.5": others + 3, "5.0": others + 3, "10.0": others + 3, "30.0": others + 4, "+Inf": others + 4}
    assert values[("bma_answer_latency_seconds_count", ())] == MESSAGES
    assert values[("bma_answer_latency_seconds_sum", ())] == pytest.approx(sum(LATENCIES), abs=0.01)
    assert values[("bma_console_events_waiting", ())] == 0


# --- retention ------------------------------------------------------------------------------------
def test_retention_deletes_old_transcripts_and_keeps_the_figures(desk):
    url, client, env, now = desk["console"].url, desk["client"], desk["env"], desk["now"]
    old_days = [local_day(now - 60 * 86400), local_day(now - 45 * 86400)]
    exports = {day: client.get(url + f"/tableau-de-bord.csv?du={day}&au={day}").text for day in old_days}
    wide = f"/tableau-de-bord.csv?du={local_day(now - 90 * 86400)}&au={local_day(now)}"
    exports["90 jours"] = client.get(url + wide).text
    assert "totaux;messages;messages;1" in exports[old_days[0]]  # conv-old
    assert "totaux;messages;messages;2" in exports[old_days[1]]  # conv-45
    assert "boîtes consultées par phase;adresse inconnue du registre;unknown;1" in exports[old_days[1]]
    old_inbox = visible(client.get(url + "/boite-de-reception").text)
    assert "« truc bizarre »" in old_inbox  # conv-45's fallback, 45 days ago
    conv45 = re.search(r'href="(/conversations/\d+)"', client.get(
        url + f"/conversations?du={old_days[1]}&au={old_days[1]}").text).group(1)
    assert client.get(url + conv45).status_code == 200

    run = subprocess.run([sys.executable, "-m", "console.retention"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **env})
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("Conservation : 30 jours")
    assert "messages des conversations : 6" in out  # conv-old: 1 + 1, conv-45: 2 + 2
    assert "conversations : 2" in out and "messages de la boîte de réception : 1" in out  # conv-45's fallback
    broker = int(re.search(r"événements du courtier d'événements de Rasa : (\d+)", out).group(1))
    assert broker >= 20  # every event of conv-old and conv-45 (session starts, actions, slots…)

    # The figures of the old days and of the whole period are the same as before the purge…
    for key, before in exports.items():
        path = wide if key == "90 jours" else f"/tableau-de-bord.csv?du={key}&au={key}"
        assert client.get(url + path).text == before, key
    # …and their texts are gone: transcripts, inbox, broker rows.
    assert client.get(url + conv45).status_code == 404
    assert "0 conversation(s)" in visible(client.get(url + f"/conversations?du={old_days[1]}&au={old_days[1]}").text)
    assert "« truc bizarre »" not in visible(client.get(url + "/boite-de-reception").text)
    assert "38 conversation(s) trouvée(s)" in visible(client.get(url + "/conversations").text)  # recent ones kept
    events = sqlite3.connect(desk["workdir"] / "events.sqlite3").execute("SELECT data FROM events").fetchall()
    assert not [d for (d,) in events if "truc bizarre" in d or "qu'est-ce qui change" in d]
    assert any("Ecole2024" in d or "étapes" in d for (d,) in events)  # recent events stay
    assert ("(commande)", "purge") in [(login, action) for login, action, _ in audit_actions(desk)]
    assert "purge" in visible(client.get(url + "/journal").text)
    # A second run finds nothing more.
    again = subprocess.run([sys.executable, "-m", "console.retention", "--days", "30"], capture_output=True, text=True,
                           cwd=ROOT, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert "messages des conversations : 0" in again.stdout
    bad = subprocess.run([sys.executable, "-m", "console.retention"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), **env, "BMA_RETENTION_DAYS": "zéro"})
    assert bad.returncode == 2 and "BMA_RETENTION_DAYS doit être un nombre entier de jours" in bad.stderr


def test_purge_never_deletes_what_is_not_counted_and_ids_go_on(tmp_path):
    """Broker rows the aggregation has not read are never deleted; after a month without traffic
    (every row old), new events still get new ids and are counted."""
    config = settings({"BMA_DB_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                       "BMA_EVENTS_DB_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
    engine = events_engine(config.events_url)
    old = time.time() - 40 * 86400
    try:
        synthetic.write(engine, synthetic.session_start("quiet", old)
                        + synthetic.turn("quiet", old, "merci", "thanks", 0.99, "utter_thanks", "Avec plaisir !"))
        assert purge_broker(config, time.time() - 30 * 86400) == 0  # not aggregated yet
        counts = retention.purge(config, 30, tracker="")
        assert counts["broker_events"] == 8 and counts["messages"] == 2
        (rows, top), = sqlite3.connect(tmp_path / "e.sqlite3").execute("SELECT count(*), max(id) FROM events")
        assert rows == 1  # the last row, emptied: no sender, no text
        assert sqlite3.connect(tmp_path / "e.sqlite3").execute("SELECT sender_id FROM events").fetchone() == (None,)
        synthetic.write(engine, synthetic.session_start("back", time.time())
                        + synthetic.turn("back", time.time(), "bonjour", "greet", 0.99, "action_greet", "Bonjour !"))
        assert sqlite3.connect(tmp_path / "e.sqlite3").execute("SELECT min(id) FROM events WHERE sender_id = 'back'"
                                                               ).fetchone() == (top + 1,)
        assert ingest.catch_up(config)["events"] == 8
        from console import dashboard
        today = dt.datetime.now(ZONE).date()
        assert dashboard.figures(config.db_url, today, today).totals["messages"] == 1
    finally:
        dispose()


def test_the_console_purges_once_a_day_on_its_own(tmp_path):
    env = {"BMA_DB_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{tmp_path / 'events.sqlite3'}",
           "BMA_NLU_DIR": str(tmp_path), "BMA_CONSOLE_INGEST_SECONDS": "1", "BMA_RETENTION_DAYS": "7",
           "BMA_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.sqlite3'}"}
    old = time.time() - 10 * 86400
    synthetic.write(events_engine(env["BMA_EVENTS_DB_URL"]), synthetic.session_start("ten-days", old)
                    + synthetic.turn("ten-days", old, "qu'est-ce qui change ?", "faq_what_changes", 0.95,
                                     "action_answer_faq", "…"))
    dispose()
    console = Console(tmp_path, env)
    try:
        database = tmp_path / "console.sqlite3"
        deadline = time.monotonic() + 20
        purges = []
        while time.monotonic() < deadline and not purges:
            time.sleep(0.3)
            with contextlib.suppress(sqlite3.OperationalError):  # the tables are being created
                purges = sqlite3.connect(database).execute(
                    "SELECT detail FROM console_audit WHERE login = '(automatique)' AND action = 'purge'").fetchall()
        assert purges and "plus de 7 jours : 8 événements" in purges[0][0] and "2 messages des conversations" in purges[0][0]
        time.sleep(2.5)  # two more ticks: not again today
        assert len(sqlite3.connect(database).execute(
            "SELECT id FROM console_audit WHERE action = 'purge'").fetchall()) == 1
        assert sqlite3.connect(database).execute("SELECT sum(count) FROM analytics_daily WHERE metric = 'messages'"
                                                 ).fetchone() == (1,)
    finally:
        console.stop()
        dispose()


# --- the web page: a limited number of votes per client and minute ------------------------------
def post_vote(port: int, body: dict, source: str = "127.0.0.1", headers: dict | None = None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("POST", "/feedback", body=json.dumps(body),
                     headers={"Content-Type": "application/json", **(headers or {})})
        reply = conn.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read().decode()
    finally:
        conn.close()


def test_feedback_rate_limit_per_client(tmp_path):
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'votes.sqlite3'}"
    log = tmp_path / "web.log"
    web = subprocess.Popen([sys.executable, "-m", "web.app", "--port", str(port)], cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", "BMA_DB_URL": db_url},
                           stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", web, 60, log)
        vote = {"session_id": "limite-1", "digest": "0000abcd", "rating": "up", "reason": None}
        for n in range(1, 31):
            assert post_vote(port, {**vote, "occurrence": n})[0] == 204, n
        status, headers, body = post_vote(port, {**vote, "occurrence": 31})
        assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60
        assert json.loads(body)["error"] == "Trop d'avis envoyés depuis votre connexion en une minute. Réessayez dans un instant."
        # A forwarded-for header the page was not told to trust changes nothing.
        assert post_vote(port, {**vote, "occurrence": 32}, headers={"X-Forwarded-For": "203.0.113.7"})[0] == 429
        # Another client address is not held back, and the page itself keeps answering.
        assert post_vote(port, {**vote, "session_id": "limite-2", "occurrence": 1}, source="127.0.0.2")[0] == 204
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        stored = sqlite3.connect(tmp_path / "votes.sqlite3").execute(
            "SELECT conversation_id, count(*), min(occurrence), max(occurrence) FROM feedback "
            "GROUP BY conversation_id ORDER BY conversation_id").fetchall()
        assert stored == [("limite-1", 30, 1, 30), ("limite-2", 1, 1, 1)]  # every accepted vote kept, no other
    finally:
        web.terminate()
        web.wait(10)
        dispose()


def test_postgresql_first_slice_database_upgraded_and_purged(postgres_admin_url):
    """On PostgreSQL: tables of the first slice get their new columns (and the longer conversation
    id of the votes, for Teams), then the aggregation and the purge run there."""
    import uuid

    from sqlalchemy import create_engine, inspect, text

    name = f"bma_staff_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = postgres_admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        old = create_engine(url)
        with old.begin() as conn:
            conn.execute(text("CREATE TABLE tickets (id SERIAL PRIMARY KEY, created_at TIMESTAMP NOT NULL, "
                              "route VARCHAR(32) NOT NULL, address VARCHAR(64), last_name VARCHAR(100), "
                              "first_name VARCHAR(100), description TEXT, conversation_id VARCHAR(200))"))
            conn.execute(text("INSERT INTO tickets (created_at, route) VALUES (now(), 'etnic')"))
            conn.execute(text("CREATE TABLE feedback (id SERIAL PRIMARY KEY, created_at TIMESTAMP NOT NULL, "
                              "day DATE NOT NULL, conversation_id VARCHAR(128) NOT NULL, digest VARCHAR(8) NOT NULL, "
                              "occurrence INTEGER NOT NULL, rating VARCHAR(4) NOT NULL, reason VARCHAR(20), "
                              "status VARCHAR(12) NOT NULL, bot_event_id INTEGER, user_event_id INTEGER, "
                              "intent VARCHAR(64), action VARCHAR(64), phase VARCHAR(20), model_id VARCHAR(64))"))
        old.dispose()
        config = settings({"BMA_DB_URL": url, "BMA_EVENTS_DB_URL": url})
        now = time.time()
        synthetic.write(events_engine(url), traffic(now))
        assert ingest.catch_up(config)["events"] > 0
        assert registry.list_tickets(url)[0].status == "open"
        columns = {c["name"]: c["type"] for c in inspect(console_engine(url)).get_columns("feedback")}
        assert columns["conversation_id"].length == 255
        teams_id = "a:" + "x" * 200  # a personal chat's id can be that long
        save_vote(url, Vote(teams_id, "0000abcd", 1, "up", None))
        counts = retention.purge(config, 30, now=now, tracker="")
        assert counts["messages"] == 6 and counts["conversations"] == 2 and counts["inbox"] == 1
        assert counts["broker_events"] >= 20
        from console import dashboard, transcripts
        day = dt.datetime.fromtimestamp(now - 45 * 86400, ZONE).date()
        assert dashboard.figures(url, day, day).totals["messages"] == 2  # the aggregates stay
        rows, total = transcripts.search(url, transcripts.Search(day, day), "Europe/Brussels")
        assert total == 0
        rows, total = transcripts.search(url, transcripts.Search(day, dt.datetime.now(ZONE).date(), "faq_lost_new_password"),
                                         "Europe/Brussels")
        assert total == 3
    finally:
        dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
