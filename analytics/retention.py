"""Retention: everything personal has a retention, and this purge applies it (the declaration of
every table, its purpose and retention is analytics/privacy.py, which `make privacy-report` prints).
Headless: the staff's command (`make purge`) and the console's daily schedule are console/retention.py,
which writes each run in the staff's journal.

Older than ``BMA_RETENTION_DAYS`` days (default 30; ``--days``), deleted:
- the rows of Rasa's event broker (``events``), once the console has folded them in (never a row
  the aggregation has not read yet), and the events of Rasa's SQL tracker store;
- the console's transcripts (messages, then the conversations and search tags left without a
  recent message), the conversation states of the aggregation (sender id, BMA address) whose last
  event is that old;
- the texts of the review inbox (``inbox_messages``), the questions the FAQ does not answer
  included;
- the link of a vote to its conversation (``feedback.conversation_id`` becomes « efface-<n> »; the
  vote, the question it rated and the phase stay).
Older than ``BMA_TICKET_RETENTION_DAYS`` (default 90): the personal fields of the registry's tickets
are erased (name, first name, address, request, conversation); number, date, desk and status stay,
so the number a desk or a person quotes still means something and the counts by desk hold.
Older than ``BMA_AUDIT_RETENTION_DAYS`` (default 365): the staff's journal and finished model
operations. Expired sessions and sign-in counters go by the console's sign-in rules.
The console runs it once a day in its background loop (console.app); each run is in the audit log.
The daily counters stay, so the dashboard of an old period shows the same figures after the purge.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

from sqlalchemy import DateTime, String, case, cast, column, delete, func, literal, select, table, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import storage
from analytics import ingest, privacy
from analytics.broker_retention import (  # noqa: F401  (retention.purge_broker, as before)
    CHUNK,
    EMPTIED,
    EMPTIED_EVENT,
    TIMESTAMP_RE,
    count_old_broker,
    purge_broker,
)
from analytics.config import AnalyticsConfig, settings
from analytics.db import (
    IngestCursor,
    TranscriptConversation,
    TranscriptMessage,
    TranscriptTag,
    utcnow,
)
from analytics.privacy import RetentionError  # noqa: F401  (console.app, console.retention)

log = logging.getLogger(__name__)
Journal = Callable[[Session, str, str, str], None]  # (db, login, action, detail)

DEFAULT_DAYS = privacy.SETTINGS["conversations"][1]
EVERY = dt.timedelta(days=1)  # the console's schedule
KEPT = {kept.key: kept for kept in privacy.KEPT}
# The counts, as printed and written in the journal, by retention.
AUDIT_TEXTS = "audit_texts"
GROUPS = {
    "conversations": ["broker_events", "tracker_events", "messages", "conversations", "tags", "inbox",
                      "conversation_states", "feedback"],
    "tickets": ["tickets"],
    "audit": ["audit", AUDIT_TEXTS, "retraining_jobs", "retraining_state"],
    "sign_in": ["sessions", "sign_in_failures", "known_clients", "audit_bursts", "sign_in_attempts"],
}
LABELS_FR = {key: KEPT[key].label for group in GROUPS.values() for key in group if key in KEPT}
LABELS_FR[AUDIT_TEXTS] = "entrées du journal dont un texte d'usager est effacé (première version de la boîte de réception)"
# Purged by their own code below; every other table of the console's database by its declaration.
CUSTOM = {"broker_events", "tracker_events", "messages", "conversations", "tags", "conversation_states", "feedback"}
# The first version of the inbox wrote the group's words in the journal: « groupe « … » ».
OLD_INBOX_DETAIL_RE = re.compile(r"groupe « [^«»]* »")
INBOX_ACTIONS = ("c'est la question", "hors sujet", "question à ajouter à la FAQ", "ignorer")


def shown(count: int | None) -> str:
    return "non supprimés (erreur)" if count is None else str(count)


def retention_days(environ: dict | None = None) -> int:
    return privacy.days_of("conversations", environ)


def purge_tracker(url: str, before: float) -> int | None:
    """Delete the events of Rasa's SQL tracker store older than ``before`` (a Unix time; Rasa's
    ``timestamp`` column). Rasa reads a conversation's latest session (60 minutes without a message
    end one, domain.yml), so only finished sessions lose events; the slots a new session carries
    over are new events."""
    engine = privacy.tracker_engine(url)
    if engine is None:
        return 0
    kept = KEPT["tracker_events"]
    names = privacy.present_columns(engine, kept.table)
    if names is None:
        return 0
    if not privacy.usable(kept, names):
        log.error("retention: %s has no « timestamp » column: is it Rasa's tracker store? Left alone.",
                  privacy.shown_url(url))
        return None
    t = privacy.lightweight(kept, names)
    with engine.begin() as conn:
        return conn.execute(delete(t).where(t.c.timestamp < before)).rowcount


def purge_transcripts(db: Session, cutoff: dt.datetime) -> dict[str, int]:
    # The tables, not the ORM classes: bulk statements, nothing to synchronise with a session.
    c, m, t = TranscriptConversation.__table__, TranscriptMessage.__table__, TranscriptTag.__table__
    messages = db.execute(delete(m).where(m.c.at < cutoff)).rowcount
    tags = db.execute(delete(t).where(t.c.last_at < cutoff)).rowcount
    conversations = db.execute(delete(c).where(c.c.last_at < cutoff)).rowcount
    tags += db.execute(delete(t).where(t.c.conversation_ref.not_in(select(c.c.id)))).rowcount
    # A conversation that goes on past the cutoff keeps its recent messages only.
    first = select(func.min(m.c.at)).where(m.c.conversation_ref == c.c.id).scalar_subquery()
    users = select(func.count()).where(m.c.conversation_ref == c.c.id, m.c.author == "user").scalar_subquery()
    bots = select(func.count()).where(m.c.conversation_ref == c.c.id, m.c.author == "bot").scalar_subquery()
    db.execute(update(c).where(c.c.started_at < cutoff)
               .values(started_at=func.coalesce(first, c.c.last_at), user_messages=users, bot_messages=bots))
    return {"messages": messages, "conversations": conversations, "tags": tags}


def purge_conversation_states(db: Session, chosen: privacy.Cutoffs) -> int:
    """The aggregation's state of conversations whose last event is past the retention. States
    written before ``last_at`` existed get the time of their transcript's last message first."""
    states = table("analytics_conversations", column("conversation_id"), column("last_at", DateTime))
    found = table("transcript_conversations", column("conversation_id"), column("last_at", DateTime))
    db.execute(update(states).where(states.c.last_at.is_(None)).values(
        last_at=select(func.max(found.c.last_at)).where(found.c.conversation_id == states.c.conversation_id)
        .scalar_subquery()))
    kept = KEPT["conversation_states"]
    return purge_declared(db, kept, chosen, privacy.present_columns(db.connection(), kept.table))


def purge_feedback(db: Session, chosen: privacy.Cutoffs) -> int:
    """A vote older than the retention loses its conversation id (« efface-<n> », unique like the
    id it replaces); one still pending can no longer be linked (the broker rows are gone)."""
    kept = KEPT["feedback"]
    t = privacy.lightweight(kept)
    return db.execute(update(t).where(privacy.stale(kept, t, chosen)).values(
        conversation_id=literal(privacy.ERASED_CONVERSATION, String) + cast(t.c.id, String),
        status=case((t.c.status == "pending", "unresolved"), else_=t.c.status))).rowcount


def purge_declared(db: Session, kept: privacy.Kept, chosen: privacy.Cutoffs, names: set[str]) -> int | None:
    """What the declaration says at the end of the retention: the row deleted, or its personal
    columns emptied. None when the table (``names``: its columns) is not as declared (left alone,
    logged)."""
    if not privacy.usable(kept, names):
        log.error("retention: table %s not as declared in analytics/privacy.py: left alone", kept.table)
        return None
    t = privacy.lightweight(kept, names)
    where = privacy.stale(kept, t, chosen)
    statement = update(t).where(where).values({name: None for name in kept.erase}) if kept.erase \
        else delete(t).where(where)
    return db.execute(statement).rowcount


def erase_old_inbox_texts(db: Session) -> int:
    """Journal entries of the first inbox version held the group's words: replaced by « groupe
    (texte effacé) », whatever their age (console/audit.py: never user text)."""
    entries = table("console_audit", column("id"), column("action"), column("detail"))
    rows = db.execute(select(entries.c.id, entries.c.detail).where(
        entries.c.action.in_(INBOX_ACTIONS), entries.c.detail.like("%groupe «%"))).all()
    for entry_id, detail in rows:
        db.execute(update(entries).where(entries.c.id == entry_id).values(
            detail=OLD_INBOX_DETAIL_RE.sub("groupe (texte effacé)", detail)))
    return len(rows)


def journal_detail(counts: dict, chosen: privacy.Cutoffs) -> str:
    parts = []
    for group, keys in GROUPS.items():
        shown_keys = [k for k in keys if k in counts]
        if not shown_keys:
            continue
        what = ", ".join(f"{shown(counts[k])} {LABELS_FR[k]}" for k in shown_keys)
        if group in privacy.SETTINGS:
            label = "" if group == "conversations" else f"{privacy.SETTINGS[group][2]} : "
            parts.append(f"{label}plus de {chosen.days[group]} jours : {what}")
        else:
            parts.append(f"connexions du personnel : {what}")
    return " ; ".join(parts)


def purge(config: AnalyticsConfig | None = None, days: int | None = None, now: float | None = None,
          login: str = "(commande)", tracker: str | None = None, chosen: privacy.Cutoffs | None = None,
          journal: Journal | None = None) -> dict[str, int]:
    """Fold in what the broker holds, then apply every retention (``days``: the conversations',
    else BMA_RETENTION_DAYS; ``tracker``: Rasa's tracker store URL, else analytics.privacy.tracker_url).
    ``journal(db, login, action, detail)`` writes the run in the staff's journal, in the purge's
    transaction (console.audit.record: console/retention.py passes it). Returns the counts by kind
    (see LABELS_FR; a table absent from the database has no count)."""
    config = config or settings()
    chosen = chosen or privacy.cutoffs(now, conversations=days)
    tracker = privacy.tracker_url() if tracker is None else tracker
    before = chosen.before("conversations")
    cutoff = chosen.moment("conversations")
    ingest.catch_up(config)  # never delete a broker row the aggregates have not counted
    with ingest.running():  # no aggregation of this process in between
        counts: dict[str, int | None] = {}
        for key, step, where in (("broker_events", purge_broker, config), ("tracker_events", purge_tracker, tracker)):
            try:
                counts[key] = step(where, before)
            except SQLAlchemyError as error:  # e.g. no DELETE right on Rasa's table: the console's own texts still go
                log.error("retention: %s not deleted (%s: %s)", LABELS_FR[key], type(error).__name__, error)
                counts[key] = None
        with storage.session(config.db_url) as db, db.begin():
            counts.update(purge_transcripts(db, cutoff))
            counts["conversation_states"] = purge_conversation_states(db, chosen)
            counts["feedback"] = purge_feedback(db, chosen)
            for kept in privacy.KEPT:
                if kept.database == "console" and kept.retention is not None and kept.key not in CUSTOM:
                    names = privacy.present_columns(db.connection(), kept.table)
                    if names is not None:  # (a table of another version of the console: nothing to count)
                        counts[kept.key] = purge_declared(db, kept, chosen, names)
            counts[AUDIT_TEXTS] = erase_old_inbox_texts(db)
            if journal is not None:
                journal(db, login, "purge", journal_detail(counts, chosen))
            cursor = db.get(IngestCursor, "retention")
            if cursor is None:
                db.add(IngestCursor(name="retention", last_event_id=0, updated_at=utcnow()))
            else:
                cursor.updated_at = utcnow()
    return counts


def due(config: AnalyticsConfig, every: dt.timedelta = EVERY) -> bool:
    """True when the last purge (by the console or the command) is older than ``every``."""
    with storage.session(config.db_url) as db:
        cursor = db.get(IngestCursor, "retention")
    return cursor is None or cursor.updated_at is None or utcnow() - cursor.updated_at >= every
