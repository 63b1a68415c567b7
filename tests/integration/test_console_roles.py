"""Roles of the console, route by route: « lecture », « support », « admin » (each with the rights
of the one before), set with `python -m console.accounts`, enforced on every route (403 in
French, nothing done), the menu showing only what the role opens; accounts from before roles
become admin (SQLite and PostgreSQL), and the unknown logins of their audit rows are hidden."""
import os
import sqlite3
import subprocess
import sys

import pytest
import requests
from sqlalchemy import create_engine, inspect, text

from bma import registry
from console import accounts
from console.db import console_engine, dispose
from console.logins import keyed
from harness.servers import ROOT
from tests.conftest import postgres_database
from tests.integration.test_console import Console, csrf, visible
from tests.integration.test_console_attack import PASSWORD, console_routes, make_account

# Every route of the console and the lowest role that opens it.
ROUTES = {
    ("GET", "/"): "lecture",
    ("GET", "/tableau-de-bord"): "lecture",
    ("GET", "/tableau-de-bord.csv"): "lecture",
    ("GET", "/conversations"): "lecture",
    ("GET", "/conversations/<ref:int>"): "lecture",
    ("GET", "/metrics"): "lecture",
    ("POST", "/deconnexion"): "lecture",
    ("GET", "/boite-de-reception"): "support",
    ("POST", "/boite-de-reception"): "support",
    ("GET", "/faq-a-ajouter"): "support",
    ("GET", "/faq-a-ajouter.csv"): "support",
    ("GET", "/tickets"): "support",
    ("POST", "/tickets"): "support",
    ("GET", "/journal"): "admin",
    ("GET", "/comptes"): "admin",
    ("GET", "/modeles"): "admin",
    ("POST", "/modeles/reentrainer"): "admin",
    ("POST", "/modeles/mesurer"): "admin",
    ("POST", "/modeles/revenir"): "admin",
}
PUBLIC = {("GET", "/connexion"), ("POST", "/connexion"), ("GET", "/static/<name:path>")}
LOGINS = {"lecture": "agent.lecture", "support": "agent.support", "admin": "chef.admin"}


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console.accounts", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **env})


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console-roles")
    env = {"BMA_DB_URL": f"sqlite:///{workdir / 'console.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{workdir / 'events.sqlite3'}", "BMA_NLU_DIR": str(workdir / "nlu"),
           "BMA_CONSOLE_INGEST_SECONDS": "3600", "BMA_CONSOLE_SIGNIN_PER_MINUTE": "1000", "BMA_CONSOLE_SECRET": "r",
           # « Modèles » with no Rasa API token: a POST there is refused (503) and starts nothing.
           "BMA_API_TOKEN": "", "BMA_RASA_URL": "http://127.0.0.1:9", "BMA_MODELS_DIR": str(workdir / "models")}
    make_account(env, LOGINS["admin"])  # the first account: admin without being told
    make_account(env, LOGINS["support"], "support")
    make_account(env, LOGINS["lecture"])  # the next ones: lecture without being told
    ticket = registry.record_ticket(route="sgne", address=None, last_name="X", first_name="Y", description="…",
                                    conversation_id="conv-a", url=env["BMA_DB_URL"])
    dispose()
    console = Console(workdir, env, name="console-roles")
    try:
        yield {"console": console, "env": env, "workdir": workdir, "ticket": ticket}
    finally:
        console.stop()
        dispose()


def signed_in(console, login: str) -> tuple[requests.Session, str]:
    client = requests.Session()
    form = client.get(console.url + "/connexion")
    reply = client.post(console.url + "/connexion", allow_redirects=False, data={
        "csrf_token": csrf(form.text), "identifiant": login, "mot_de_passe": PASSWORD})
    assert reply.status_code == 303, reply.text
    return client, csrf(client.get(console.url + "/tableau-de-bord").text)


def test_the_table_names_every_route():
    assert set(console_routes()) == set(ROUTES) | PUBLIC


def test_the_command_sets_and_lists_roles(office):
    listed = dict(line.split("\t") for line in cli(office["env"], "list").stdout.split("\n") if line)
    assert listed == {"chef.admin": "admin", "agent.support": "support", "agent.lecture": "lecture"}
    wrong = cli(office["env"], "role", "agent.lecture", "patron")
    assert wrong.returncode != 0 and "invalid choice" not in wrong.stdout
    assert "Rôle inconnu « patron »" in wrong.stderr
    missing = cli(office["env"], "role", "personne.x", "admin")
    assert missing.returncode == 2 and "n'existe pas" in missing.stderr
    created = subprocess.run([sys.executable, "-m", "console.accounts", "create", "agent.nouveau", "--role", "support"],
                             input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
                             env={**os.environ, "PYTHONPATH": str(ROOT), **office["env"]})
    assert created.returncode == 0 and "rôle : support" in created.stdout


@pytest.mark.parametrize("role", ["lecture", "support", "admin"])
def test_each_route_for_each_role(office, role):
    console = office["console"]
    client, token = signed_in(console, LOGINS[role])
    allowed_seen = refused_seen = 0
    for (method, path), needed in sorted(ROUTES.items(), key=lambda item: item[0][1] == "/deconnexion"):
        url = console.url + path.replace("<ref:int>", "1")
        data = {"csrf_token": token}
        if path == "/tickets":
            data.update(ticket=str(office["ticket"]), statut="done")
        if path == "/boite-de-reception":
            data.update(groupe="n'existe pas", action="ignore")
        reply = client.request(method, url, data=data if method == "POST" else None, allow_redirects=False,
                               timeout=30)
        if accounts.allows(role, needed):
            allowed_seen += 1
            assert reply.status_code not in (401, 403) and (reply.status_code < 500 or path.startswith("/modeles/")), \
                (role, method, path, reply.status_code)
        else:
            refused_seen += 1
            assert reply.status_code == 403, (role, method, path, reply.status_code)
            assert f"Accès refusé : votre rôle « {role} » ne permet pas" in visible(reply.text), (method, path)
            assert f"rôle « {needed} » nécessaire" in visible(reply.text)
    assert allowed_seen == sum(accounts.allows(role, n) for n in ROUTES.values())
    assert refused_seen == len(ROUTES) - allowed_seen
    # A ticket changes only for a role that may change it.
    (status,) = sqlite3.connect(office["workdir"] / "console.sqlite3").execute(
        "SELECT status FROM tickets WHERE id = ?", (office["ticket"],)).fetchone()
    if role == "lecture":
        assert status == "open"
    else:
        assert status == "done"
        sqlite3.connect(office["workdir"] / "console.sqlite3").execute("UPDATE tickets SET status = 'open'").connection.commit()


def test_the_menu_shows_what_the_role_opens(office):
    console = office["console"]
    for role, login in LOGINS.items():
        client, _ = signed_in(console, login)
        page = client.get(console.url + "/tableau-de-bord").text
        links = {href for href in ("/boite-de-reception", "/tickets", "/faq-a-ajouter", "/modeles", "/journal",
                                   "/comptes", "/conversations") if f'href="{href}"' in page}
        expected = {"/conversations"} | ({"/boite-de-reception", "/tickets", "/faq-a-ajouter"} if role != "lecture" else
                                         set()) | ({"/modeles", "/journal", "/comptes"} if role == "admin" else set())
        assert links == expected, role
        assert f"(rôle : {role})" in visible(page)


def test_a_new_role_applies_at_the_next_request(office):
    console = office["console"]
    client, _ = signed_in(console, "agent.lecture")
    assert client.get(console.url + "/boite-de-reception", timeout=30).status_code == 403
    assert cli(office["env"], "role", "agent.lecture", "support").returncode == 0
    try:
        assert client.get(console.url + "/boite-de-reception", timeout=30).status_code == 200
        admin, _ = signed_in(console, "chef.admin")
        journal = visible(admin.get(console.url + "/journal").text)
        assert "rôle modifié" in journal and "compte agent.lecture : lecture → support" in journal
        accounts_page = visible(admin.get(console.url + "/comptes").text)
        assert "agent.lecture support" in accounts_page and "chef.admin admin" in accounts_page
    finally:
        assert cli(office["env"], "role", "agent.lecture", "lecture").returncode == 0


# --- a database from before roles ----------------------------------------------------------------------
OLD_TABLES = [
    "CREATE TABLE console_staff (id {serial} PRIMARY KEY, login VARCHAR(64) NOT NULL UNIQUE, "
    "password_hash VARCHAR(255) NOT NULL, created_at TIMESTAMP NOT NULL, password_changed_at TIMESTAMP NOT NULL, "
    "last_sign_in_at TIMESTAMP)",
    "CREATE TABLE console_audit (id {serial} PRIMARY KEY, at TIMESTAMP NOT NULL, login VARCHAR(64) NOT NULL, "
    "action VARCHAR(32) NOT NULL, detail TEXT)",
    "CREATE TABLE console_sign_in_attempts (login VARCHAR(64) PRIMARY KEY, failures INTEGER NOT NULL, "
    "last_failure_at TIMESTAMP, locked_until TIMESTAMP)",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}", "INTEGER"
        dispose()
        return
    request.getfixturevalue("postgres_admin_url")
    with postgres_database("bma_roles") as url:
        try:
            yield url, "SERIAL"
        finally:
            dispose()


def test_accounts_from_before_roles_become_admin_and_unknown_logins_are_hidden(old_database, monkeypatch):
    url, serial = old_database
    monkeypatch.setenv("BMA_CONSOLE_SECRET", "cle-de-test")
    typed = "motdepasse-tape-comme-identifiant"
    old = create_engine(url)
    with old.begin() as conn:
        for statement in OLD_TABLES:
            conn.execute(text(statement.format(serial=serial)))
        conn.execute(text("INSERT INTO console_staff (login, password_hash, created_at, password_changed_at) "
                          "VALUES ('agent.ancien', :hash, '2024-10-01 09:00:00.000000', '2024-10-01 09:00:00.000000')"),
                     {"hash": accounts._hasher.hash(PASSWORD)})
        for login, action in ((typed, "échec de connexion"), (typed, "compte verrouillé"),
                              ("agent.ancien", "échec de connexion"), ("agent.ancien", "connexion")):
            conn.execute(text("INSERT INTO console_audit (at, login, action) VALUES ('2024-10-02 09:00:00.000000', :l, :a)"),
                         {"l": login, "a": action})
        conn.execute(text("INSERT INTO console_sign_in_attempts (login, failures) VALUES (:l, 3)"), {"l": typed})
    old.dispose()
    engine = console_engine(url)
    assert not inspect(engine).has_table("console_sign_in_attempts")  # held unknown logins in clear
    with engine.connect() as conn:
        assert conn.execute(text("SELECT login, role FROM console_staff")).all() == [("agent.ancien", "admin")]
        logins = [login for (login,) in conn.execute(text("SELECT login FROM console_audit ORDER BY id"))]
    mark = "inconnu:" + keyed("login", typed)[:12]
    assert logins == [mark, mark, "agent.ancien", "agent.ancien"]
    # The old account signs in, with its rights intact.
    assert accounts.authenticate(url, "agent.ancien", PASSWORD, client="192.0.2.1").outcome is accounts.Outcome.OK
