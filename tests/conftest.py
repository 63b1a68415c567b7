"""Shared fixtures. Tests by layer: tests/unit (no server, no service), tests/integration (a real
server on loopback, PostgreSQL or Redis), tests/browser (Chromium).

One policy for a missing service (PostgreSQL, Redis, Chromium): skipped with the reason on a
developer's machine, a failure under CI (``CI`` set), where every service must be there."""
import contextlib
import datetime as dt
import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FAQ_PATH = ROOT.parent / "shared" / "seed" / "faq-bma-migration-smail2.md"
PG_ADMIN_URL = os.environ.get("BMA_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CHROMIUM = os.environ.get("BMA_CHROMIUM", "/usr/bin/chromium")


def service_missing(what: str, reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI: {reason}")
    pytest.skip(f"{what} not available here: {reason}")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    from sqlalchemy import create_engine

    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:
        service_missing("PostgreSQL", f"{PG_ADMIN_URL} ({type(error).__name__})")
    return PG_ADMIN_URL


@contextlib.contextmanager
def postgres_database(prefix: str):
    """A new, empty database on the machine's PostgreSQL (its URL), dropped afterwards. Ask for the
    ``postgres_admin_url`` fixture first: it skips or fails when PostgreSQL is missing."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The project's database (registry, console, analytics) on SQLite, then on a throw-away PostgreSQL
    database; the engines disposed after each test."""
    from bma import registry

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'project.sqlite3'}"
        registry.dispose_engines()
        return
    request.getfixturevalue("postgres_admin_url")
    with postgres_database("bma_test") as url:
        yield url
        registry.dispose_engines()


@pytest.fixture(scope="session")
def redis_server() -> tuple[str, int]:
    import redis

    try:
        redis.Redis(REDIS_HOST, REDIS_PORT, socket_connect_timeout=2).ping()
    except Exception as error:
        service_missing("Redis", f"{REDIS_HOST}:{REDIS_PORT} ({type(error).__name__})")
    return REDIS_HOST, REDIS_PORT


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} is missing (`make test` installs Debian's chromium)")
    return CHROMIUM


@pytest.fixture
def faq_text() -> str:
    if not FAQ_PATH.exists():
        pytest.skip("the official FAQ (../shared/seed) is not beside this clone")
    return FAQ_PATH.read_text(encoding="utf-8")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'registry.sqlite3'}"


def registry_for_actions(monkeypatch, url: str, csv_rows: str, today: str = "2024-11-20"):
    """The actions' registry for one test: ``csv_rows`` imported into ``url``, the reference date
    fixed (a generator for an autouse fixture: the engines are disposed after the test)."""
    from bma import registry

    monkeypatch.setenv("BMA_DB_URL", url)
    monkeypatch.setenv("BMA_TODAY", today)
    assert registry.import_csv(csv_rows.encode(), url).ok
    yield
    registry.dispose_engines()


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory):
    """Fake Bot Framework + action server + Rasa with the REST, socket.io and Teams channels, and
    Rasa's SQL event broker (``events.sqlite3`` in the servers' workdir, as the console reads it)."""
    from bma import registry
    from tests.support.botframework import APP_PASSWORD, start_stack

    workdir = tmp_path_factory.mktemp("stack")
    servers, fake_url, fake = None, None, None
    try:
        broker = f"event_broker:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'events.sqlite3'}\n"
        servers, fake_url, fake = start_stack(workdir, endpoints_extra=broker)
        yield servers, fake_url
        assert APP_PASSWORD not in (workdir / "rasa.log").read_text()  # never logged
    finally:
        if servers:
            servers.stop()
        if fake:
            fake.terminate()
            fake.wait(10)
        registry.dispose_engines()
