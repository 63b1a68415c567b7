"""Incremental aggregation of Rasa's event broker: each event is read once, in broker order, and
turned into daily counters (analytics_daily), inbox candidates (inbox_messages) and the little
state a conversation needs between two batches (analytics_conversations). The dashboard then only
sums a few hundred counter rows, whatever the number of conversations.

    .venv/bin/python -m analytics.ingest      # catch up now (the console also does it every few seconds)

Metrics (key = '' unless said): conversations (by the day of their first message), messages,
intent (key: the predicted intent), clarification (action_default_ask_affirmation), fallback
(intent nlu_fallback the classifier did not place between two answers, or action_default_fallback), not_covered (intent faq_not_covered),
none_of_these (deny right after a clarification), handoff (action_human_handoff), handoff_desk
(key: a desk the hand-off reply named, as its decision recorded it), lookup_phase (key: the phase
of a BMA address just given, as the reply that looked it up recorded it, « unknown » when it was not
in the registry; « unrecorded » for both before decisions held them: analytics/decisions.py), latency (key: the upper bound of the answer-latency
bucket, in seconds, or +Inf: from a user message to the next bot message) and latency_ms (their
sum, in milliseconds), error (key: action_server, the French answer given when the action server
failed).

Transcripts (transcript_conversations, transcript_messages, transcript_tags): every user and bot
message with its masked text, and what a conversation can be found by (intents, BMA addresses);
deleted after BMA_RETENTION_DAYS by analytics.retention, while the counters stay. So is a
conversation's state (sender id, BMA address…) once its last event (``last_at``) is that old: a
conversation that comes back later is counted again, as a new one, on that day.

By job: analytics/batch.py folds a batch of events in memory, analytics/ingest_store.py writes it;
this module reads the broker in order, holds the cursor and runs the catch-up.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
import threading
import time

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from analytics import inbox, rated_answers
from analytics.batch import (  # noqa: F401  (public names of the aggregation)
    CLARIFY,
    FALLBACK_ACTION,
    HANDOFF,
    LATENCY_BUCKETS,
    MAX_TRANSCRIPT_TEXT,
    NOT_COVERED,
    STATE_FIELDS,
    Batch,
    latency_bucket,
)
from analytics.config import AnalyticsConfig, settings
from analytics.db import IngestCursor, analytics_engine, broker_events, broker_ready, events_engine, utcnow
from analytics.events import Clock
from analytics.ingest_store import _add_counts, _late_candidates, _load_states, _save_states, _save_transcripts
from bma.decisions import FALLBACK_MARK as ACTION_FALLBACK_MARK  # noqa: F401

log = logging.getLogger(__name__)

BATCH = 5000
# With several Rasa instances on PostgreSQL, ids come from a sequence before the commit: a
# missing id may be a row still being written. The aggregation waits at such a gap for up to
# GAP_WAIT_SECONDS, then goes on (a rolled-back insert leaves a gap for ever).
GAP_WAIT_SECONDS = 30.0
_gaps: dict[int, float] = {}
_lock = threading.Lock()  # one aggregation at a time in this process


def _until_gap(rows: list, start: int) -> list:
    expected = start + 1
    for index, row in enumerate(rows):
        if row[0] != expected:
            first_seen = _gaps.setdefault(expected, time.monotonic())
            if time.monotonic() - first_seen < GAP_WAIT_SECONDS:
                return rows[:index]
            _gaps.pop(expected, None)
        expected = row[0] + 1
    return rows


def ingest_batch(config: AnalyticsConfig, limit: int = BATCH) -> int:
    """Fold the next ``limit`` broker events into the analytics' tables; returns how many were read."""
    if not broker_ready(config.events_url):
        return 0  # Rasa has not written any event yet
    clock = Clock(config.timezone)
    engine = analytics_engine(config.db_url)
    with Session(engine, future=True) as db, db.begin():
        cursor = db.get(IngestCursor, "events")
        start = cursor.last_event_id if cursor else 0
        with events_engine(config.events_url).connect() as conn:
            rows = conn.execute(select(broker_events.c.id, broker_events.c.sender_id, broker_events.c.data)
                                .where(broker_events.c.id > start).order_by(broker_events.c.id).limit(limit)).all()
        rows = _until_gap(rows, start)
        if not rows:
            return 0
        batch = Batch(_load_states(db, sorted({r[1] for r in rows if r[1]})), clock, config.low_confidence)
        for event_id, sender, data in rows:
            # Only user, bot, action and two slot events count; the raw JSON is checked before
            # parsing (Rasa writes json.dumps' default separators; quotes inside strings are escaped).
            if not sender:
                continue
            if '"event": "user"' not in data and '"event": "bot"' not in data:
                if '"event": "action"' in data:
                    if '"name": "action_listen"' in data:
                        continue
                elif '"event": "slot"' not in data or ('"name": "bma_address"' not in data
                                                       and '"name": "topic"' not in data):
                    continue
            try:
                event = json.loads(data)
            except ValueError:
                log.warning("broker event %s is not JSON: skipped", event_id)
                continue
            kind = event.get("event")
            if kind == "user":
                batch.user(event_id, sender, event)
            elif kind == "bot":
                batch.bot(event_id, sender, event)
            elif kind == "action":
                batch.action(sender, event)
            elif kind == "slot" and event.get("name") in ("bma_address", "topic"):
                batch.slot(sender, event)
            else:
                continue
            # When the conversation was last seen: its state (sender id, address) is deleted once
            # that is older than BMA_RETENTION_DAYS (analytics.retention).
            state = batch.states.get(sender)
            moment = clock.moment(float(event.get("timestamp") or time.time()))
            if state is not None and (state["last_at"] is None or state["last_at"] < moment):
                state["last_at"] = moment
        if batch.late:
            batch.candidates.update(_late_candidates(config.events_url, batch.late, clock, config.low_confidence))
        _add_counts(db, batch.counts)
        _save_states(db, batch.states)
        _save_transcripts(db, batch)
        inbox.upsert(db, batch.candidates)
        last = rows[-1][0]
        if cursor is None:
            db.add(IngestCursor(name="events", last_event_id=last, updated_at=utcnow()))
        else:
            # Another process that aggregated the same rows meanwhile makes this update miss: roll back.
            moved = db.execute(update(IngestCursor).where(IngestCursor.name == "events",
                                                          IngestCursor.last_event_id == start)
                               .values(last_event_id=last, updated_at=utcnow()))
            if moved.rowcount != 1:
                raise RuntimeError("aggregation cursor moved by another process")
    return len(rows)


@contextlib.contextmanager
def running():
    """Hold this process's aggregation (the purge deletes what it would otherwise write beside)."""
    with _lock:
        yield


def catch_up(config: AnalyticsConfig | None = None, budget_seconds: float | None = None, wait_seconds: float = -1) -> dict:
    """Aggregate every new event (within ``budget_seconds`` if given), then resolve pending
    feedback. Waits up to ``wait_seconds`` (0: not at all, -1: as long as it takes) for another
    run of this process. Returns {'events': n, 'feedback': n, 'behind': bool}."""
    config = config or settings()
    acquired = _lock.acquire(blocking=False) if wait_seconds == 0 else _lock.acquire(timeout=wait_seconds)
    if not acquired:
        return {"events": 0, "feedback": 0, "behind": True}
    try:
        deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
        total, behind = 0, False
        while True:
            n = ingest_batch(config)
            total += n
            if n < BATCH:
                break
            if deadline is not None and time.monotonic() > deadline:
                behind = True
                break
        resolved = rated_answers.resolve_pending(config)
        return {"events": total, "feedback": resolved, "behind": behind}
    finally:
        _lock.release()


def status(config: AnalyticsConfig | None = None) -> tuple[dt.datetime | None, int]:
    """When the aggregation last moved, and how many broker events wait."""
    config = config or settings()
    with Session(analytics_engine(config.db_url), future=True) as db:
        cursor = db.get(IngestCursor, "events")
    last = cursor.last_event_id if cursor else 0
    if not broker_ready(config.events_url):
        return (cursor.updated_at if cursor else None), 0
    with events_engine(config.events_url).connect() as conn:
        waiting = conn.execute(select(func.count()).select_from(broker_events)
                               .where(broker_events.c.id > last)).scalar_one()
    return (cursor.updated_at if cursor else None), waiting


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.monotonic()
    result = catch_up()
    print(f"{result['events']} événements agrégés, {result['feedback']} avis rattachés "
          f"en {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
