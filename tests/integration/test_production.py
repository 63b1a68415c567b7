"""Production never serves demonstration data: `python -m bma.registry production-check`,
`scripts/run.sh` and `make demo-if-empty` (what `make run` does) with BMA_PRODUCTION=1 or deploy/'s
endpoints, and an action server whose actions package calls `assert_no_demo_in_production()`
(the one line actions/__init__.py carries), all run for real on temporary registries."""
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from bma import registry
from harness.servers import ROOT, free_port

CSV = ("address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
       "ec012345@adm.cfwb.be,oui,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n")
REFUSAL = "Démarrage refusé : en production"


@pytest.fixture
def demo_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    registry.load_demo(url, environ={})
    registry.dispose_engines()
    return url


@pytest.fixture
def real_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    assert registry.import_csv(CSV.encode(), url).ok
    registry.dispose_engines()
    return url


def run(args, db_url, timeout=120, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("BMA_PRODUCTION", "BMA_ENDPOINTS")}
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**clean, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", "BMA_DB_URL": db_url, **env})


def check(db_url, *extra, **env):
    return run([sys.executable, "-m", "bma.registry", "production-check", *extra], db_url, **env)


def test_production_check_refuses_demo_rows(demo_db, real_db):
    refused = check(demo_db, BMA_PRODUCTION="1")
    assert refused.returncode == 1
    assert f"{REFUSAL} (BMA_PRODUCTION=1), le registre des boîtes" in refused.stderr
    assert f"contient {registry.count_demo_mailboxes(demo_db)} boîte(s) de démonstration" in refused.stderr
    by_endpoints = check(demo_db, "--endpoints", "deploy/endpoints.production.yml")
    assert by_endpoints.returncode == 1
    assert f"{REFUSAL} (les endpoints de production deploy/endpoints.production.yml)" in by_endpoints.stderr
    assert check(demo_db, BMA_ENDPOINTS="deploy/endpoints.local-cluster.yml").returncode == 1
    # Outside production, or a registry without demo rows: the start goes on.
    assert check(demo_db).returncode == 0 and check(demo_db, "--endpoints", "endpoints.yml").returncode == 0
    allowed = check(real_db, BMA_PRODUCTION="1")
    assert allowed.returncode == 0 and "pas de données de démonstration" in allowed.stdout


def test_production_check_warns_about_an_empty_registry(tmp_path):
    empty = check(f"sqlite:///{tmp_path / 'empty.sqlite3'}", BMA_PRODUCTION="oui")
    assert empty.returncode == 0 and "le registre des boîtes est vide" in empty.stderr


def test_run_script_refuses_to_start_in_production_with_demo_data(demo_db):
    actions_port = free_port()
    for env in ({"BMA_PRODUCTION": "1"}, {"BMA_ENDPOINTS": "deploy/endpoints.production.yml"}):
        started = time.monotonic()
        result = run(["bash", "scripts/run.sh"], demo_db, timeout=60, MODEL="models/absent.tar.gz",
                     ACTIONS_PORT=str(actions_port), **env)
        assert result.returncode == 1, result.stdout + result.stderr
        assert REFUSAL in result.stderr and "python -m bma.registry remove-demo" in result.stderr
        assert "L'assistant BMA est prêt" not in result.stdout and "[actions]" not in result.stdout
        assert time.monotonic() - started < 30  # refused before anything started
    # The registry is untouched.
    assert registry.count_demo_mailboxes(demo_db) > 3500


def test_make_run_does_not_load_the_demo_in_production(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    loaded = run(["make", "--no-print-directory", "demo-if-empty"], url, BMA_PRODUCTION="1")
    assert loaded.returncode == 0 and "la démonstration n'est pas chargée" in loaded.stdout
    assert registry.count_mailboxes(url) == 0
    explicit = run(["make", "--no-print-directory", "demo"], url, BMA_PRODUCTION="1")
    assert explicit.returncode != 0 and "Démonstration refusée : en production" in explicit.stderr
    assert registry.count_mailboxes(url) == 0
    # Outside production, the same command loads it into the empty registry.
    assert run(["make", "--no-print-directory", "demo-if-empty"], url).returncode == 0
    assert registry.holds_demo_data(url)
    registry.dispose_engines()


def test_the_demo_commands_refuse_a_registry_with_imported_rows(real_db):
    demo = run([sys.executable, "-m", "bma.registry", "demo"], real_db)
    assert demo.returncode == 1
    assert "Démonstration refusée : le registre contient déjà 1 boîte(s) importée(s)" in demo.stderr
    if_empty = run([sys.executable, "-m", "bma.registry", "demo", "--if-empty"], real_db)
    assert if_empty.returncode == 0 and "demo not loaded" in if_empty.stdout  # make run goes on with the real rows
    assert registry.count_mailboxes(real_db) == 1 and not registry.holds_demo_data(real_db)
    registry.dispose_engines()


def start_action_server(tmp_path, db_url, **env):
    """The project's own action server (actions/__init__.py runs the production check)."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in ("BMA_PRODUCTION", "BMA_ENDPOINTS")}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**clean, "PYTHONPATH": f"{tmp_path}:{ROOT}", "PYTHONWARNINGS": "ignore", "BMA_DB_URL": db_url,
             "SANIC_HOST": "127.0.0.1", **env})
    return process, port


def test_the_action_server_refuses_to_start_in_production_with_demo_data(tmp_path, demo_db, real_db):
    process, _ = start_action_server(tmp_path, demo_db, BMA_PRODUCTION="1")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output[-2000:]
    assert REFUSAL in output
    # Without demo rows it serves.
    process, port = start_action_server(tmp_path, real_db, BMA_PRODUCTION="1")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read()[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(15)
