"""Retention: transcripts older than ``BMA_RETENTION_DAYS`` days (default 30) are deleted; the
aggregates (daily counters, feedback, tickets) are kept, so the dashboard of an old period shows
the same figures after the purge.

    .venv/bin/python -m console.retention [--days N]      # also `make purge`

What is deleted, older than N days:
- the rows of Rasa's event broker (``events``), once the console has folded them in (never a row
  the aggregation has not read yet);
- the console's transcripts (messages, then the conversations and search tags left without a
  recent message);
- the texts of the review inbox (``inbox_messages``) and the questions the FAQ does not answer
  kept by the assistant (``review_questions``).
The console runs it once a day in its background loop (console.app); each run is in the audit log.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import sys
import time

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bma.registry.store import ReviewQuestionRow
from console import audit, ingest
from console.config import Settings, settings
from console.db import (
    InboxMessage,
    IngestCursor,
    TranscriptConversation,
    TranscriptMessage,
    TranscriptTag,
    broker_events,
    broker_ready,
    console_engine,
    events_engine,
    utcnow,
)

log = logging.getLogger(__name__)

DEFAULT_DAYS = 30
EVERY = dt.timedelta(days=1)  # the console's schedule
CHUNK = 5000
# The event's own timestamp: the first "timestamp" key of Rasa's JSON (the event's, written before
# its metadata and parse data; quotes inside strings are escaped, so no text can imitate it).
EMPTIED_EVENT = "bma_purged"  # the emptied last row (see purge_broker): no sender, no content
EMPTIED = '{"event": "bma_purged"'
TIMESTAMP_RE = re.compile(r'"timestamp": (-?[0-9.]+(?:[eE][-+]?[0-9]+)?)')
LABELS_FR = {
    "broker_events": "événements du courtier d'événements de Rasa",
    "messages": "messages des conversations",
    "conversations": "conversations",
    "inbox": "messages de la boîte de réception",
    "review_questions": "questions hors FAQ gardées par l'assistant",
}


def shown(count: int | None) -> str:
    return "non supprimés (erreur)" if count is None else str(count)


class RetentionError(ValueError):
    """A French message about the setting."""


def retention_days(environ: dict | None = None) -> int:
    env = environ if environ is not None else os.environ
    raw = (env.get("BMA_RETENTION_DAYS") or "").strip() or str(DEFAULT_DAYS)
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise RetentionError(f"BMA_RETENTION_DAYS doit être un nombre entier de jours, au moins 1 (reçu : « {raw} »).")
    return days


def purge_broker(config: Settings, before: float) -> int:
    """Delete the broker rows older than ``before`` (a Unix time) among those already aggregated.
    Rows are read in id order, which is time order for Rasa's broker; the scan stops at the first
    chunk without any old row, so a newer row is never deleted.

    The row with the highest id is emptied instead of deleted: SQLite gives a new row the highest
    id + 1, so deleting the last rows (a month without traffic) would hand their ids again to new
    events, which the aggregation, past them already, would never read."""
    if not broker_ready(config.events_url):
        return 0
    with Session(console_engine(config.db_url), future=True) as db:
        cursor = db.get(IngestCursor, "events")
        ingested = cursor.last_event_id if cursor else 0
    deleted, after = 0, 0
    engine = events_engine(config.events_url)
    while True:
        with engine.begin() as conn:
            top = conn.execute(select(func.max(broker_events.c.id))).scalar()
            rows = conn.execute(select(broker_events.c.id, broker_events.c.data)
                                .where(broker_events.c.id > after, broker_events.c.id <= ingested)
                                .order_by(broker_events.c.id).limit(CHUNK)).all()
            if not rows:
                return deleted
            old = []
            for event_id, data in rows:
                found = TIMESTAMP_RE.search(data or "")
                if found and float(found.group(1)) < before:
                    old.append(event_id)
                    if event_id == top and not data.startswith(EMPTIED):
                        conn.execute(update(broker_events).where(broker_events.c.id == top).values(
                            sender_id=None, data=json.dumps({"event": EMPTIED_EVENT, "timestamp": float(found.group(1))})))
                        deleted += 1
            if old:
                doomed = [i for i in old if i != top]
                conn.execute(delete(broker_events).where(broker_events.c.id.in_(doomed)))
                deleted += len(doomed)
        if not old:
            return deleted
        after = rows[-1][0]


def purge_transcripts(db: Session, cutoff: dt.datetime) -> dict[str, int]:
    # The tables, not the ORM classes: bulk statements, nothing to synchronise with a session.
    c, m, t = TranscriptConversation.__table__, TranscriptMessage.__table__, TranscriptTag.__table__
    messages = db.execute(delete(m).where(m.c.at < cutoff)).rowcount
    db.execute(delete(t).where(t.c.last_at < cutoff))
    conversations = db.execute(delete(c).where(c.c.last_at < cutoff)).rowcount
    db.execute(delete(t).where(t.c.conversation_ref.not_in(select(c.c.id))))
    # A conversation that goes on past the cutoff keeps its recent messages only.
    first = select(func.min(m.c.at)).where(m.c.conversation_ref == c.c.id).scalar_subquery()
    users = select(func.count()).where(m.c.conversation_ref == c.c.id, m.c.author == "user").scalar_subquery()
    bots = select(func.count()).where(m.c.conversation_ref == c.c.id, m.c.author == "bot").scalar_subquery()
    db.execute(update(c).where(c.c.started_at < cutoff)
               .values(started_at=func.coalesce(first, c.c.last_at), user_messages=users, bot_messages=bots))
    return {"messages": messages, "conversations": conversations}


def purge(config: Settings | None = None, days: int | None = None, now: float | None = None,
          login: str = "(commande)") -> dict[str, int]:
    """Fold in what the broker holds, then delete what is older than ``days`` days. Returns the
    counts by kind (see LABELS_FR)."""
    config = config or settings()
    days = days if days is not None else retention_days()
    now = now if now is not None else time.time()
    before = now - days * 86400
    cutoff = dt.datetime.fromtimestamp(before, dt.timezone.utc).replace(tzinfo=None)
    ingest.catch_up(config)  # never delete a broker row the aggregates have not counted
    with ingest.running():  # no aggregation of this process in between
        try:
            counts = {"broker_events": purge_broker(config, before)}
        except SQLAlchemyError as error:  # e.g. no DELETE right on Rasa's table: the console's own texts still go
            log.error("retention: broker rows not deleted (%s: %s)", type(error).__name__, error)
            counts = {"broker_events": None}
        with Session(console_engine(config.db_url), future=True) as db, db.begin():
            counts.update(purge_transcripts(db, cutoff))
            inbox, review = InboxMessage.__table__, ReviewQuestionRow.__table__
            counts["inbox"] = db.execute(delete(inbox).where(inbox.c.received_at < cutoff)).rowcount
            counts["review_questions"] = db.execute(delete(review).where(review.c.created_at < cutoff)).rowcount
            audit.record(db, login, "purge", f"plus de {days} jours : " + ", ".join(
                f"{shown(counts[k])} {LABELS_FR[k]}" for k in LABELS_FR))
            cursor = db.get(IngestCursor, "retention")
            if cursor is None:
                db.add(IngestCursor(name="retention", last_event_id=0, updated_at=utcnow()))
            else:
                cursor.updated_at = utcnow()
    return counts


def due(config: Settings, every: dt.timedelta = EVERY) -> bool:
    """True when the last purge (by the console or the command) is older than ``every``."""
    with Session(console_engine(config.db_url), future=True) as db:
        cursor = db.get(IngestCursor, "retention")
    return cursor is None or cursor.updated_at is None or utcnow() - cursor.updated_at >= every


_failed_at: float | None = None
RETRY_SECONDS = 3600.0


def run_if_due(config: Settings) -> dict[str, int] | None:
    """The console's schedule: a purge once a day (the first one when the console starts); after
    a failure (logged by the caller), the next try comes an hour later, not at every tick."""
    global _failed_at
    if _failed_at is not None and time.monotonic() - _failed_at < RETRY_SECONDS:
        return None
    if not due(config):
        return None
    try:
        counts = purge(config, retention_days(), login="(automatique)")
    except Exception:
        _failed_at = time.monotonic()
        raise
    _failed_at = None
    log.info("retention: %s", ", ".join(f"{shown(n)} {LABELS_FR[k]}" for k, n in counts.items()))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Supprime les transcriptions plus anciennes que BMA_RETENTION_DAYS "
                                                 "jours (30 par défaut) ; les chiffres agrégés sont gardés.")
    parser.add_argument("--days", type=int, help="nombre de jours gardés (sinon BMA_RETENTION_DAYS)")
    args = parser.parse_args(argv)
    try:
        days = args.days if args.days is not None else retention_days()
        if days < 1:
            raise RetentionError("--days doit valoir au moins 1.")
    except RetentionError as error:
        print(error, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    counts = purge(days=days)
    limit = dt.datetime.fromtimestamp(time.time() - days * 86400).strftime("%d/%m/%Y %H:%M")
    print(f"Conservation : {days} jours (supprimé : tout ce qui est antérieur au {limit}).")
    for key, label in LABELS_FR.items():
        print(f"  {label} : {shown(counts[key])}")
    print("Les chiffres agrégés (tableau de bord, avis, tickets) sont gardés.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
