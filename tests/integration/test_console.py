"""The staff console as it runs: `python -m console.app` on loopback with temporary SQLite
databases (console tables + registry, Rasa's event broker), driven over HTTP. Also the widget's
feedback through the real web page, Rasa server (SQL event broker) and action server, Rasa's own
SQL broker on PostgreSQL, and `rasa data validate` on a copy of the project with labelled data."""
import datetime as dt
import html
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from analytics.db import events_engine
from bma import registry
from console import synthetic
from console.db import dispose
from feedback.votes import bubbles, digest
from harness.servers import ROOT, Servers, free_port, latest_model, wait_until_up

PASSWORD = "Correct-Cheval-Pile-2024"
METRICS_TOKEN = "jeton-prometheus-de-test"
LOGIN = "agent.sgne"
REGISTRY_CSV = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "ec000001@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"  # password sent on 2024-11-15
)


class Console:
    """`python -m console.app` in a subprocess, on 127.0.0.1 and a free port."""

    def __init__(self, workdir: Path, env: dict, name: str = "console"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        # The console's daily purge reaches Rasa's tracker store: a test's own, never the project's var/.
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore",
                    "BMA_TRACKER_URL": f"sqlite:///{workdir / 'tracker.sqlite3'}", **env}
        self.process = subprocess.Popen([sys.executable, "-m", "console.app", "--port", str(self.port)], cwd=ROOT,
                                        env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        wait_until_up(self.url + "/connexion", self.process, 60, self.log)

    def stop(self):
        self.process.terminate()
        self.process.wait(15)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(console: Console, login=LOGIN, password=PASSWORD, client=None):
    client = client or requests.Session()
    form = client.get(console.url + "/connexion")
    reply = client.post(console.url + "/connexion", allow_redirects=False,
                        data={"csrf_token": csrf(form.text), "identifiant": login, "mot_de_passe": password})
    return client, reply


def create_account(env: dict, login: str, password: str, command: str = "create") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console.accounts", command, login], input=password + "\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **env})


def visible(page: str) -> str:
    """The text a person reads (tags dropped, entities decoded, French spaces as spaces)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


# --- a small, exactly known traffic -----------------------------------------------------------
def known_traffic(now: float) -> list[dict]:
    s = synthetic
    t = now - 3600
    events = []
    events += s.session_start("conv-a", t)
    events += s.turn("conv-a", t + 1, "bonjour", "greet", 0.99, "action_greet", "Bonjour !")
    events += s.turn("conv-a", t + 2, "j'ai perdu le nouveau mot de passe", "faq_lost_new_password", 0.98,
                     "action_answer_faq", s.answer_text("faq_lost_new_password"),
                     decided=s.decision("faq_lost_new_password", ("etnic",), "found", "migrated", address_given=True))
    events += [s.slot("conv-a", t + 2, "topic", "faq_lost_new_password"),
               s.slot("conv-a", t + 2, "bma_address", "ec000001@adm.cfwb.be")]  # in the registry: migrated
    events += s.turn("conv-a", t + 3, "merci", "thanks", 0.99, "utter_thanks", "Avec plaisir !")
    for conv, text, then in (("conv-b", "outlook plante depuis hier", "/deny"),
                             ("conv-c", "Outlook plante depuis hier !", "/faq_how_to_migrate")):
        events += s.session_start(conv, t)
        events += s.turn(conv, t + 5, text, "nlu_fallback", 0.41, "action_default_ask_affirmation",
                         "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire…",
                         ranking=[("nlu_fallback", 0.5), ("faq_how_to_migrate", 0.41), ("out_of_scope", 0.2)])
        if then == "/deny":
            events += s.turn(conv, t + 6, then, "deny", 1.0, "action_human_handoff", "Je vous oriente vers une personne.",
                             decided=s.HANDOFF_DECISION)
        else:
            events += s.turn(conv, t + 6, then, "faq_how_to_migrate", 1.0, "action_answer_faq",
                             s.answer_text("faq_how_to_migrate"))
    events += s.session_start("conv-d", t)
    events += s.turn("conv-d", t + 7, "est-ce que les archives de 2010 seront gardées", "faq_not_covered", 0.8,
                     "action_answer_faq", "La FAQ ne répond pas à cette question.")
    events += s.session_start("conv-e", t)
    events += s.turn("conv-e", t + 8, "mon mot de passe [secret masqué] ne marche plus", "faq_lost_new_password", 0.55,
                     "action_answer_faq", s.answer_text("faq_lost_new_password"))
    # For labelling: a phrase already in data/nlu (faq_general.yml), an address, an off-topic question.
    events += s.session_start("conv-f", t)
    events += s.turn("conv-f", t + 9, "c'est quoi une BMA", "faq_bma_definition", 0.5,
                     "action_answer_faq", s.answer_text("faq_bma_definition"))
    events += s.turn("conv-f", t + 10, "où en est EC000123@adm.cfwb.be svp", "check_migration_status", 0.45,
                     "action_answer_faq", "Votre boîte…",
                     decided=s.decision("check_migration_status", ("sgne",), "not_found", address_given=True))
    events += [s.slot("conv-f", t + 10, "bma_address", "ec000123@adm.cfwb.be")]  # not in the registry
    events += s.turn("conv-f", t + 11, "quelle météo demain à Namur", "out_of_scope", 0.52,
                     "utter_out_of_scope", "Je ne peux répondre qu'aux questions sur la migration.")
    events += s.turn("conv-f", t + 12, "blabla test", "out_of_scope", 0.4, "utter_out_of_scope", "Je ne peux…")
    # Two months ago: outside the default period.
    events += s.session_start("conv-old", now - 60 * 86400)
    events += s.turn("conv-old", now - 60 * 86400 + 1, "qu'est-ce qui change ?", "faq_what_changes", 0.95,
                     "action_answer_faq", s.answer_text("faq_what_changes"))
    return events


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Databases, an NLU copy, an account, and the console (plus a second one with Secure cookies)."""
    workdir = tmp_path_factory.mktemp("console")
    nlu = workdir / "nlu"
    shutil.copytree(ROOT / "data" / "nlu", nlu)
    env = {"BMA_DB_URL": f"sqlite:///{workdir / 'console.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{workdir / 'events.sqlite3'}",
           "BMA_NLU_DIR": str(nlu), "BMA_CONSOLE_INGEST_SECONDS": "1",
           "BMA_CONSOLE_SIGNIN_PER_MINUTE": "100"}  # many sign-ins from 127.0.0.1 (its limit: test_console_attack.py)
    synthetic.write(events_engine(env["BMA_EVENTS_DB_URL"]), known_traffic(time.time()))
    assert registry.import_csv(REGISTRY_CSV.encode(), env["BMA_DB_URL"]).ok
    for route in ("sgne", "sgne", "etnic"):
        registry.record_ticket(route=route, address=None, last_name="X", first_name="Y", description="…",
                               conversation_id="conv-a", url=env["BMA_DB_URL"])
    dispose()
    created = create_account(env, LOGIN, PASSWORD)
    assert created.returncode == 0, created.stderr
    console = secure = None
    try:
        console = Console(workdir, env)
        secure = Console(workdir, {**env, "BMA_CONSOLE_SECURE": "1"}, name="console-secure")
        yield {"console": console, "secure": secure, "env": env, "workdir": workdir, "nlu": nlu, "created": created}
    finally:
        for server in (console, secure):
            if server:
                server.stop()
        dispose()


@pytest.fixture(scope="module")
def staff(site):
    client, reply = sign_in(site["console"])
    assert reply.status_code == 303 and reply.headers["location"] == "/tableau-de-bord", reply.text
    return client


# --- access control ---------------------------------------------------------------------------
def test_every_console_url_needs_a_session(site):
    from console.app import create_app

    console = site["console"]
    public = {("GET", "/connexion"), ("POST", "/connexion")}
    checked = set()
    for route in create_app().router.routes:
        path = "/" + route.path
        if path.startswith("/static/"):
            continue  # the sign-in page's stylesheet
        for method in route.methods - {"HEAD"}:
            if (method, path) in public:
                continue
            concrete = re.sub(r"<[^>]+>", "1", path)  # /conversations/<ref:int> → /conversations/1
            reply = requests.request(method, console.url + concrete, allow_redirects=False)
            if method == "GET" and not path.endswith(".csv") and path != "/metrics":
                assert reply.status_code == 303, (method, path, reply.status_code)
                assert reply.headers["location"].startswith("/connexion"), (method, path)
            else:
                assert reply.status_code == 401, (method, path, reply.status_code)
            checked.add((method, path))
    assert checked == {("GET", "/"), ("GET", "/tableau-de-bord"), ("GET", "/tableau-de-bord.csv"),
                       ("GET", "/boite-de-reception"), ("POST", "/boite-de-reception"), ("GET", "/faq-a-ajouter"),
                       ("GET", "/faq-a-ajouter.csv"), ("GET", "/journal"), ("POST", "/deconnexion"),
                       ("GET", "/tickets"), ("POST", "/tickets"), ("GET", "/conversations"),
                       ("GET", "/conversations/<ref:int>"), ("GET", "/metrics"),
                       ("GET", "/modeles"), ("POST", "/modeles/reentrainer"), ("POST", "/modeles/mesurer"),
                       ("POST", "/modeles/revenir"), ("GET", "/comptes")}
    # A made-up or stolen-looking cookie opens nothing.
    forged = requests.get(console.url + "/tableau-de-bord", cookies={"bma_console_session": "x" * 43},
                          allow_redirects=False)
    assert forged.status_code == 303


def test_post_without_csrf_token_is_refused(site, staff):
    url = site["console"].url
    page = staff.get(url + "/boite-de-reception")
    token = csrf(page.text)
    action = {"groupe": "blabla test", "action": "ignore"}
    assert staff.post(url + "/boite-de-reception", data=action).status_code == 403
    assert staff.post(url + "/boite-de-reception", data={**action, "csrf_token": "faux"}).status_code == 403
    assert staff.post(url + "/deconnexion", data={}, allow_redirects=False).status_code == 403
    # The right token from another origin (the public page's) is refused too.
    other = staff.post(url + "/boite-de-reception", data={**action, "csrf_token": token},
                       headers={"Origin": "http://127.0.0.1:8080"})
    assert other.status_code == 403
    # The sign-in form has its own token (cookie + hidden field).
    assert requests.post(url + "/connexion", data={"identifiant": LOGIN, "mot_de_passe": PASSWORD},
                         allow_redirects=False).status_code == 403
    assert staff.get(url + "/boite-de-reception").text.count("blabla test") >= 1  # nothing was ignored


def test_cookie_flags_session_and_sign_out(site):
    console = site["console"]
    client = requests.Session()
    form = client.get(console.url + "/connexion")
    assert "HttpOnly" in form.headers["set-cookie"] and "SameSite=Strict" in form.headers["set-cookie"]
    client, reply = sign_in(console, client=client)
    session_cookie = [c for c in reply.raw.headers.getlist("Set-Cookie") if c.startswith("bma_console_session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie and "Path=/" in session_cookie
    assert "Secure" not in session_cookie  # plain HTTP on loopback; see the next test for HTTPS
    token = client.cookies["bma_console_session"]
    assert client.get(console.url + "/journal").status_code == 200
    page = client.get(console.url + "/tableau-de-bord")
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    out = client.post(console.url + "/deconnexion", data={"csrf_token": csrf(page.text)}, allow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/connexion"
    # The old cookie no longer opens anything (the session is gone from the database).
    replay = requests.get(console.url + "/tableau-de-bord", cookies={"bma_console_session": token}, allow_redirects=False)
    assert replay.status_code == 303
    actions = [a for (a,) in sqlite3.connect(site["workdir"] / "console.sqlite3").execute(
        "SELECT action FROM console_audit WHERE login = ?", (LOGIN,))]
    assert "connexion" in actions and "déconnexion" in actions


def test_secure_flag_behind_https(site):
    """BMA_CONSOLE_SECURE=1 (the console behind HTTPS): every cookie is Secure. A client over
    plain HTTP does not send them back, so this test sends the sign-in cookie itself."""
    url = site["secure"].url
    form = requests.get(url + "/connexion")
    assert "Secure" in form.headers["set-cookie"]
    token = csrf(form.text)
    reply = requests.post(url + "/connexion", allow_redirects=False, headers={"Cookie": f"bma_console_signin={token}"},
                          data={"csrf_token": token, "identifiant": LOGIN, "mot_de_passe": PASSWORD})
    assert reply.status_code == 303
    cookies = reply.raw.headers.getlist("Set-Cookie")
    session_cookie = [c for c in cookies if c.startswith("bma_console_session=")][0]
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie


def test_lock_out_after_five_wrong_passwords(site):
    console = site["console"]
    created = create_account(site["env"], "agent.etnic", PASSWORD + "-etnic")
    assert created.returncode == 0
    for attempt in range(1, 6):
        _, reply = sign_in(console, "agent.etnic", f"mauvais-{attempt}")
        assert reply.status_code == (429 if attempt == 5 else 401), attempt
        assert "Identifiant ou mot de passe incorrect" in reply.text or attempt == 5
    _, reply = sign_in(console, "agent.etnic", PASSWORD + "-etnic")  # the right password, too late
    assert reply.status_code == 429 and "15 minutes" in reply.text
    # An unknown login gets exactly the same answers (no way to tell which logins exist).
    replies = [sign_in(console, "personne.inconnue", f"x-{i}")[1].status_code for i in range(6)]
    assert replies == [401, 401, 401, 401, 429, 429]
    # A reset by the command line unlocks it.
    assert create_account(site["env"], "agent.etnic", PASSWORD + "-neuf", "reset").returncode == 0
    assert sign_in(console, "agent.etnic", PASSWORD + "-neuf")[1].status_code == 303
    deadline = time.monotonic() + 10  # refusals reach the journal every 2 s (console.app)
    while True:
        audit = [a for (a,) in sqlite3.connect(site["workdir"] / "console.sqlite3").execute(
            "SELECT action FROM console_audit WHERE login = 'agent.etnic'")]
        if "connexion refusée" in audit or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "compte verrouillé" in audit and "connexion refusée" in audit


def test_argon2_hash_stored_never_the_password(site):
    database = site["workdir"] / "console.sqlite3"
    (stored,) = sqlite3.connect(database).execute("SELECT password_hash FROM console_staff WHERE login = ?",
                                                  (LOGIN,)).fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    from argon2 import PasswordHasher
    assert PasswordHasher().verify(stored, PASSWORD)
    for path in site["workdir"].glob("*"):  # databases, WAL files, logs
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    assert PASSWORD not in site["created"].stdout + site["created"].stderr
    # The command refuses a weak password, without echoing it.
    weak = create_account(site["env"], "agent.court", "court")
    assert weak.returncode == 2 and "court" in weak.stderr and "Mot de passe trop court" in weak.stderr


def test_public_page_origin_cannot_call_the_console(site, staff):
    """The public page (another origin) gets no CORS header: a browser there can read nothing."""
    url = site["console"].url
    public_origin = "http://127.0.0.1:8080"
    page = staff.get(url + "/tableau-de-bord", headers={"Origin": public_origin})
    assert page.status_code == 200
    assert not [h for h in page.headers if h.lower().startswith("access-control-")]
    assert page.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert page.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    preflight = requests.options(url + "/boite-de-reception", headers={
        "Origin": public_origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code >= 400
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]
    export = staff.get(url + "/tableau-de-bord.csv", headers={"Origin": public_origin})
    assert "access-control-allow-origin" not in {h.lower() for h in export.headers}
    # The console listens on loopback only by default.
    from tests.integration.test_run_script import listening_addresses
    assert listening_addresses(site["console"].port) == {"127.0.0.1"}


# --- dashboard --------------------------------------------------------------------------------
def test_dashboard_figures_charts_and_csv(site, staff):
    url = site["console"].url
    page = staff.get(url + "/tableau-de-bord")
    assert page.status_code == 200
    text = visible(page.text)
    assert "Conversations 6 " in text  # a to f; conv-old is outside the last 30 days
    assert "Messages des utilisateurs 13 " in text
    assert "Taux de clarification (« Vouliez-vous dire… ») 15,4 %" in text  # 2 of 13
    assert "Questions hors FAQ 1 " in text and "Transferts vers une personne 1 " in text
    assert "« Aucune de ces propositions » 1 " in text and "Messages préparés (tickets) 3 " in text
    assert "J'ai perdu le nouveau mot de passe 2" in text  # answers by FAQ topic (table)
    assert "SGNE (équipe migration) 2" in text and "Service Desk de l'ETNIC 1" in text
    # Hand-offs by the desk they named (conv-b: no topic asked, so both desks), mailboxes looked up by phase.
    handoffs = text[text.index("Transferts vers une personne, par service indiqué"):][:200]
    assert "SGNE (équipe migration) 1" in handoffs and "Service Desk de l'ETNIC 1" in handoffs
    phases = text[text.index("Adresses BMA consultées, par phase de la migration Phase"):][:200]
    assert "boîte migrée 1" in phases and "adresse inconnue du registre 1" in phases
    # Each chart is an SVG image with a title, followed by a data table with a caption.
    assert page.text.count('<svg class="chart" role="img"') == 6 and page.text.count("<caption>") >= 6
    # A chosen period: two months ago only.
    # The day of conv-old as the console counts days (Europe/Brussels), not the machine's UTC date.
    old = dt.datetime.fromtimestamp(time.time() - 60 * 86400, ZoneInfo("Europe/Brussels")).date().isoformat()
    earlier = visible(staff.get(url + f"/tableau-de-bord?du={old}&au={old}").text)
    assert "Conversations 1 " in earlier and "Qu'est-ce qui change ? 1" in earlier
    assert "AAAA-MM-JJ" in staff.get(url + "/tableau-de-bord?du=hier").text
    export = staff.get(url + "/tableau-de-bord.csv")
    assert export.headers["Content-Type"].startswith("text/csv") and "attachment" in export.headers["Content-Disposition"]
    rows = [line.split(";") for line in export.text.lstrip("\ufeff").splitlines()]
    assert ["totaux", "messages", "messages", "13"] in rows
    assert ["totaux", "clarifications (« Vouliez-vous dire… »)", "clarification", "2"] in rows
    assert ["tickets par service", "SGNE (équipe migration)", "sgne", "2"] in rows
    assert ["taux", "taux de clarification", "clarification", "0.1538"] in rows
    assert ["transferts par service", "Service Desk de l'ETNIC", "etnic", "1"] in rows
    assert ["boîtes consultées par phase", "boîte migrée", "migrated", "1"] in rows
    assert ["boîtes consultées par phase", "adresse inconnue du registre", "unknown", "1"] in rows
    assert "export" in visible(staff.get(url + "/journal").text)


def brussels_today() -> dt.date:
    """Today as the console counts days (Europe/Brussels), not the machine's UTC date."""
    return dt.datetime.now(ZoneInfo("Europe/Brussels")).date()


# --- inbox and labelling ----------------------------------------------------------------------
def decide(site, staff, group: str, action: str, intent: str | None = None):
    url = site["console"].url
    token = csrf(staff.get(url + "/boite-de-reception").text)
    form = {"csrf_token": token, "groupe": group, "action": action}
    if intent:
        form["intention"] = intent
    return staff.post(url + "/boite-de-reception", data=form)


def test_inbox_groups_similar_messages_with_reasons(site, staff):
    page = staff.get(site["console"].url + "/boite-de-reception")
    text = visible(page.text)
    # The two « outlook plante » messages are one group, with every reason they got.
    assert "« Outlook plante depuis hier ! »" in text and "2 message(s)" in text
    group = text[text.index("« Outlook plante depuis hier ! »"):][:600]
    for reason in ("« Vouliez-vous dire… » proposé", "« Aucune de ces propositions »", "non compris", "confiance faible"):
        assert reason in group
    assert "Compris comme : Que dois-je faire pour migrer ? (confiance 41,0 %)" in group
    assert "hors FAQ" in text and "« est-ce que les archives de 2010 seront gardées »" in text
    assert "« mon mot de passe [secret masqué] ne marche plus »" in text  # masked text only
    assert "« bonjour »" not in text and "« qu'est-ce qui change ? »" not in text  # understood: not there
    # The label choices are the intent contract's labels (bma/intents.py).
    assert '<option value="faq_lost_new_password"' in page.text and '<option value="affirm"' not in page.text


def test_labelling_writes_valid_nlu_data(site, staff):
    nlu = site["nlu"]
    before = {p.name: p.read_text() for p in nlu.glob("*.yml")}
    reply = decide(site, staff, "outlook plante depuis hier", "label", "faq_more_questions")
    assert reply.status_code == 200 and "Classé comme « Contacter l'équipe migration ou l'ETNIC »" in visible(reply.text)
    assert "exemple ajouté à inbox.yml" in visible(reply.text)
    decide(site, staff, "mon mot de passe secret masque ne marche plus", "label", "faq_lost_new_password")
    decide(site, staff, "ou en est adresse_bma svp", "label", "check_migration_status")
    decide(site, staff, "quelle meteo demain a namur", "out_of_scope")
    # Already an example of faq_bma_definition in faq_general.yml: another intent is refused…
    conflict = decide(site, staff, "c est quoi une bma", "label", "faq_migration_reason")
    assert conflict.status_code == 409
    assert "déjà un exemple de « Qu'est-ce qu'une BMA ? » dans faq_general.yml" in visible(conflict.text)
    # …the same intent adds nothing.
    same = decide(site, staff, "c est quoi une bma", "label", "faq_bma_definition")
    assert "déjà présent dans faq_general.yml" in visible(same.text)
    assert "déjà été traité" in visible(decide(site, staff, "c est quoi une bma", "ignore").text)
    # A question of the independent held-out file (or one close to it) is never learnt.
    from analytics.inbox import group_key
    from console.training_data import read_examples
    from evaluation.paths import HELD_OUT
    held_out = next(text for intent, text in read_examples(HELD_OUT)
                    if intent.startswith("faq_") and len(text.split()) >= 5 and "[" not in text)
    synthetic.write(events_engine(site["env"]["BMA_EVENTS_DB_URL"]), synthetic.session_start("conv-h", time.time())
                    + synthetic.turn("conv-h", time.time(), held_out + " svp", "faq_not_covered", 0.3,
                                     "action_answer_faq", "La FAQ ne répond pas à cette question."))
    close = decide(site, staff, group_key(held_out + " svp"), "label", "faq_more_questions")
    assert close.status_code == 409 and "ressemble trop à une question du jeu de test indépendant" in visible(close.text)
    decide(site, staff, group_key(held_out + " svp"), "ignore")

    inbox_file = nlu / "inbox.yml"
    assert {p.name: p.read_text() for p in nlu.glob("*.yml") if p.name != "inbox.yml"} == before
    content = inbox_file.read_text()
    assert "- Outlook plante depuis hier !" in content
    assert "- mon mot de passe XXXXXX ne marche plus" in content and "secret masqué" not in content
    assert "- où en est [ec000123@adm.cfwb.be](bma_address) svp" in content
    assert "- intent: out_of_scope" in content and "- quelle météo demain à Namur" in content
    # Rasa's own reader sees the examples, intents and the entity.
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(inbox_file))
    examples = {(m.get("intent"), m.get("text")) for m in data.intent_examples}
    assert ("faq_more_questions", "Outlook plante depuis hier !") in examples
    assert ("check_migration_status", "où en est ec000123@adm.cfwb.be svp") in examples
    assert {e["entity"] for m in data.intent_examples for e in m.get("entities") or []} == {"bma_address"}
    # `rasa data validate --fail-on-warnings` stays clean on a copy of the project with these data.
    project = site["workdir"] / "project"
    shutil.copytree(ROOT / "data", project / "data")
    shutil.rmtree(project / "data" / "nlu")
    shutil.copytree(nlu, project / "data" / "nlu")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, project / name)
    run = subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings"], cwd=project,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore",
                              "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"})
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert not re.search(r"UserWarning|WARNING|ERROR", output), output[-3000:]


def test_faq_list_ignore_and_audit(site, staff):
    url = site["console"].url
    reply = decide(site, staff, "est ce que les archives de 2010 seront gardees", "faq")
    assert "Ajouté à la liste des questions pour la FAQ" in visible(reply.text)
    assert "Ignoré" in visible(decide(site, staff, "blabla test", "ignore").text)
    faq = visible(staff.get(url + "/faq-a-ajouter").text)
    assert "est-ce que les archives de 2010 seront gardées" in faq and LOGIN in faq
    export = staff.get(url + "/faq-a-ajouter.csv")
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("question (texte masqué);messages")
    assert lines[1].startswith("est-ce que les archives de 2010 seront gardées;1;")
    remaining = visible(staff.get(url + "/boite-de-reception").text)
    assert "blabla test" not in remaining and "archives de 2010" not in remaining
    done = visible(staff.get(url + "/boite-de-reception?vue=traites").text)
    assert "ignoré" in done and "à ajouter à la FAQ" in done and "classé — Contacter l'équipe migration" in done
    journal = visible(staff.get(url + "/journal").text)
    for action in ("c'est la question", "hors sujet", "question à ajouter à la FAQ", "ignorer", "export", "connexion"):
        assert f" {action} " in journal, action
    # The audit log names a group by a message number, never by the user's words (console/audit.py).
    details = [detail for (detail,) in sqlite3.connect(site["workdir"] / "console.sqlite3").execute(
        "SELECT detail FROM console_audit WHERE action IN ('c''est la question', 'hors sujet', "
        "'question à ajouter à la FAQ', 'ignorer')")]
    assert len(details) >= 2 and all(re.search(r"groupe du message n°\d+", d) for d in details), details
    assert not [d for d in details if re.search(r"archives|blabla|outlook|«", d, re.I)], details


# --- feedback from the real widget's page, through the real Rasa server ------------------------
@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Action server + Rasa (REST channel, SQL event broker, a Redis lock store of its own when
    redis-server is installed) + the web page + the console."""
    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    workdir = tmp_path_factory.mktemp("console-live")
    db_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
    assert registry.import_csv(REGISTRY_CSV.encode(), db_url).ok
    dispose()
    events_path = workdir / "events.sqlite3"
    env = {"BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15", "BMA_EVENTS_DB_URL": f"sqlite:///{events_path}",
           "BMA_NLU_DIR": str(workdir), "BMA_CONSOLE_INGEST_SECONDS": "1", "BMA_METRICS_TOKEN": METRICS_TOKEN}
    endpoints = f"event_broker:\n  type: SQL\n  dialect: sqlite\n  db: {events_path}\n"
    redis = None
    if shutil.which("redis-server"):  # stopped by test_metrics_…: Rasa then fails to lock a conversation
        redis_port = free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        endpoints += f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {redis_port}\n  db: 0\n"
    servers = Servers(workdir, env, model, endpoints_extra=endpoints)
    web = console = None
    try:
        servers.start_actions()
        servers.start_rasa()
        web_port = free_port()
        web_log = workdir / "web.log"
        web = subprocess.Popen([sys.executable, "-m", "web.app", "--port", str(web_port)], cwd=ROOT,
                               env={**servers.env, **env}, stdout=web_log.open("w"), stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{web_port}/health", web, 60, web_log)
        assert create_account(env, LOGIN, PASSWORD).returncode == 0
        console = Console(workdir, env)
        yield {"servers": servers, "web": f"http://127.0.0.1:{web_port}", "console": console, "workdir": workdir,
               "redis": redis}
    finally:
        if console:
            console.stop()
        if web:
            web.terminate()
            web.wait(10)
        servers.stop()
        if redis and redis.poll() is None:
            redis.terminate()
            redis.wait(10)
        dispose()


def test_feedback_is_linked_to_the_answer_it_rates(live):
    servers, web = live["servers"], live["web"]
    sender = f"fb-{uuid.uuid4().hex[:12]}"
    servers.say(sender, "j'ai perdu le nouveau mot de passe")
    answer = servers.say(sender, "ec000001@adm.cfwb.be")
    last_bubble = bubbles(answer[-1]["text"])[-1]  # what the socket.io widget shows last
    vote = {"session_id": sender, "digest": digest(last_bubble), "occurrence": 1, "rating": "down", "reason": "incorrect"}
    post = lambda body, **kw: requests.post(web + "/feedback", json=body, timeout=10, **kw)  # noqa: E731
    assert post(vote).status_code == 204
    # Malformed votes, forms and other origins are refused.
    assert post({**vote, "rating": "bof"}).status_code == 400
    assert post({**vote, "reason": "<script>"}).status_code == 400
    assert post({**vote, "session_id": "x" * 200}).status_code == 400
    assert requests.post(web + "/feedback", data=vote, timeout=10).status_code == 415
    assert post(vote, headers={"Origin": "https://ailleurs.example"}).status_code == 403
    # A 👍 on a bubble that does not exist is kept as unresolved, never linked to anything else.
    assert post({**vote, "digest": "00000000", "rating": "up", "reason": None}).status_code == 204

    client, reply = sign_in(live["console"])
    assert reply.status_code == 303
    page = visible(client.get(live["console"].url + "/tableau-de-bord").text)
    assert "Réponses jugées pas utiles 1 " in page and "Réponses jugées utiles 1 " in page
    assert "J'ai perdu le nouveau mot de passe 0 1" in page  # 👍 0, 👎 1 for that topic
    assert "incorrect 1" in page
    rows = sqlite3.connect(live["workdir"] / "registry.sqlite3").execute(
        "SELECT rating, reason, status, intent, action, phase, model_id, digest FROM feedback ORDER BY id").fetchall()
    assert rows[0][:6] == ("down", "incorrect", "resolved", "faq_lost_new_password", "action_answer_faq", "password_sent")
    assert re.fullmatch(r"[0-9a-f]{32}", rows[0][6])
    assert rows[1][2] == "pending"  # resolved or given up after 10 minutes; never guessed
    columns = [c[1] for c in sqlite3.connect(live["workdir"] / "registry.sqlite3").execute("PRAGMA table_info(feedback)")]
    assert not {"text", "address", "user_text", "name"} & set(columns)
    # The rated question goes to the inbox with « réponse jugée pas utile ».
    inbox = visible(client.get(live["console"].url + "/boite-de-reception").text)
    assert "« j'ai perdu le nouveau mot de passe »" in inbox and "réponse jugée pas utile" in inbox
    # Withdrawing the vote removes it.
    assert post({**vote, "rating": "none", "reason": None}).status_code == 204
    assert sqlite3.connect(live["workdir"] / "registry.sqlite3").execute(
        "SELECT count(*) FROM feedback WHERE rating = 'down'").fetchone() == (0,)


def test_metrics_of_real_traffic_errors_included(live):
    """Prometheus metrics from what the real Rasa server published: a message and its answer's
    latency; an answer given without the action server; the guarded channel's apology when Rasa
    itself fails (here: its lock store is gone)."""
    from prometheus_client.parser import text_string_to_metric_families

    from channels.web import FAILURE_FR
    from harness.servers import texts

    servers, console = live["servers"], live["console"]

    def scrape() -> dict:
        reply = requests.get(console.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
        assert reply.status_code == 200
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(reply.text) for s in family.samples}

    def waiting_for(condition) -> dict:
        for _ in range(40):  # the broker's rows are folded in within a second or two
            values = scrape()
            if condition(values):
                return values
            time.sleep(0.25)
        return values

    before = scrape()
    sender = f"m-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    assert "SMAIL2" in texts(servers.say(sender, "pourquoi cette migration ?"))
    took = time.monotonic() - started
    messages = ("bma_messages_total", ())
    after = waiting_for(lambda v: v[messages] == before[messages] + 1)
    assert after[messages] == before[messages] + 1
    count, total = ("bma_answer_latency_seconds_count", ()), ("bma_answer_latency_seconds_sum", ())
    assert after[count] == before[count] + 1
    assert 0 < after[total] - before[total] <= took  # measured from the events' own timestamps

    # The action server stops: the answer comes from rasa_patches' fallback, counted as an error.
    servers.stop_actions()
    assert "SMAIL2" in texts(servers.say(sender, "pourquoi cette migration ?"))
    action_server = ("bma_errors_total", (("channel", ""), ("kind", "action_server")))
    assert waiting_for(lambda v: v[action_server] == before[action_server] + 1)[action_server] == before[action_server] + 1

    # Rasa itself fails (its Redis lock store is gone): the channel apologises, and it is counted.
    if live["redis"] is None:
        from tests.conftest import service_missing
        service_missing("Redis", "redis-server is not installed")
    live["redis"].terminate()
    live["redis"].wait(10)
    assert FAILURE_FR in texts(servers.say(f"m-{uuid.uuid4().hex[:12]}", "qu'est-ce qu'une BMA ?"))
    apology = ("bma_errors_total", (("channel", "rest"), ("kind", "channel")))
    assert scrape().get(apology) == before.get(apology, 0) + 1


# --- PostgreSQL: Rasa's broker and the console's tables --------------------------------------
def test_postgresql_event_broker_and_console_tables(postgres_admin_url):
    import asyncio

    from rasa.core.brokers.broker import EventBroker
    from rasa.utils.endpoints import read_endpoint_config
    from sqlalchemy import create_engine, text

    from analytics import ingest
    from console import dashboard
    from console.config import settings

    name = f"bma_console_{uuid.uuid4().hex[:8]}"
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"{name}.yml"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = postgres_admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        # The broker section of deploy/endpoints.local-cluster.yml, pointed at the throw-away database.
        endpoints = Path(ROOT / "deploy" / "endpoints.local-cluster.yml").read_text().replace("bma_events", name)
        path.write_text(endpoints)
        broker = asyncio.run(EventBroker.create(read_endpoint_config(str(path), "event_broker")))
        from rasa.core.brokers.sql import SQLEventBroker

        # deploy/'s broker: Rasa's SQL event broker with one insert per message, same table and rows
        assert type(broker).__name__ == "LeanSQLEventBroker" and isinstance(broker, SQLEventBroker)
        for event in known_traffic(time.time()):
            broker.publish(event)
        config = settings({"BMA_DB_URL": url, "BMA_EVENTS_DB_URL": url})
        assert ingest.catch_up(config)["events"] > 0
        figures = dashboard.figures(url, brussels_today() - dt.timedelta(days=29), brussels_today())
        assert figures.totals["messages"] == 13 and figures.totals["clarification"] == 2
        assert ingest.catch_up(config)["events"] == 0  # each event counted once
    finally:
        path.unlink(missing_ok=True)
        dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_events_are_counted_once_and_in_order(tmp_path):
    """Two catch-ups over the same rows, and a reason arriving in a later batch than its message."""
    from analytics import ingest
    from console.config import settings

    config = settings({"BMA_DB_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                       "BMA_EVENTS_DB_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
    events = known_traffic(time.time())
    engine = events_engine(config.events_url)
    # Cut between the « outlook » message and its clarification: the reason comes one batch later.
    cut = next(i for i, e in enumerate(events) if e.get("name") == "action_default_ask_affirmation")
    synthetic.write(engine, events[:cut])
    ingest.catch_up(config)
    synthetic.write(engine, events[cut:])
    ingest.catch_up(config)
    ingest.catch_up(config)
    from console import dashboard
    figures = dashboard.figures(config.db_url, brussels_today() - dt.timedelta(days=29), brussels_today())
    assert figures.totals["messages"] == 13 and figures.totals["conversations"] == 6
    from console import inbox
    groups = {g.key: g for g in inbox.groups(config.db_url)[0]}
    assert set(groups["outlook plante depuis hier"].reasons) == {"clarification", "none_of_these", "fallback",
                                                                 "low_confidence"}
    dispose()


def test_background_aggregation_without_any_page_request(site):
    """The console folds new broker events in on its own, every BMA_CONSOLE_INGEST_SECONDS."""
    engine = events_engine(site["env"]["BMA_EVENTS_DB_URL"])
    synthetic.write(engine, synthetic.session_start("conv-late", time.time())
                    + synthetic.turn("conv-late", time.time(), "merci", "thanks", 0.99, "utter_thanks", "Avec plaisir !"))
    (last,) = sqlite3.connect(site["workdir"] / "events.sqlite3").execute("SELECT max(id) FROM events").fetchone()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        row = sqlite3.connect(site["workdir"] / "console.sqlite3").execute(
            "SELECT last_event_id FROM analytics_cursor WHERE name = 'events'").fetchone()
        if row and row[0] == last:
            break
        time.sleep(0.5)
    assert row and row[0] == last
    dispose()


def test_console_before_rasa_never_creates_the_broker_table(tmp_path):
    """Started before Rasa ever wrote an event, the console shows zeros and leaves the `events`
    table to Rasa (two processes creating it at once could stop Rasa at start-up)."""
    from analytics import ingest
    from console import dashboard
    from console.config import settings

    config = settings({"BMA_DB_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                       "BMA_EVENTS_DB_URL": f"sqlite:///{tmp_path / 'events.sqlite3'}"})
    assert ingest.catch_up(config) == {"events": 0, "feedback": 0, "behind": False}
    assert ingest.status(config)[1] == 0
    assert dashboard.figures(config.db_url, dt.date.today(), dt.date.today()).totals["messages"] == 0
    tables = sqlite3.connect(tmp_path / "events.sqlite3").execute("SELECT name FROM sqlite_master").fetchall()
    assert ("events",) not in tables
    dispose()


def test_aggregation_waits_at_a_gap_in_event_ids(monkeypatch):
    """Several Rasa instances on PostgreSQL: a missing id may be a row not yet committed. The
    aggregation stops before it, then goes on once the gap is older than GAP_WAIT_SECONDS."""
    from analytics import ingest

    rows = [(11, "a", "{}"), (12, "a", "{}"), (14, "b", "{}"), (15, "b", "{}")]
    ingest._gaps.clear()
    assert ingest._until_gap(rows, 10) == rows[:2]
    assert ingest._until_gap(rows[2:], 12) == []  # still waiting for 13
    monkeypatch.setattr(ingest, "GAP_WAIT_SECONDS", 0.0)
    assert ingest._until_gap(rows[2:], 12) == rows[2:]  # 13 given up (a rolled-back insert)
    assert ingest._until_gap(rows, 10)[:2] == rows[:2]
