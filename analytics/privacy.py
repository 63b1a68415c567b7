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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    column,
    create_engine,
    func,
    inspect,
    or_,
    select,
    table,
)
from sqlalchemy.engine import URL, Engine, make_url

import settings as bma_settings
from analytics.config import PROJECT_ROOT, Settings, settings

# --- retention settings -----------------------------------------------------------------------------
SETTINGS = {  # key: (environment variable, default days, what it keeps)
    "conversations": ("BMA_RETENTION_DAYS", 30, "conversations"),
    "tickets": ("BMA_TICKET_RETENTION_DAYS", 90, "tickets"),
    "audit": ("BMA_AUDIT_RETENTION_DAYS", 365, "journal du personnel"),
}
# Fixed by the console's sign-in rules (console.accounts), not settings.
FIXED_DAYS = {"sign_in": 1, "known_clients": 90}


class RetentionError(ValueError):
    """A French message about a setting."""


def days_of(key: str, environ: dict | None = None) -> int:
    name, default, _ = SETTINGS[key]
    raw = bma_settings.raw(name, environ) or str(default)
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise RetentionError(f"{name} doit être un nombre entier de jours, au moins 1 (reçu : « {raw} »).")
    return days


@dataclass(frozen=True)
class Cutoffs:
    """What is older than these is past its retention (naive UTC, as every DateTime column)."""

    now: float  # Unix time
    days: dict  # key of SETTINGS → days

    def before(self, key: str) -> float:
        """Unix time: the limit of ``key`` (a key of SETTINGS or FIXED_DAYS, or « session »: now)."""
        if key == "session":
            return self.now
        return self.now - (self.days[key] if key in self.days else FIXED_DAYS[key]) * 86400

    def moment(self, key: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.before(key), dt.timezone.utc).replace(tzinfo=None)


def cutoffs(now: float | None = None, environ: dict | None = None, **days: int) -> Cutoffs:
    """The limits now; ``days`` overrides a setting (``conversations=7``)."""
    found = {key: days[key] if days.get(key) else days_of(key, environ) for key in SETTINGS}
    return Cutoffs(time.time() if now is None else now, found)


def retention_label(key: str | None, chosen: Cutoffs) -> str:
    if key is None:
        return "tant que le compte existe"
    if key == "session":
        return "jusqu'à l'expiration de la session"
    if key in SETTINGS:
        n = chosen.days[key]
        return f"{n} jour{'s' if n > 1 else ''} ({SETTINGS[key][0]})"
    n = FIXED_DAYS[key]
    return f"{n} jour{'s' if n > 1 else ''} (règle de connexion de la console)"


# --- the declaration ----------------------------------------------------------------------------------
DATABASES = {
    "console": ("Base du registre et de la console", "BMA_DB_URL"),
    "tracker": ("Stockage des conversations de Rasa (tracker store)", "BMA_TRACKER_URL ou BMA_ENDPOINTS / endpoints.yml"),
    "broker": ("Courtier d'événements de Rasa (lu par la console)", "BMA_EVENTS_DB_URL"),
}
UNIX = "unix"  # a clock column holding a Unix time (Rasa's tracker store)
ERASED_CONVERSATION = "efface-"  # feedback.conversation_id once the retention is over: « efface-<id> »


@dataclass(frozen=True)
class Kept:
    """A table that can hold personal data."""

    key: str  # the purge's count (analytics.retention)
    database: str  # a key of DATABASES
    table: str
    columns: tuple[str, ...]  # those that can hold personal data
    purpose: str
    retention: str | None  # a key of SETTINGS or FIXED_DAYS, « session », or None (no age limit)
    clock: str | None  # the column whose age counts (``inside`` when the time is in the JSON)
    end: str  # what the purge does at the end of the retention
    label: str  # the purge's count, as printed
    erase: tuple[str, ...] = ()  # the columns emptied (the row stays); () : the row is deleted
    clock_type: object = DateTime
    where: Callable | None = None  # a further condition on the lightweight table (rows concerned)
    legacy: bool = False  # a table of an earlier version: reported only where it still exists


CONVERSATIONS = "conversations"
KEPT: tuple[Kept, ...] = (
    # Rasa's own tables
    Kept("tracker_events", "tracker", "events", ("sender_id", "data", "intent_name"),
         "ce que Rasa relit à chaque message pour suivre la conversation : messages (masqués), adresse BMA, "
         "nom, prénom et demande d'un ticket en préparation", CONVERSATIONS, "timestamp",
         "événement supprimé", "événements du stockage des conversations de Rasa", clock_type=UNIX),
    Kept("broker_events", "broker", "events", ("sender_id", "data"),
         "les mêmes événements, publiés pour la console qui les agrège (tableau de bord, boîte de réception, "
         "transcriptions)", CONVERSATIONS, "inside",
         "événement supprimé une fois compté (le dernier est vidé, pas supprimé)",
         "événements du courtier d'événements de Rasa"),
    # The console's transcripts and inbox
    Kept("messages", "console", "transcript_messages", ("text",),
         "transcriptions lues par le personnel (« Conversations »), textes masqués", CONVERSATIONS, "at",
         "message supprimé", "messages des conversations"),
    Kept("conversations", "console", "transcript_conversations", ("conversation_id",),
         "conversations retrouvables par période (numéro propre à la console)", CONVERSATIONS, "last_at",
         "supprimée après son dernier message", "conversations"),
    Kept("tags", "console", "transcript_tags", ("value",),
         "adresses BMA et sujets par lesquels retrouver une conversation", CONVERSATIONS, "last_at",
         "supprimé", "critères de recherche des conversations (adresses, sujets)"),
    Kept("inbox", "console", "inbox_messages", ("text", "decided_by"),
         "messages peut-être mal compris, à relire par le personnel (texte masqué)", CONVERSATIONS, "received_at",
         "supprimé (exporter « Questions pour la FAQ » avant)", "messages de la boîte de réception"),
    Kept("review_questions", "console", "review_questions", ("text",),
         "questions que la FAQ ne couvre pas, notées par l'assistant pour les responsables de la FAQ",
         CONVERSATIONS, "created_at", "supprimée", "questions hors FAQ gardées par l'assistant"),
    Kept("conversation_states", "console", "analytics_conversations", ("conversation_id", "address"),
         "état d'une conversation entre deux passages de l'agrégation (sujet, adresse BMA donnée)",
         CONVERSATIONS, "last_at", "supprimé après le dernier événement (une conversation qui reprend est "
         "comptée à nouveau)", "états de conversation de l'agrégation (identifiant, adresse BMA)",
         where=None),
    Kept("feedback", "console", "feedback", ("conversation_id",),
         "avis 👍/👎 : le lien vers la réponse notée, le temps de la retrouver", CONVERSATIONS, "created_at",
         "identifiant de conversation remplacé (« efface-<n> ») ; la note, la question et la phase restent",
         "avis détachés de leur conversation"),
    # The registry's tickets
    Kept("tickets", "console", "tickets", ("address", "last_name", "first_name", "description", "conversation_id"),
         "messages préparés par l'assistant pour un service (SGNE, Service Desk de l'ETNIC, Enseignement.be)",
         "tickets", "created_at", "nom, prénom, adresse, demande et lien vers la conversation effacés ; numéro, "
         "date, service et statut gardés", "tickets anonymisés (nom, adresse, demande effacés)",
         erase=("address", "last_name", "first_name", "description", "conversation_id")),
    # The staff
    Kept("audit", "console", "console_audit", ("login", "detail"),
         "journal des actions du personnel (qui a fait quoi ; jamais de texte d'usager)", "audit", "at",
         "entrée supprimée", "entrées du journal du personnel"),
    Kept("retraining_jobs", "console", "retraining_jobs", ("requested_by",),
         "opérations sur les modèles et qui les a demandées", "audit", "started_at",
         "opération terminée supprimée", "opérations sur les modèles",
         where=lambda t: t.c.status != "running"),
    Kept("retraining_state", "console", "retraining_state", ("changed_by",),
         "modèle actif et qui l'a changé en dernier", "audit", "changed_at", "nom effacé",
         "auteurs effacés du dernier changement de modèle", erase=("changed_by",)),
    Kept("staff", "console", "console_staff", ("login", "last_sign_in_at"),
         "comptes du personnel (identifiant, mot de passe haché Argon2)", None, None,
         "rien (le compte est supprimé quand la personne part)", "comptes"),
    Kept("sessions", "console", "console_sessions", ("staff_id",),
         "sessions ouvertes du personnel (empreinte du cookie)", "session", "expires_at",
         "session supprimée", "sessions expirées"),
    Kept("sign_in_failures", "console", "console_sign_in_failures", ("login_key", "client"),
         "échecs de connexion par identifiant et adresse (empreintes) : limiter les essais de mots de passe",
         "sign_in", "last_at", "compteur supprimé", "compteurs d'échecs de connexion"),
    Kept("known_clients", "console", "console_known_clients", ("staff_id", "client"),
         "adresses (empreintes) d'où un compte s'est déjà connecté", "known_clients", "last_ok_at",
         "adresse oubliée", "adresses de connexion connues"),
    Kept("audit_bursts", "console", "console_audit_bursts", ("burst_key",),
         "refus de connexion répétés regroupés en une entrée du journal", "sign_in", "last_at",
         "regroupement supprimé", "regroupements de refus du journal"),
    Kept("sign_in_attempts", "console", "console_sign_in_attempts", ("login",),
         "échecs de connexion par identifiant (première version, remplacée)", "sign_in", "last_failure_at",
         "compteur supprimé", "compteurs d'échecs de connexion (première version)", legacy=True),
)
# Tables without personal data, and why.
WITHOUT_PERSONAL_DATA = {
    ("console", "mailboxes"): "registre des boîtes : adresses et noms d'établissements (écoles, pouvoirs "
                              "organisateurs), dates de migration ; aucune personne",
    ("console", "registry_sources"): "fichiers importés dans le registre : nom, date, nombre de lignes",
    ("console", "channel_errors"): "nombre d'excuses données par canal et par jour",
    ("console", "analytics_daily"): "compteurs par jour (messages, sujets, services) : aucun texte, aucun identifiant",
    ("console", "analytics_cursor"): "positions de l'agrégation et date de la dernière purge",
    ("console", "retraining_models"): "mesures de chaque modèle (exactitude…)",
    ("console", "alembic_version"): "version du schéma de la base (migrations Alembic, storage/)",
}
# Personal data outside these databases.
ELSEWHERE = (
    ("data/nlu/inbox.yml (BMA_NLU_DIR)", "exemples d'entraînement tirés des messages que le personnel a classés "
     "(texte masqué, autre e-mail remplacé) : gardés comme données d'entraînement ; les retirer du fichier au besoin"),
    ("Redis (lock store)", "identifiant de conversation, le temps de traiter un message (quelques secondes)"),
    ("mémoire de la page web", "adresse IP des votes, une minute (limite de votes par adresse)"),
    ("journaux des processus", "leur conservation est celle du système qui les reçoit (terminal, journald)"),
)


def declared(database: str, name: str) -> Kept | str | None:
    for kept in KEPT:
        if (kept.database, kept.table) == (database, name):
            return kept
    return WITHOUT_PERSONAL_DATA.get((database, name))


def undeclared(tables: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (database, table) pairs the declaration does not know."""
    return sorted(pair for pair in tables if declared(*pair) is None)


# --- rows past their retention --------------------------------------------------------------------------
def lightweight(kept: Kept, names: set[str] | None = None):
    """The table as SQLAlchemy Core needs it for the purge and the counts (no ORM class)."""
    types = {kept.clock: Float if kept.clock_type is UNIX else DateTime, "id": Integer, "status": String}
    if kept.key == "conversation_states":
        types.update(last_at=DateTime, first_day=Date)
    wanted = {*types, *kept.columns, *kept.erase} - {None, "inside"}
    return table(kept.table, *(column(name, types.get(name)) for name in sorted(wanted)
                               if names is None or name in names))


def stale(kept: Kept, t, chosen: Cutoffs):
    """The rows of ``t`` past the retention that still hold personal data."""
    limit = chosen.before(kept.retention) if kept.clock_type is UNIX else chosen.moment(kept.retention)
    condition = t.c[kept.clock] < limit
    if kept.key == "conversation_states":  # rows written before last_at: their first day
        day = chosen.moment(kept.retention).date()
        condition = or_(condition, and_(t.c.last_at.is_(None),
                                        or_(t.c.first_day.is_(None), t.c.first_day < day)))
    if kept.key == "feedback":
        condition = and_(condition, t.c.conversation_id.not_like(ERASED_CONVERSATION + "%"))
    if kept.erase:
        condition = and_(condition, or_(*(t.c[name].is_not(None) for name in kept.erase)))
    if kept.where is not None:
        condition = and_(condition, kept.where(t))
    return condition


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


def engine_of(database: str, config: Settings, tracker: str) -> Engine | None:
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


def count_old(kept: Kept, engine: Engine | None, chosen: Cutoffs, config: Settings) -> Line:
    if kept.retention is None:
        return Line(kept, None, "aucune ligne à compter")
    if engine is None:
        return Line(kept, None, "base absente (pas encore créée)")
    try:
        names = present_columns(engine, kept.table)
        if names is None:
            return Line(kept, None, ABSENT)
        if kept.clock == "inside":
            from analytics import retention

            return Line(kept, retention.count_old_broker(config, chosen.before(kept.retention)))
        if not usable(kept, names):
            return Line(kept, None, "structure inattendue : table laissée de côté")
        t = lightweight(kept, names)
        with engine.connect() as conn:
            return Line(kept, conn.execute(select(func.count()).select_from(t).where(stale(kept, t, chosen))).scalar())
    except Exception as error:  # an unreachable database: said, the other lines still come
        return Line(kept, None, f"base injoignable ({type(error).__name__})")


def report(config: Settings | None = None, chosen: Cutoffs | None = None, tracker: str | None = None) -> list[Line]:
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


def render(lines: list[Line], config: Settings, chosen: Cutoffs, tracker: str, now: dt.datetime | None = None) -> str:
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
