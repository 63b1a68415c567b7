"""« Modèles » (retraining/, console/routes/models.py) against a real Rasa server, with real trainings.

One stack for the module: the action server and Rasa (REST channel, SQL event broker, HTTP API
opened with a random token, the project's model), and the console on a temporary database, with
a temporary copy of data/ (BMA_DATA_DIR, BMA_NLU_DIR) and of the models folder (BMA_MODELS_DIR):
nothing is written into the project's data/ or models/ (only Rasa's training cache, .rasa/, is
shared). The tests run in file order and share
the stack (two trainings in all, about 3½ minutes):

- security: no session → sign-in page / 401, no CSRF token → 403, nothing started;
- the loop: a message the active model misunderstands is labelled through the inbox's POST,
  « Réentraîner » trains, evaluates and activates a candidate, and the running Rasa server then
  understands the message (POST /model/parse); a second click during the job is refused;
- wrong labels: a candidate trained on data where two intents are swapped is refused and Rasa
  keeps its model (GET /status);
- rollback: « Revenir au modèle précédent » puts the project's model back on the running server;
- restart: the state survives a restart of the console; a job cut short by it is « interrompu ».
"""
import re
import secrets
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from analytics.inbox import group_key
from console.db import dispose
from console.training_data import HELDOUT_MAX_JACCARD, closest_held_out, comparable, known_examples
from harness.servers import ROOT, Servers, latest_model
from tests.integration.test_console import LOGIN, PASSWORD, Console, create_account, csrf, sign_in, visible

pytestmark = pytest.mark.servers

# Questions written for this test, with the intent a person would give them. The loop uses the
# first one the project's current model misunderstands (the model changes with data/ and
# config.yml), provided it can be learnt: not already an example, not within a token Jaccard of 0.6
# of a held-out question.
ASKED = [
    ("personne ne nous a écrit au sujet du transfert de la messagerie", "faq_no_email_received"),
    ("rien dans la boîte concernant la bascule vers outlook", "faq_no_email_received"),
    ("le sésame reçu par mail a disparu de mes notes", "faq_lost_new_password"),
    ("impossible de remettre la main sur le code d'accès reçu dans le 2e message", "faq_lost_new_password"),
    ("le bidule de connexion envoyé le mois passé a été jeté à la corbeille", "faq_lost_new_password"),
    ("où en est la bascule de notre adresse administrative", "check_migration_status"),
    ("quand est-ce que le courrier de la direction passe chez microsoft", "check_migration_status"),
    ("on attend toujours le courriel qui devait lancer la procédure", "faq_no_email_received"),
]
# The deliberately wrong labels: every example of these two intents swapped.
SWAPPED = ("faq_lost_new_password", "faq_no_email_received")
JOB_TIMEOUT = 300


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    workdir = tmp_path_factory.mktemp("retraining")
    data = workdir / "data"
    shutil.copytree(ROOT / "data", data)
    models = workdir / "models"
    models.mkdir()
    real_inbox = ROOT / "data" / "nlu" / "inbox.yml"  # the only file the console writes
    before = real_inbox.read_bytes() if real_inbox.exists() else None
    token = secrets.token_urlsafe(24)
    events = workdir / "events.sqlite3"
    env = {"BMA_DB_URL": f"sqlite:///{workdir / 'console.sqlite3'}", "BMA_EVENTS_DB_URL": f"sqlite:///{events}",
           "BMA_DATA_DIR": str(data), "BMA_NLU_DIR": str(data / "nlu"), "BMA_MODELS_DIR": str(models),
           "BMA_API_TOKEN": token, "BMA_CONSOLE_INGEST_SECONDS": "1", "BMA_TODAY": "2024-11-15",
           "BMA_CONSOLE_LOW_CONFIDENCE": "0.99"}  # any misunderstood message reaches the inbox
    broker = f"event_broker:\n  type: SQL\n  dialect: sqlite\n  db: {events}\n"
    servers = Servers(workdir, env, model, endpoints_extra=broker, rasa_args=("--enable-api",))  # the token: env's BMA_API_TOKEN
    console = None
    try:
        servers.start_actions()
        servers.start_rasa()
        env["BMA_RASA_URL"] = servers.rasa_url
        assert create_account(env, LOGIN, PASSWORD).returncode == 0
        console = Console(workdir, env)
        client, reply = sign_in(console)
        assert reply.status_code == 303
        state = {"servers": servers, "console": console, "client": client, "token": token, "env": env,
                 "workdir": workdir, "data": data, "models": models, "model": model}
        yield state
        console = state["console"]  # replaced by the restart test
        # Nothing was written into the project's own data.
        assert (real_inbox.read_bytes() if real_inbox.exists() else None) == before
        for log in ("console.log", "rasa.log"):
            assert token not in (workdir / log).read_text(errors="replace"), log
    finally:
        if console:
            console.stop()
        servers.stop()
        dispose()


def rasa(stack, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, stack["servers"].rasa_url + path, params={"token": stack["token"]},
                            timeout=60, **kwargs)


def served(stack) -> str:
    return rasa(stack, "GET", "/status").json()["model_file"]


def understood(stack, text: str) -> str:
    return rasa(stack, "POST", "/model/parse", json={"text": text}).json()["intent"]["name"]


def models_page(stack, query: str = "") -> requests.Response:
    return stack["client"].get(stack["console"].url + "/modeles" + query)


def click(stack, action: str, **form) -> requests.Response:
    token = csrf(models_page(stack).text)
    return stack["client"].post(stack["console"].url + f"/modeles/{action}", data={"csrf_token": token, **form},
                                allow_redirects=False)


def wait_for_the_job(stack) -> str:
    """The page's text once no operation is running (the test polls as the meta refresh would)."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        page = models_page(stack)
        assert page.status_code == 200
        if "Opération en cours" not in page.text:
            return visible(page.text)
        time.sleep(2)
    raise AssertionError(f"the job did not finish in {JOB_TIMEOUT} s:\n{visible(models_page(stack).text)[-2000:]}")


def audit_actions(stack) -> list[str]:
    return [a for (a,) in sqlite3.connect(stack["workdir"] / "console.sqlite3").execute(
        "SELECT action FROM console_audit ORDER BY id")]


# --- (d) security ------------------------------------------------------------------------------
def test_models_page_needs_a_session_and_the_csrf_token(stack):
    url = stack["console"].url
    anonymous = requests.get(url + "/modeles", allow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")
    for action in ("reentrainer", "revenir", "mesurer"):
        assert requests.post(url + f"/modeles/{action}", data={}, allow_redirects=False).status_code == 401
        # Signed in, but without the session's CSRF token, with a wrong one, or from another origin.
        client = stack["client"]
        assert client.post(url + f"/modeles/{action}", data={}, allow_redirects=False).status_code == 403
        assert client.post(url + f"/modeles/{action}", data={"csrf_token": "faux"},
                           allow_redirects=False).status_code == 403
        token = csrf(models_page(stack).text)
        assert client.post(url + f"/modeles/{action}", data={"csrf_token": token}, allow_redirects=False,
                           headers={"Origin": "http://127.0.0.1:8080"}).status_code == 403
    # Nothing was started, and the page shows the model Rasa serves, never the API token.
    page = models_page(stack)
    assert "Aucune opération pour l'instant" in visible(page.text)
    assert stack["model"].name in page.text and stack["token"] not in page.text
    assert not [a for a in audit_actions(stack) if "demandé" in a]


# --- (a) the loop ------------------------------------------------------------------------------
def test_a_labelled_message_is_understood_after_retraining(stack):
    servers, url, client = stack["servers"], stack["console"].url, stack["client"]
    original = served(stack)
    assert original == stack["model"].name
    known = known_examples(stack["data"] / "nlu")
    learnable = [(text, intent) for text, intent in ASKED
                 if comparable(text) not in known and closest_held_out(text)[0] < HELDOUT_MAX_JACCARD]
    misunderstood = [(text, intent) for text, intent in learnable if understood(stack, text) != intent]
    if not misunderstood:
        pytest.fail("the current model understands every question of ASKED: add one it gets wrong")
    message, intent = misunderstood[0]
    stack["message"], stack["intent"] = message, intent

    # A user asks it; the console's inbox shows it; a staff member labels it (the inbox's real POST).
    servers.say("loop-user", message)
    key = group_key(message)
    deadline = time.monotonic() + 30
    while key not in (inbox := client.get(url + "/boite-de-reception").text) and time.monotonic() < deadline:
        time.sleep(1)
    assert f'value="{key}"' in inbox
    labelled = client.post(url + "/boite-de-reception", data={"csrf_token": csrf(inbox), "groupe": key,
                                                               "action": "label", "intention": intent})
    assert labelled.status_code == 200 and "exemple ajouté à inbox.yml" in visible(labelled.text)
    assert f"- {message}" in (stack["data"] / "nlu" / "inbox.yml").read_text()
    counted = re.search(r"dont (\d+) exemple\(s\) classé\(s\) depuis la boîte de réception",
                        visible(models_page(stack).text))
    assert counted and int(counted[1]) >= 1

    # « Réentraîner »: a background job with a progress bar; a second click is refused in French.
    started = click(stack, "reentrainer", actualiser="1")
    assert started.status_code == 303 and started.headers["location"] == "/modeles?actualiser=1"
    again = click(stack, "reentrainer", actualiser="1")
    assert again.status_code == 409
    assert "Une opération sur les modèles est déjà en cours (réentraînement lancé par agent.sgne" in visible(again.text)
    followed = models_page(stack, "?actualiser=1")
    following = followed.text
    assert followed.headers["Refresh"] == "5; url=/modeles?actualiser=1"  # a header: no <meta> refresh
    assert re.search(r'<progress id="avancement" max="100" value="\d+">', following)
    assert "Entraînement : en cours" in visible(following) and "Activation : à venir" in visible(following)
    assert "Refresh" not in models_page(stack).headers  # no refresh unless asked for

    text = wait_for_the_job(stack)
    assert "Réentraînement" in text and "activé" in text and "Nouveau modèle activé : bma-console-" in text, text
    candidate = served(stack)
    assert candidate.startswith("bma-console-") and candidate != original
    assert (stack["models"] / "console" / candidate).is_file()
    # The model it replaced is kept beside it (a copy: `make train` prunes models/bma-*.tar.gz).
    assert (stack["models"] / "console" / original).is_file()
    assert f"Gardé pour revenir en arrière d'un clic : {original}" in text
    # Both measured on the held-out file, the candidate at least as well.
    figures = re.search(r"exactitude du candidat ([\d,]+) %, du modèle actif ([\d,]+) %", text)
    assert figures and float(figures[1].replace(",", ".")) >= float(figures[2].replace(",", "."))
    assert "Résultats du modèle actif sur le jeu de test indépendant" in text

    # The running server now understands the message.
    assert understood(stack, message) == intent
    assert servers.say("loop-user-2", "bonjour")  # and still answers
    actions = audit_actions(stack)
    assert "réentraînement demandé" in actions and "modèle activé" in actions
    stack["candidate"], stack["original"] = candidate, original


# --- (b) wrong labels are refused --------------------------------------------------------------
def swap_intents(nlu: Path, a: str, b: str) -> dict[Path, str]:
    saved = {}
    for path in nlu.glob("*.yml"):
        text = path.read_text()
        swapped = re.sub(rf"^(\s*- intent: )({a}|{b})\s*$", lambda m: m[1] + (b if m[2] == a else a), text, flags=re.M)
        if swapped != text:
            saved[path] = text
            path.write_text(swapped)
    return saved


def test_a_candidate_trained_on_wrong_labels_is_refused(stack):
    before = served(stack)
    saved = swap_intents(stack["data"] / "nlu", *SWAPPED)
    assert len(saved) >= 2  # the examples of both intents, in several files
    try:
        assert click(stack, "reentrainer").status_code == 303
        text = wait_for_the_job(stack)
    finally:
        for path, content in saved.items():
            path.write_text(content)
    assert "Candidat refusé : il répond moins bien que le modèle actif" in text, text
    assert f"Le modèle actif {before} reste en service" in text
    figures = re.search(r"exactitude du candidat ([\d,]+) %, du modèle actif ([\d,]+) %", text)
    assert float(figures[1].replace(",", ".")) < float(figures[2].replace(",", ".")) - 5
    # The running server keeps its model; the refused candidate is not kept on disk.
    assert served(stack) == before
    assert understood(stack, stack["message"]) == stack["intent"]
    assert sorted(p.name for p in (stack["models"] / "console").glob("*.tar.gz")) == sorted(
        {before, stack["original"]})
    assert "candidat refusé" in audit_actions(stack)


# --- (c) rollback ------------------------------------------------------------------------------
def test_rollback_restores_the_previous_model(stack):
    assert served(stack) == stack["candidate"]
    assert click(stack, "revenir", actualiser="1").status_code == 303
    text = wait_for_the_job(stack)
    assert f"Modèle précédent rétabli : {stack['original']} est de nouveau actif" in text, text
    assert served(stack) == stack["original"]
    assert understood(stack, stack["message"]) != stack["intent"]  # the previous model, as it was
    # The model just left becomes the previous one: one click brings it back.
    assert f"Gardé pour revenir en arrière d'un clic : {stack['candidate']}" in text
    assert "retour au modèle précédent" in audit_actions(stack)


# --- state kept across a restart of the console -----------------------------------------------
def test_state_survives_a_restart_and_an_interrupted_job_is_marked(stack):
    # A retraining cut short by stopping the console…
    assert click(stack, "reentrainer").status_code == 303
    time.sleep(2)
    stack["console"].stop()
    # …is « interrompu » after the restart, the lock is free, and nothing else is lost.
    stack["console"] = Console(stack["workdir"], stack["env"], name="console-restarted")
    text = visible(models_page(stack).text)  # the session lives in the database too
    assert "Opération en cours" not in text
    assert "Réentraînement du" in text and "— interrompu." in text
    assert f"Gardé pour revenir en arrière d'un clic : {stack['candidate']}" in text
    assert "modèle précédent rétabli" in text and "refusé" in text and "activé" in text  # the history
    assert served(stack) == stack["original"]
    assert not list((stack["models"] / "console").glob("bma-console-*-4.tar.gz"))  # no half-made candidate
    # The lock was released: another operation may start (a measure: the figures are already known).
    assert click(stack, "mesurer").status_code == 303
    assert "Modèle actif mesuré : exactitude" in wait_for_the_job(stack)
