"""Where personal data is kept, why, and for how long: the one declaration of every table of the
project's databases, which the purge (analytics.retention) applies and the privacy report prints.

    .venv/bin/python -m analytics.privacy      # also `make privacy-report`

For each table that can hold personal data: the columns, their purpose, the retention, what the
purge does at the end of it, and how many rows are older than it now (0 once the purge has run).
Tables without personal data are listed with the reason. tests/unit/test_privacy.py fails when a
table of the project's SQLAlchemy metadata (registry, feedback, analytics, console) or of Rasa's SQL
tracker store and event broker is not declared here.

Three databases: the registry and the console (``BMA_DB_URL``), Rasa's tracker store (``BMA_TRACKER_URL``,
else the SQL ``tracker_store`` of ``BMA_ENDPOINTS`` / endpoints.yml) and Rasa's event broker
(``BMA_EVENTS_DB_URL``). Three settings: ``BMA_RETENTION_DAYS`` (conversations, 30 days),
``BMA_TICKET_RETENTION_DAYS`` (tickets, 90 days), ``BMA_AUDIT_RETENTION_DAYS`` (the staff's journal, 365).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    create_engine,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url

import settings as bma_settings
from analytics.broker_retention import count_old_broker
from analytics.config import PROJECT_ROOT, AnalyticsConfig, settings
from analytics.cutoffs import (  # noqa: F401  (privacy.cutoffs, privacy.Cutoffs…, as before)
    FIXED_DAYS,
    SETTINGS,
    Cutoffs,
    RetentionError,
    cutoffs,
    days_of,
    retention_label,
)

# The declaration (analytics/kept.py), here too: what the report prints and the purge applies.
from analytics.kept import (  # noqa: E402, F401
    CONVERSATIONS,
    DATABASES,
    ELSEWHERE,
    ERASED_CONVERSATION,
    KEPT,
    UNIX,
    WITHOUT_PERSONAL_DATA,
    Kept,
    declared,
    lightweight,
    stale,
    undeclared,
)


# --- databases -----------------------------------------------------------------------------------------
def tracker_url(environ: dict | None = None) -> str:
    """Rasa's SQL tracker store as an SQLAlchemy URL: ``BMA_TRACKER_URL``, else the ``tracker_store``
    of ``BMA_ENDPOINTS`` (default endpoints.yml), ``${VAR}`` taken from the environment as Rasa does,
    a relative SQLite path under the project (where scripts/run.sh starts Rasa). "" when the
    tracker store is not an SQL one (Redis, in memory)."""
    import yaml

    env = environ if environ is not None else os.environ
    if bma_settings.get("BMA_TRACKER_URL", env):
        return bma_settings.get("BMA_TRACKER_URL", env)
    path = Path(bma_settings.get("BMA_ENDPOINTS", env) or "endpoints.yml")
    path = path if path.is_absolute() else PROJECT_ROOT / path
    try:
        store = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return ""
    if not isinstance(store, dict) or store.get("type") not in SQL_TRACKER_STORES:
        return ""
    value = {k: ENV_REFERENCE_RE.sub(lambda m: env.get(m.group(1), ""), str(v)) for k, v in store.items() if v is not None}
    dialect = value.get("dialect", "sqlite")
    if dialect == "sqlite":
        db = Path(value.get("db", "rasa.db"))
        return f"sqlite:///{db if db.is_absolute() else PROJECT_ROOT / db}"
    return URL.create(dialect, username=value.get("username") or None, password=value.get("password") or None,
                      host=value.get("url") or "localhost", port=int(value["port"]) if value.get("port") else None,
                      database=value.get("db") or "rasa").render_as_string(hide_password=False)


SQL_TRACKER_STORES = ("SQL", "stores.sql_trackers.SQLiteWALTrackerStore", "stores.sql_trackers.LeanSQLTrackerStore")
ENV_REFERENCE_RE = re.compile(r"\$\{([^}]+)\}")
_engines: dict[str, Engine] = {}


def tracker_engine(url: str) -> Engine | None:
    """An engine on Rasa's tracker store, or None while it does not exist yet (a missing SQLite
    file is never created here)."""
    if not url:
        return None
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        return None
    engine = _engines.get(url)
    if engine is None:
        sqlite = url.startswith("sqlite")
        engine = _engines[url] = create_engine(url, future=True, connect_args={"timeout": 10} if sqlite else {},
                                               pool_pre_ping=not sqlite)
    return engine


def dispose() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def engine_of(database: str, config: AnalyticsConfig, tracker: str) -> Engine | None:
    from analytics.db import analytics_engine, broker_ready, events_engine

    if database == "console":
        return analytics_engine(config.db_url)
    if database == "broker":
        return events_engine(config.events_url) if broker_ready(config.events_url) else None
    return tracker_engine(tracker)


def present_columns(engine: Engine, name: str) -> set[str] | None:
    """The columns of table ``name``, None when it does not exist."""
    inspector = inspect(engine)
    if not inspector.has_table(name):
        return None
    return {c["name"] for c in inspector.get_columns(name)}


def usable(kept: Kept, names: set[str] | None) -> bool:
    """The table exists with the columns the purge needs (a tracker store URL pointing at the
    broker's ``events``, which has no ``timestamp``, is left alone)."""
    return names is not None and {kept.clock, *kept.erase} - {None, "inside"} <= names


# --- the report ------------------------------------------------------------------------------------------
ABSENT = "table absente (pas encore créée)"
@dataclass
class Line:
    kept: Kept
    old: int | None  # rows past the retention; None: not counted (see note)
    note: str = ""


def count_old(kept: Kept, engine: Engine | None, chosen: Cutoffs, config: AnalyticsConfig) -> Line:
    if kept.retention is None:
        return Line(kept, None, "aucune ligne à compter")
    if engine is None:
        return Line(kept, None, "base absente (pas encore créée)")
    try:
        names = present_columns(engine, kept.table)
        if names is None:
            return Line(kept, None, ABSENT)
        if kept.clock == "inside":
            return Line(kept, count_old_broker(config, chosen.before(kept.retention)))
        if not usable(kept, names):
            return Line(kept, None, "structure inattendue : table laissée de côté")
        t = lightweight(kept, names)
        with engine.connect() as conn:
            return Line(kept, conn.execute(select(func.count()).select_from(t).where(stale(kept, t, chosen))).scalar())
    except Exception as error:  # an unreachable database: said, the other lines still come
        return Line(kept, None, f"base injoignable ({type(error).__name__})")


def report(config: AnalyticsConfig | None = None, chosen: Cutoffs | None = None, tracker: str | None = None) -> list[Line]:
    config = config or settings()
    chosen = chosen or cutoffs()
    tracker = tracker_url() if tracker is None else tracker
    lines = []
    for kept in KEPT:
        try:
            engine = engine_of(kept.database, config, tracker)
        except Exception as error:
            lines.append(Line(kept, None, f"base injoignable ({type(error).__name__})"))
            continue
        if engine is None and kept.database == "tracker" and not tracker:
            lines.append(Line(kept, None, "pas de stockage SQL des conversations configuré"))
            continue
        lines.append(count_old(kept, engine, chosen, config))
    return lines


def shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(adresse illisible)"


def undeclared_in(engine: Engine | None, database: str) -> list[str]:
    """Tables present in a database that the declaration does not know (created by someone else)."""
    if engine is None:
        return []
    try:
        return [name for name in inspect(engine).get_table_names() if declared(database, name) is None]
    except Exception:
        return []


def render(lines: list[Line], config: AnalyticsConfig, chosen: Cutoffs, tracker: str, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    out = [f"Données personnelles : où elles sont gardées, pourquoi, combien de temps ({now:%d/%m/%Y %H:%M})",
           "Durées : " + ", ".join(f"{label} {retention_label(key, chosen)}"
                                   for key, (_, _, label) in SETTINGS.items()) + ".",
           "La console applique ces durées chaque jour (make purge le fait tout de suite).", ""]
    urls = {"console": config.db_url, "broker": config.events_url, "tracker": tracker}
    for database, (title, setting) in DATABASES.items():
        url = urls[database]
        out.append(f"{title} — {shown_url(url) if url else 'non SQL ou non configuré'} ({setting})")
        for line in (x for x in lines if x.kept.database == database):
            kept = line.kept
            if kept.legacy and line.note == ABSENT:
                continue
            old = line.note if line.old is None else f"{line.old} ligne(s) au-delà de cette durée"
            out += [f"  {kept.table} ({', '.join(kept.columns)})",
                    f"    pour : {kept.purpose}",
                    f"    gardé : {retention_label(kept.retention, chosen)}, puis {kept.end} — {old}"]
        quiet = [(name, why) for (db, name), why in WITHOUT_PERSONAL_DATA.items() if db == database]
        if quiet:
            out.append("  Sans donnée personnelle :")
            out += [f"    {name} : {why}" for name, why in quiet]
        try:
            unknown = undeclared_in(engine_of(database, config, tracker), database)
        except Exception:
            unknown = []
        if unknown:
            out.append("  ATTENTION, tables non déclarées dans analytics/privacy.py : " + ", ".join(unknown))
        out.append("")
    out.append("Hors de ces bases :")
    out += [f"  {where} : {what}" for where, what in ELSEWHERE]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Rapport sur les données personnelles : tables, finalités, "
                                                 "durées de conservation et lignes plus anciennes que celles-ci.")
    parser.parse_args(argv)
    try:
        chosen = cutoffs()
    except RetentionError as error:
        print(error, file=sys.stderr)
        return 2
    config, tracker = settings(), tracker_url()
    sys.stdout.write(render(report(config, chosen, tracker), config, chosen, tracker))
    return 0


if __name__ == "__main__":
    sys.exit(main())
