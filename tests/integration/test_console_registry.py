"""The console's dashboard says where the registry's rows come from: `python -m console.app` on a
temporary registry holding the demo and one imported file, read over HTTP as staff read it."""
import datetime as dt
import os
import re
from zoneinfo import ZoneInfo

import pytest

from analytics.db import events_engine
from bma import registry
from console import synthetic
from console.db import dispose
from tests.integration.test_console import LOGIN, PASSWORD, Console, create_account, sign_in, visible

CSV = ("address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
       "ec012345@adm.cfwb.be,inconnu,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console-registry")
    env = {"BMA_DB_URL": f"sqlite:///{workdir / 'console.sqlite3'}",
           "BMA_EVENTS_DB_URL": f"sqlite:///{workdir / 'events.sqlite3'}",
           "BMA_NLU_DIR": str(workdir), "BMA_CONSOLE_INGEST_SECONDS": "3600"}
    synthetic.write(events_engine(env["BMA_EVENTS_DB_URL"]), [])
    registry.load_demo(env["BMA_DB_URL"], environ={})
    path = workdir / "registre-sgne.csv"
    path.write_text(CSV, encoding="utf-8")
    stamp = dt.datetime(2024, 11, 12, 9, 30).timestamp()
    os.utime(path, (stamp, stamp))
    assert registry.import_file(path, env["BMA_DB_URL"]).ok
    registry.dispose_engines()
    dispose()
    assert create_account(env, LOGIN, PASSWORD).returncode == 0
    console = Console(workdir, env)
    try:
        client, reply = sign_in(console)
        assert reply.status_code == 303
        yield {"console": console, "client": client, "env": env}
    finally:
        console.stop()
        dispose()
        registry.dispose_engines()


def section(page: str) -> str:
    found = re.search(r'<section aria-labelledby="h-registre">(.*?)</section>', page, re.S)
    assert found, "no registry section on the dashboard"
    return found.group(1)


def n(number: int) -> str:
    """A number as visible() reads the console's French grouping."""
    return f"{number:,}".replace(",", " ")


def local(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo("Europe/Brussels")).strftime("%d/%m/%Y %H:%M")


def test_the_dashboard_lists_the_registrys_sources_and_flags_the_demo(dashboard):
    url, client, db_url = dashboard["console"].url, dashboard["client"], dashboard["env"]["BMA_DB_URL"]
    demo_rows = registry.count_demo_mailboxes(db_url)
    page = client.get(url + "/tableau-de-bord")
    assert page.status_code == 200
    title = re.search(r"<title>(.*?)</title>", page.text, re.S).group(1)
    assert title == "Tableau de bord — Console de l'assistant BMA"  # the section sits in the page, once
    assert len(re.findall(r'<section aria-labelledby="h-registre">', page.text)) == 1
    alert = re.search(r'<p class="alert" role="alert">(.*?)</p>', page.text, re.S)
    assert alert and f"Le registre des boîtes contient {n(demo_rows)} boîte(s) de démonstration (numéros FASE " \
        "990000 à 999999) : ce ne sont pas de vraies boîtes" in visible(alert.group(1))
    text = visible(section(page.text))
    assert "Registre des boîtes : d'où viennent les données" in text
    assert f"{n(demo_rows + 1)} boîte(s) dans le registre, dont {n(demo_rows)} de démonstration." in text
    rows = [visible(row).strip() for row in re.findall(r"<tr>(.*?)</tr>", section(page.text), re.S)[1:]]
    imported, demo = registry.registry_sources(db_url)
    assert rows == [  # latest first: type, file, its date, rows loaded, rows still from it, loaded (Brussels time)
        f"Import registre-sgne.csv 12/11/2024 1 1 {local(imported.loaded_at)}",
        f"Démonstration bma/demo.py — {n(demo_rows)} {n(demo_rows)} {local(demo.loaded_at)}",
    ]


def test_without_demo_rows_the_dashboard_says_nothing_of_a_demo(dashboard):
    url, client, db_url = dashboard["console"].url, dashboard["client"], dashboard["env"]["BMA_DB_URL"]
    assert registry.remove_demo(db_url) > 3500
    registry.dispose_engines()
    page = client.get(url + "/tableau-de-bord")
    assert 'role="alert"' not in page.text and "démonstration" not in visible(page.text).lower()
    text = visible(section(page.text))
    assert "1 boîte(s) dans le registre." in text
    rows = [visible(row).strip() for row in re.findall(r"<tr>(.*?)</tr>", section(page.text), re.S)[1:]]
    (imported,) = registry.registry_sources(db_url)
    assert rows == [f"Import registre-sgne.csv 12/11/2024 1 1 {local(imported.loaded_at)}"]
