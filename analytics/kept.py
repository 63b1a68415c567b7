"""The declaration of every table that can hold personal data (``KEPT``), of those that hold none
(``WITHOUT_PERSONAL_DATA``) and of what is kept elsewhere; with the SQLAlchemy Core table and the
condition the purge (analytics.retention) and the privacy report (analytics.privacy) apply."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, Float, Integer, String, and_, column, or_, table

if TYPE_CHECKING:
    from analytics.cutoffs import Cutoffs


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
    ("console", "alembic_version"): "version du schéma de la base (migrations Alembic, storage/)",
    ("console", "analytics_cursor"): "positions de l'agrégation et date de la dernière purge",
    ("console", "retraining_models"): "mesures de chaque modèle (exactitude…)",
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
