"""Every ``BMA_*`` environment variable of the project, declared once: name, type, default, what it
does (French for the operators, English for developers). Modules read them through ``get(name)`` or
``current()``, which read the environment at call time (tests set variables per test); the entry
points call ``validate()`` at start, which stops on a bad value with a French message
(« BMA_CONSOLE_PORT : un nombre entier est attendu (reçu « abc ») »).

docs/operators.md holds the table of these variables, generated from this module
(``python -m settings --write-docs``; a unit test checks it is in sync). No project import.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
TRUE_WORDS = frozenset({"1", "true", "yes", "oui", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "non", "off"})


class SettingError(ValueError):
    """A bad value, with its French message (the variable's name first)."""


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str  # text, secret, int, float, bool, date, path, url, list
    default: str  # as the operators read it (a path's default: under the project's root); "": unset
    fr: str
    en: str

    @property
    def attribute(self) -> str:
        return self.name.removeprefix("BMA_").lower()


def _v(name: str, kind: str, default: str, fr: str, en: str) -> Variable:
    return Variable(name, kind, default, fr, en)


VARIABLES: tuple[Variable, ...] = (
    # Databases
    _v("BMA_DB_URL", "url", "sqlite:///var/registry.sqlite3",
       "base du projet (URL SQLAlchemy) : registre, tickets, votes, tables de la console et des statistiques",
       "the project's database (SQLAlchemy URL): registry, tickets, votes, console and analytics tables"),
    # endpoints.yml's event broker writes var/events.sqlite3 relative to the Rasa server's working
    # directory, which scripts/run.sh sets to the project root.
    _v("BMA_EVENTS_DB_URL", "url", "sqlite:///var/events.sqlite3",
       "courtier d'événements SQL de Rasa (URL SQLAlchemy), lu par la console",
       "Rasa's SQL event broker (SQLAlchemy URL), read by the console"),
    _v("BMA_TRACKER_URL", "url", "",
       "stockage des conversations de Rasa (URL SQLAlchemy) ; sinon le `tracker_store` SQL de `BMA_ENDPOINTS`",
       "Rasa's tracker store (SQLAlchemy URL); else the SQL tracker_store of BMA_ENDPOINTS"),
    _v("BMA_ENDPOINTS", "text", "",
       "fichier d'endpoints de Rasa (non défini : `endpoints.yml` ; `deploy/endpoints.*` : démarrage de production)",
       "Rasa's endpoints file (unset: endpoints.yml; deploy/endpoints.*: a production start)"),
    _v("BMA_PRODUCTION", "bool", "",
       "`1` : démarrage de production (les données de démonstration sont refusées)",
       "1: a production start (demonstration data refused)"),
    # Domain
    _v("BMA_TODAY", "date", "",
       "date de référence des phases (AAAA-MM-JJ) ; non définie : aujourd'hui",
       "reference date of the phases (YYYY-MM-DD); unset: today"),
    # Public side
    _v("BMA_WEB_PORT", "int", "8080", "port de la page web publique", "port of the public web page"),
    _v("BMA_SOCKET_URL", "url", "http://localhost:5005",
       "où la page web trouve le canal socket.io de Rasa", "where the web page finds Rasa's socket.io channel"),
    _v("BMA_SITE_ORIGINS", "list", "http://localhost:8080,http://127.0.0.1:8080",
       "origines acceptées par socket.io (séparées par des virgules)",
       "origins socket.io accepts (comma-separated)"),
    _v("BMA_FEEDBACK_PER_MINUTE", "int", "30",
       "votes acceptés par adresse de client et par minute (page web)",
       "votes accepted per client address and minute (web page)"),
    _v("BMA_MAX_MESSAGE_CHARS", "int", "1000",
       "longueur maximale d'un message (au-delà : refus poli avant la NLU)",
       "longest message (beyond: a polite refusal before NLU)"),
    _v("BMA_ACTION_TIMEOUT", "float", "10",
       "secondes d'attente du serveur d'actions, puis Rasa répond lui-même",
       "seconds waited for the action server, then Rasa answers itself"),
    _v("BMA_API_TOKEN", "secret", "",
       "jeton de l'API HTTP de Rasa (`make run` en tire un au hasard à chaque démarrage)",
       "Rasa's HTTP API token (make run draws a random one per start)"),
    _v("BMA_MODEL", "path", "",
       "modèle servi par les tests d'intégration (sinon le plus récent de `models/`)",
       "model served by the integration tests (else the newest under models/)"),
    # Console
    _v("BMA_CONSOLE_HOST", "text", "127.0.0.1", "adresse d'écoute de la console", "where the console listens"),
    _v("BMA_CONSOLE_PORT", "int", "8081", "port de la console", "the console's port"),
    _v("BMA_CONSOLE_SECURE", "bool", "", "`1` derrière HTTPS : cookies Secure", "1 behind HTTPS: Secure cookies"),
    _v("BMA_CONSOLE_TZ", "text", "Europe/Brussels",
       "fuseau du calendrier du personnel (jours du tableau de bord, des votes)",
       "the staff's calendar (days of the dashboard, of the votes)"),
    _v("BMA_CONSOLE_SESSION_HOURS", "float", "8", "durée maximale d'une session (heures)", "session lifetime (hours)"),
    _v("BMA_CONSOLE_IDLE_MINUTES", "float", "60", "inactivité qui ferme une session (minutes)",
       "idle time that ends a session (minutes)"),
    _v("BMA_CONSOLE_INGEST_SECONDS", "float", "10", "période de l'agrégation en arrière-plan (secondes)",
       "background aggregation period (seconds)"),
    _v("BMA_CONSOLE_LOW_CONFIDENCE", "float", "0.7",
       "en dessous de cette confiance, un message va dans la boîte de réception",
       "below this confidence, a message goes to the inbox"),
    _v("BMA_CONSOLE_SIGNIN_PER_MINUTE", "int", "10",
       "essais de connexion par adresse de client et par minute (au-delà : 429)",
       "sign-in tries per client address and minute (beyond: 429)"),
    _v("BMA_CONSOLE_PASSWORD_CHECKS", "int", "4", "vérifications Argon2 simultanées (64 Mio chacune)",
       "Argon2 checks at once (64 MiB each)"),
    _v("BMA_CONSOLE_PASSWORD_WAIT", "float", "1", "attente maximale d'une vérification (secondes ; au-delà : 503)",
       "longest wait for a check (seconds; beyond: 503)"),
    _v("BMA_CONSOLE_TRUSTED_PROXY", "list", "",
       "adresses des mandataires inverses dont l'en-tête X-Forwarded-For nomme le client",
       "reverse proxies whose X-Forwarded-For names the client"),
    _v("BMA_CONSOLE_SECRET", "secret", "",
       "clé HMAC des identifiants inconnus du journal et des compteurs (sinon `var/console-secret.key`, généré)",
       "HMAC key of unknown logins and sign-in counters (else var/console-secret.key, generated)"),
    _v("BMA_METRICS_TOKEN", "secret", "",
       "jeton qui ouvre `/metrics` sans session (non défini : personnel connecté seulement)",
       "bearer token opening /metrics without a session (unset: signed-in staff only)"),
    _v("BMA_NLU_DIR", "path", "data/nlu",
       "où `inbox.yml` est écrit, et contre quoi il est dédoublonné", "where inbox.yml goes and is deduplicated against"),
    _v("BMA_DATA_DIR", "path", "data", "données d'entraînement de « Réentraîner »", "training data of retraining"),
    _v("BMA_MODELS_DIR", "path", "models", "où vont les modèles candidats (dossier `console/`)",
       "where candidate models go (its console/ folder)"),
    _v("BMA_RASA_URL", "url", "http://127.0.0.1:5005",
       "le serveur Rasa que « Modèles » interroge et bascule (sinon le port `RASA_PORT`)",
       "the Rasa server the models page asks and switches (else RASA_PORT)"),
    # Retention
    _v("BMA_RETENTION_DAYS", "int", "30", "jours de conservation des conversations", "days conversations are kept"),
    _v("BMA_TICKET_RETENTION_DAYS", "int", "90", "jours avant l'effacement des champs personnels des tickets",
       "days before the tickets' personal fields are erased"),
    _v("BMA_AUDIT_RETENTION_DAYS", "int", "365", "jours de conservation du journal du personnel",
       "days the staff's journal is kept"),
)
BY_NAME = {variable.name: variable for variable in VARIABLES}
EXPECTED = {
    "int": "un nombre entier est attendu", "float": "un nombre est attendu",
    "bool": "1 ou 0 est attendu (ou oui/non, true/false)", "date": "une date AAAA-MM-JJ est attendue",
    "url": "une URL est attendue (par exemple sqlite:///var/base.sqlite3 ou postgresql://hote/base)",
}


def raw(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The variable's text, stripped ("" when unset)."""
    if name not in BY_NAME:
        raise KeyError(f"{name} is not declared in settings.VARIABLES")
    return (os.environ if environ is None else environ).get(name, "").strip()


def _parse(variable: Variable, text: str):
    kind = variable.kind
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "date":
            return dt.date.fromisoformat(text)
    except ValueError:
        raise SettingError(f"{variable.name} : {EXPECTED[kind]} (reçu « {text} »)") from None
    if kind == "bool":
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise SettingError(f"{variable.name} : {EXPECTED[kind]} (reçu « {text} »)")
    if kind == "url" and "://" not in text:
        raise SettingError(f"{variable.name} : {EXPECTED[kind]} (reçu « {text} »)")
    if kind == "path":  # as given (relative: to the working directory)
        return Path(text)
    if kind == "list":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


def _default(variable: Variable):
    if variable.kind == "url" and variable.default.startswith("sqlite:///"):
        return f"sqlite:///{PROJECT_ROOT / variable.default[len('sqlite:///'):]}"
    if variable.kind == "path" and variable.default:  # a default is under the project's root
        return PROJECT_ROOT / variable.default
    if variable.default == "":
        return {"date": None, "path": None, "int": None, "float": None, "bool": False, "list": ()}.get(variable.kind, "")
    return _parse(variable, variable.default)


def get(name: str, environ: Mapping[str, str] | None = None):
    """The variable's value, typed (its default when unset or empty); SettingError on a bad value."""
    text = raw(name, environ)
    variable = BY_NAME[name]
    return _parse(variable, text) if text else _default(variable)


class Current:
    """The settings of one environment: ``current().db_url`` is ``get("BMA_DB_URL")``, read when asked."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self._environ = environ

    def __getattr__(self, attribute: str):
        name = "BMA_" + attribute.upper()
        if name not in BY_NAME:
            raise AttributeError(attribute)
        return get(name, self._environ)


def current(environ: Mapping[str, str] | None = None) -> Current:
    return Current(environ)


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """A French message for each variable with a bad value."""
    found = []
    for variable in VARIABLES:
        try:
            get(variable.name, environ)
        except SettingError as error:
            found.append(str(error))
    return found


def validate(environ: Mapping[str, str] | None = None) -> None:
    """At start: stop with the French messages when a variable has a bad value."""
    found = problems(environ)
    if found:
        raise SystemExit("Réglage invalide dans l'environnement :\n" + "\n".join(f"- {line}" for line in found))


# --- the operators' table (docs/operators.md) ------------------------------------------------------
DOCS = PROJECT_ROOT / "docs" / "operators.md"
BEGIN, END = "<!-- settings:begin (python -m settings --write-docs) -->", "<!-- settings:end -->"
KIND_FR = {"text": "texte", "secret": "secret", "int": "entier", "float": "nombre", "bool": "1 / 0",
           "date": "date", "path": "chemin", "url": "URL", "list": "liste"}


def markdown_table() -> str:
    lines = ["| Variable | Type | Défaut | Rôle | Role |", "|---|---|---|---|---|"]
    for v in VARIABLES:
        default = f"`{v.default}`" if v.default else "—"
        lines.append(f"| `{v.name}` | {KIND_FR[v.kind]} | {default} | {v.fr} | {v.en} |")
    return "\n".join(lines)


def docs_with_table(text: str) -> str:
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + markdown_table() + "\n" + text[stop:]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--write-docs"]:
        DOCS.write_text(docs_with_table(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    if args == ["--check"]:
        validate()
        print("Réglages valides.")
        return 0
    print(markdown_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
