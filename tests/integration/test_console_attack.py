"""The console under attack, as it runs: `python -m console.app` on loopback, its tables on SQLite
and on PostgreSQL, hit by real parallel requests (threads, bounded in count and time).

- a burst of wrong passwords gets at most MAX_FAILURES Argon2 checks (read on /metrics), never a
  5xx, and a correct password sent while the login is locked does not sign in;
- the lock-out holds the attacker's address only; a spread-out attack locks the login for the
  addresses the account never signed in from, not for its own;
- tries per address and minute (429), Argon2 checks at once (503), both with Retry-After;
- a flood writes a handful of audit rows; an unknown login never reaches the database in clear.
"""
import functools
import http.client
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from console import accounts
from console.db import dispose
from harness.servers import ROOT
from tests.integration.test_console import Console, csrf, visible

PASSWORD = "Correct-Cheval-Pile-2024"
TOKEN = "jeton-des-metriques-attaque"
SECRET = "secret-de-test-des-empreintes"
PROXY_ENV = {"BMA_CONSOLE_TRUSTED_PROXY": "127.0.0.1"}  # the tests play the proxy: X-Forwarded-For names the client


def make_account(env: dict, login: str, role: str | None = None, password: str = PASSWORD) -> None:
    command = [sys.executable, "-m", "console.accounts", "create", login] + (["--role", role] if role else [])
    done = subprocess.run(command, input=password + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **env})
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    """The console's database: a temporary SQLite file, or a fresh PostgreSQL database."""
    workdir = tmp_path_factory.mktemp(f"attack-{request.param}")
    if request.param == "sqlite":
        yield {"kind": "sqlite", "url": f"sqlite:///{workdir / 'console.sqlite3'}", "workdir": workdir}
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"bma_attack_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield {"kind": "postgresql", "url": admin_url.rsplit("/", 1)[0] + "/" + name, "workdir": workdir}
    finally:
        dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="module")
def fort(backend):
    """A console whose per-address limit and wait for a check are out of the way (the lock-out alone
    is under test),
    behind a « proxy » (the test) it trusts, with an admin and the victim « prenom.nom »."""
    env = {"BMA_DB_URL": backend["url"], "BMA_EVENTS_DB_URL": f"sqlite:///{backend['workdir'] / 'events.sqlite3'}",
           "BMA_CONSOLE_INGEST_SECONDS": "3600", "BMA_METRICS_TOKEN": TOKEN, "BMA_CONSOLE_SECRET": SECRET,
           "BMA_CONSOLE_SIGNIN_PER_MINUTE": "100000", "BMA_CONSOLE_PASSWORD_WAIT": "60", **PROXY_ENV}
    make_account(env, "chef.admin")  # the first account: admin
    for login in ("prenom.nom", "victime.deux", "victime.trois", "victime.quatre"):
        make_account(env, login, "lecture")
    console = Console(backend["workdir"], env, name="console-fort")
    try:
        yield {**backend, "console": console, "env": env}
    finally:
        console.stop()
        dispose()


@functools.lru_cache(maxsize=1)
def console_routes() -> tuple[tuple[str, str], ...]:
    """(method, path) of every route of console.app (Sanic wants one app per name: this one is
    registered only while its routes are read)."""
    from sanic import Sanic

    from console.app import create_app

    Sanic._app_registry.pop("bma_console", None)
    try:
        return tuple(sorted((method, "/" + route.path) for route in create_app().router.routes
                            for method in route.methods - {"HEAD"}))
    finally:
        Sanic._app_registry.pop("bma_console", None)


def form_token(console) -> str:
    return csrf(requests.get(console.url + "/connexion", timeout=10).text)


def attempt(console, token: str, login: str, password: str, client: str | None = None) -> requests.Response:
    """One sign-in, with its own connection (threads share nothing)."""
    headers = {"X-Forwarded-For": client} if client else {}
    return requests.post(console.url + "/connexion", allow_redirects=False, timeout=60, headers=headers,
                         cookies={"bma_console_signin": token},
                         data={"csrf_token": token, "identifiant": login, "mot_de_passe": password})


def burst(console, tries: list[tuple[str, str, str | None]]) -> list[requests.Response]:
    """All tries at once: each thread waits at a barrier, then sends."""
    token = form_token(console)
    barrier = threading.Barrier(len(tries), timeout=30)

    def go(one):
        barrier.wait()
        return attempt(console, token, *one)
    with ThreadPoolExecutor(len(tries)) as pool:
        return list(pool.map(go, tries, timeout=120))


def metric(console, name: str, **labels) -> float:
    body = requests.get(console.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).text
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise AssertionError(f"{name} {labels} not in /metrics")


def checks(console) -> int:
    return int(metric(console, "bma_console_password_checks_total"))


def rows(backend, query: str, **params) -> list[tuple]:
    if backend["kind"] == "sqlite":
        path = backend["url"][len("sqlite:///"):]
        with sqlite3.connect(path) as conn:
            return conn.execute(query, params).fetchall()
    engine = create_engine(backend["url"])
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query), params)]
    finally:
        engine.dispose()


def audit_of(backend, login: str, wait_for: str | None = None, count: int = 1) -> dict[str, list[int]]:
    """action → the occurrences of each of its rows for ``login``. Refusals reach the table within 2 s, a
    burst's in one or several flushes into the same row: wait until ``wait_for`` counts ``count``."""
    deadline = time.monotonic() + 10
    while True:
        found: dict[str, list[int]] = {}
        for action, occurrences in rows(backend, "SELECT action, occurrences FROM console_audit WHERE login = :login "
                                                 "ORDER BY id", login=login):
            found.setdefault(action, []).append(occurrences or 1)
        if wait_for is None or sum(found.get(wait_for, [])) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# --- 1. failures counted before each check, atomically --------------------------------------------
def test_a_parallel_burst_gets_at_most_five_checks_and_no_error(fort):
    console = fort["console"]
    before = checks(console)
    replies = burst(console, [("prenom.nom", f"mauvais-{i}", None) for i in range(24)])
    statuses = [r.status_code for r in replies]
    assert all(s < 500 for s in statuses), statuses
    assert sorted(statuses) == [401] * (accounts.MAX_FAILURES - 1) + [429] * (24 - accounts.MAX_FAILURES + 1), statuses
    assert checks(console) - before == accounts.MAX_FAILURES  # never more Argon2 checks than the lock-out allows
    locked = [r for r in replies if r.status_code == 429]
    assert all("connexion bloquée pendant 15 minutes" in visible(r.text) for r in locked)
    waits = [int(r.headers["Retry-After"]) for r in locked]
    assert all(0 < wait <= 15 * 60 for wait in waits), waits
    # Now locked: a second burst, the right password among wrong ones, gets no check and no session.
    before = checks(console)
    replies = burst(console, [("prenom.nom", PASSWORD if i % 4 == 0 else f"faux-{i}", None) for i in range(24)])
    assert {r.status_code for r in replies} == {429}
    assert not any("bma_console_session" in r.cookies for r in replies)
    assert checks(console) == before
    audit = audit_of(fort, "prenom.nom", wait_for="connexion refusée", count=24 - accounts.MAX_FAILURES + 24)
    assert audit["échec de connexion"] == [accounts.MAX_FAILURES]  # one row, counted
    assert audit["compte verrouillé"] == [1]
    assert audit["connexion refusée"] == [24 - accounts.MAX_FAILURES + 24]
    assert "connexion" not in audit


def test_a_correct_password_sent_during_the_burst_is_refused_once_locked(fort):
    """The right password is sent while the wrong ones are still being checked, as soon as the
    database shows the login locked: refused, no session, and still five checks in all."""
    console = fort["console"]
    before = checks(console)
    token = form_token(console)
    finished: list[float] = []

    def wrong(i):
        reply = attempt(console, token, "victime.deux", f"mauvais-{i}")
        finished.append(time.monotonic())
        return reply
    with ThreadPoolExecutor(24) as pool:
        wrongs = [pool.submit(wrong, i) for i in range(20)]
        deadline = time.monotonic() + 30
        while not rows(fort, "SELECT client FROM console_sign_in_failures WHERE client <> '*' AND failures >= :n",
                       n=accounts.MAX_FAILURES):
            assert time.monotonic() < deadline, "the burst never reached the lock-out"
            time.sleep(0.005)
        sent_at = time.monotonic()
        rights = [pool.submit(attempt, console, token, "victime.deux", PASSWORD) for _ in range(4)]
        replies = [f.result(timeout=120) for f in wrongs + rights]
    assert all(r.status_code < 500 for r in replies), [r.status_code for r in replies]
    assert [r.status_code for r in replies[20:]] == [429] * 4
    assert not any("bma_console_session" in r.cookies for r in replies)
    assert max(finished) > sent_at  # inside the burst: wrong passwords were still being checked
    assert checks(console) - before == accounts.MAX_FAILURES


# --- 2. the attacker's address, not the owner's ----------------------------------------------------
def test_the_lock_out_holds_the_attackers_address_not_the_owner(fort):
    console = fort["console"]
    token = form_token(console)
    attacker, owner = "198.51.100.7", "203.0.113.9"
    replies = [attempt(console, token, "victime.trois", f"devine-{i}", attacker).status_code for i in range(7)]
    assert replies == [401] * 4 + [429] * 3
    # The owner, from elsewhere, signs in at once; the attacker is still locked.
    assert attempt(console, token, "victime.trois", PASSWORD, owner).status_code == 303
    assert attempt(console, token, "victime.trois", PASSWORD, attacker).status_code == 429
    # A forwarded address is believed only from the trusted proxy: the chain's last hop is used.
    assert attempt(console, token, "victime.trois", PASSWORD, f"{owner}, {attacker}").status_code == 429


def test_a_spread_out_attack_spares_the_owners_known_address(fort):
    """LOGIN_WIDE_FAILURES failures from many addresses lock the login for new addresses only."""
    console = fort["console"]
    token = form_token(console)
    home, office_new = "192.0.2.10", "192.0.2.99"
    assert attempt(console, token, "victime.quatre", PASSWORD, home).status_code == 303  # a known address
    per_address = accounts.MAX_FAILURES
    tries = [("victime.quatre", f"devine-{i}", f"198.51.100.{100 + i // per_address}")
             for i in range(accounts.LOGIN_WIDE_FAILURES + 2 * per_address)]
    before = checks(console)
    replies = burst(console, tries)
    assert all(r.status_code in (401, 429) for r in replies)
    assert checks(console) - before == accounts.LOGIN_WIDE_FAILURES  # the login-wide count holds too
    refused = attempt(console, token, "victime.quatre", PASSWORD, office_new)
    assert refused.status_code == 429 and "sauf depuis une adresse d'où ce compte s'est déjà connecté" in visible(
        refused.text)
    assert attempt(console, token, "victime.quatre", PASSWORD, home).status_code == 303
    audit = audit_of(fort, "victime.quatre")
    assert "compte verrouillé" in audit and sum(audit["échec de connexion"]) == accounts.LOGIN_WIDE_FAILURES


# --- 3. a flood writes O(1) rows ----------------------------------------------------------------------
def test_a_flood_on_a_locked_login_writes_a_handful_of_rows(fort):
    console = fort["console"]
    token = form_token(console)
    client = "198.51.100.200"
    for i in range(accounts.MAX_FAILURES):
        attempt(console, token, "inconnu.total", f"x-{i}", client)
    of_this_client = "SELECT count(*) FROM console_audit WHERE detail LIKE :d"
    count_before = rows(fort, of_this_client, d=f"%{client}%")[0][0]
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda i: attempt(console, token, "inconnu.total", f"y-{i}", client).status_code,
                                 range(100), timeout=120))
    elapsed = time.monotonic() - started
    assert statuses == [429] * 100
    time.sleep(3)  # the refusals reach the journal every 2 s
    assert rows(fort, of_this_client, d=f"%{client}%")[0][0] - count_before == 1
    (mark,) = {login for (login,) in rows(fort, "SELECT login FROM console_audit WHERE action = 'connexion refusée' "
                                              "AND detail LIKE :d", d=f"%{client}%")}
    assert audit_of(fort, mark, wait_for="connexion refusée", count=100)["connexion refusée"] == [100]
    print(f"100 refused sign-ins ({fort['kind']}) in {elapsed:.2f} s")


# --- 4. an unknown login is never stored in clear -----------------------------------------------------
def test_a_password_typed_as_login_never_reaches_the_database(fort):
    console = fort["console"]
    token = form_token(console)
    typed = "Mon-Secret-Tape-Ici-2024!"
    assert attempt(console, token, typed, "x", "198.51.100.250").status_code == 401
    assert attempt(console, token, "chef.admin", "pas-le-bon", "198.51.100.250").status_code == 401
    dump = []
    tables = [t for (t,) in rows(fort, "SELECT name FROM sqlite_master WHERE type = 'table'" if fort["kind"] == "sqlite"
                                 else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    for table in tables:
        dump += [repr(r) for r in rows(fort, f"SELECT * FROM {table}")]
    blob = "\n".join(dump).lower()
    assert typed.lower() not in blob and "mon-secret" not in blob
    # The journal shows the known login, and only a mark for the other.
    client = requests.Session()
    form = client.get(console.url + "/connexion")
    client.post(console.url + "/connexion", data={"csrf_token": csrf(form.text), "identifiant": "chef.admin",
                                                 "mot_de_passe": PASSWORD}, headers={"X-Forwarded-For": "192.0.2.50"})
    journal = visible(client.get(console.url + "/journal").text)
    assert "Mon-Secret" not in journal and "mon-secret" not in journal
    assert re.search(r"identifiant inconnu \([0-9a-f]{12}\) échec de connexion", journal)
    assert "chef.admin échec de connexion" in journal


# --- 2. tries per address, checks at once -------------------------------------------------------------
@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    """A console with the default tries per address (10 a minute), no trusted proxy, and one
    Argon2 check at a time that a try waits 0.2 s for at most (SQLite: all of it is in memory)."""
    workdir = tmp_path_factory.mktemp("attack-gated")
    env = {"BMA_DB_URL": f"sqlite:///{workdir / 'console.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{workdir / 'events.sqlite3'}", "BMA_CONSOLE_INGEST_SECONDS": "3600",
           "BMA_METRICS_TOKEN": TOKEN, "BMA_CONSOLE_SECRET": SECRET, "BMA_CONSOLE_PASSWORD_CHECKS": "1",
           "BMA_CONSOLE_PASSWORD_WAIT": "0.2"}
    make_account(env, "chef.admin")
    console = Console(workdir, env, name="console-gated")
    try:
        yield {"kind": "sqlite", "url": env["BMA_DB_URL"], "console": console}
    finally:
        console.stop()
        dispose()


def attempt_from(console, source: str, token: str, login: str, password: str, forwarded: str | None = None) -> int:
    """A sign-in from another loopback address (127.0.0.2…): the socket peer the console sees."""
    body = urlencode({"csrf_token": token, "identifiant": login, "mot_de_passe": password})
    connection = http.client.HTTPConnection("127.0.0.1", console.port, timeout=60, source_address=(source, 0))
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"bma_console_signin={token}"}
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        connection.request("POST", "/connexion", body, headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_checks_at_once_are_capped_then_tries_per_address(gated):
    console = gated["console"]
    before = checks(console)
    replies = burst(console, [(f"inconnu.{i}", "x", None) for i in range(10)])  # 10: this address's minute
    statuses = [r.status_code for r in replies]
    assert set(statuses) <= {401, 503} and 401 in statuses and 503 in statuses, statuses
    busy = [r for r in replies if r.status_code == 503]
    assert all(r.headers["Retry-After"] == "5" and "trop de demandes de connexion" in visible(r.text) for r in busy)
    assert checks(console) - before == statuses.count(401)  # a try refused as busy checked nothing
    assert metric(console, "bma_console_sign_in_refusals_total", reason="busy") == len(busy)
    # The 11th try of the minute from 127.0.0.1: refused before any query, whatever X-Forwarded-For
    # says (no proxy is trusted here); from 127.0.0.2, another address, still checked.
    token = form_token(console)
    limited = attempt(console, token, "chef.admin", PASSWORD, "203.0.113.77")
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
    assert "Trop de tentatives de connexion depuis votre adresse" in visible(limited.text)
    assert "bma_console_session" not in limited.cookies
    assert attempt_from(console, "127.0.0.2", token, "chef.admin", "faux", forwarded="127.0.0.1") == 401
    assert attempt_from(console, "127.0.0.2", token, "chef.admin", PASSWORD) == 303
    assert metric(console, "bma_console_sign_in_refusals_total", reason="throttled") == 1
    audit = audit_of(gated, "-", wait_for="connexion limitée")
    assert audit["connexion limitée"] == [1] and sum(audit["connexion différée"]) == len(busy)
