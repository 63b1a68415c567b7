"""analytics/privacy.py knows every table: those of the project's SQLAlchemy metadata (registry,
feedback, analytics, console, retraining) and Rasa's SQL tracker store and event broker. A new table fails here until
its purpose and retention are declared (and the purge applies it)."""
import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import Column, Integer, MetaData, Table, Text

import retraining.models  # noqa: F401  (its tables join console.db.Base)
from analytics import privacy, retention
from analytics.config import PROJECT_ROOT
from analytics.db import Base as AnalyticsBase
from analytics.db import broker_metadata
from bma.registry.store import Base as RegistryBase
from console.db import Base as ConsoleBase
from feedback.store import Base as FeedbackBase

METADATA = (
    ("console", RegistryBase.metadata),  # BMA_DB_URL: the registry and the console share the database
    ("console", FeedbackBase.metadata),
    ("console", AnalyticsBase.metadata),
    ("console", ConsoleBase.metadata),
    ("broker", broker_metadata),  # Rasa's SQL event broker, as the console reads it…
    ("broker", SQLEventBroker.SQLBrokerEvent.metadata),  # …and as Rasa writes it
    ("tracker", SQLTrackerStore.SQLEvent.metadata),  # Rasa's SQL tracker store
)


def project_tables(extra: tuple = ()) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for database, metadata in (*METADATA, *extra):
        for name, table in metadata.tables.items():
            found.setdefault((database, name), set()).update(c.name for c in table.columns)
    return found


def test_every_table_is_declared():
    assert privacy.undeclared(set(project_tables())) == [], "declare it in analytics/privacy.py (KEPT or WITHOUT_PERSONAL_DATA)"


def test_a_new_table_fails_until_declared():
    metadata = MetaData()
    Table("rendez_vous", metadata, Column("id", Integer, primary_key=True), Column("nom", Text))
    assert privacy.undeclared(set(project_tables((("console", metadata),)))) == [("console", "rendez_vous")]


def test_declared_columns_exist():
    tables = project_tables()
    for kept in privacy.KEPT:
        names = tables.get((kept.database, kept.table))
        if names is None:
            assert kept.legacy or kept.table.startswith("console_"), kept.table  # (sign-in tables in progress)
            continue
        wanted = {*kept.columns, *kept.erase, kept.clock} - {None, "inside"}
        assert wanted <= names, (kept.table, wanted - names)


def test_every_personal_table_has_a_retention_the_purge_applies():
    assert [k.table for k in privacy.KEPT if k.retention is None] == ["console_staff"]  # while the account exists
    for kept in privacy.KEPT:
        if kept.retention is not None:
            assert kept.key in retention.LABELS_FR, kept.key
            assert kept.key in {key for keys in retention.GROUPS.values() for key in keys}, kept.key
    assert not set(privacy.WITHOUT_PERSONAL_DATA) & {(k.database, k.table) for k in privacy.KEPT}


def test_settings():
    assert privacy.days_of("tickets", {}) == 90 and privacy.days_of("audit", {}) == 365
    assert privacy.days_of("tickets", {"BMA_TICKET_RETENTION_DAYS": " 30 "}) == 30
    for wrong in ("0", "-3", "trois", "1.5"):
        with pytest.raises(privacy.RetentionError, match="BMA_AUDIT_RETENTION_DAYS doit être un nombre entier"):
            privacy.days_of("audit", {"BMA_AUDIT_RETENTION_DAYS": wrong})
    chosen = privacy.cutoffs(1_000_000_000.0, {}, conversations=7)
    assert chosen.days == {"conversations": 7, "tickets": 90, "audit": 365}
    assert chosen.before("conversations") == 1_000_000_000.0 - 7 * 86400 and chosen.before("session") == 1_000_000_000.0


def test_the_tracker_store_is_found_where_rasa_finds_it():
    assert privacy.tracker_url({}) == f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.sqlite3'}"  # endpoints.yml
    assert privacy.tracker_url({"BMA_TRACKER_URL": "postgresql://u@h/t"}) == "postgresql://u@h/t"
    production = {"BMA_ENDPOINTS": "deploy/endpoints.production.yml", "BMA_TRACKER_DB_HOST": "db.interne",
                  "BMA_TRACKER_DB_PORT": "5432", "BMA_TRACKER_DB_USER": "rasa", "BMA_TRACKER_DB_PASSWORD": "p@ss:w/rd",
                  "BMA_TRACKER_DB_NAME": "bma_tracker"}
    assert privacy.tracker_url(production) == "postgresql://rasa:p%40ss%3Aw%2Frd@db.interne:5432/bma_tracker"
    cluster = {"BMA_ENDPOINTS": str(PROJECT_ROOT / "deploy" / "endpoints.local-cluster.yml")}
    assert privacy.tracker_url(cluster) == "postgresql://postgres@127.0.0.1:5432/bma_tracker"
    assert privacy.tracker_url({"BMA_ENDPOINTS": "absent.yml"}) == ""
