"""Incremental aggregation of Rasa's event broker: each event is read once, in broker order, and
turned into daily counters (analytics_daily), inbox candidates (inbox_messages) and the little
state a conversation needs between two batches (analytics_conversations). The dashboard then only
sums a few hundred counter rows, whatever the number of conversations.

    .venv/bin/python -m console.ingest        # catch up now (the console also does it every few seconds)

Metrics (key = '' unless said): conversations (by the day of their first message), messages,
intent (key: the predicted intent), clarification (action_default_ask_affirmation), fallback
(intent nlu_fallback or action_default_fallback), not_covered (intent faq_not_covered),
none_of_these (deny right after a clarification), handoff (action_human_handoff).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
import time
from collections import Counter, defaultdict

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from console import feedback, inbox
from console.config import Settings, settings
from console.events import FALLBACK_INTENT, Clock, predicted
from console.db import (
    ConversationState,
    DailyCount,
    IngestCursor,
    broker_events,
    broker_ready,
    console_engine,
    events_engine,
    utcnow,
)

log = logging.getLogger(__name__)

CLARIFY = "action_default_ask_affirmation"
FALLBACK_ACTION = "action_default_fallback"
HANDOFF = "action_human_handoff"
NOT_COVERED = "faq_not_covered"
BATCH = 5000
# With several Rasa instances on PostgreSQL, ids come from a sequence before the commit: a
# missing id may be a row still being written. The aggregation waits at such a gap for up to
# GAP_WAIT_SECONDS, then goes on (a rolled-back insert leaves a gap for ever).
GAP_WAIT_SECONDS = 30.0
_gaps: dict[int, float] = {}
_lock = threading.Lock()  # one aggregation at a time in this process


class Batch:
    """One batch of broker rows folded into counters, candidates and conversation states."""

    def __init__(self, states: dict[str, dict], clock: Clock, low_confidence: float):
        self.states = states
        self.clock = clock
        self.low = low_confidence
        self.counts: Counter = Counter()
        self.candidates: dict[int, inbox.Candidate] = {}
        self.users: dict[int, inbox.Candidate] = {}  # this batch's user messages, in case a reason comes later
        self.late: dict[int, set] = defaultdict(set)  # reasons for user messages of earlier batches

    def state(self, sender: str) -> dict:
        found = self.states.get(sender)
        if found is None:
            found = self.states[sender] = {"new": True, "first_day": None, "last_user_event_id": None,
                                           "last_intent": None, "last_action": None, "clarified_event_id": None}
        found["dirty"] = True
        return found

    def flag(self, event_id: int | None, reason: str) -> None:
        if event_id is None:
            return
        if event_id in self.candidates:
            self.candidates[event_id].reasons.add(reason)
        elif event_id in self.users:
            candidate = self.users[event_id]
            if not candidate.text.startswith("/"):
                candidate.reasons.add(reason)
                self.candidates[event_id] = candidate
        else:
            self.late[event_id].add(reason)

    def user(self, event_id: int, sender: str, event: dict) -> None:
        state = self.state(sender)
        timestamp = float(event.get("timestamp") or time.time())
        day = self.clock.day(timestamp)
        parse_data = event.get("parse_data") or {}
        intent = (parse_data.get("intent") or {}).get("name")
        guess, confidence = predicted(parse_data)
        text = event.get("text") or ""
        if state["first_day"] is None:
            state["first_day"] = day
            self.counts[(day, "conversations", "")] += 1
        self.counts[(day, "messages", "")] += 1
        self.counts[(day, "intent", (intent or "")[:64])] += 1
        reasons = set()
        if intent == FALLBACK_INTENT:
            self.counts[(day, "fallback", "")] += 1
            reasons.add("fallback")
        if intent == NOT_COVERED:
            self.counts[(day, "not_covered", "")] += 1
            reasons.add("not_covered")
        if confidence is not None and confidence < self.low:
            reasons.add("low_confidence")
        if intent == "deny" and state["last_action"] == CLARIFY and state["clarified_event_id"]:
            self.counts[(day, "none_of_these", "")] += 1
            self.flag(state["clarified_event_id"], "none_of_these")
        candidate = inbox.Candidate(event_id, self.clock.moment(timestamp), day, text, guess, confidence, set())
        self.users[event_id] = candidate
        if reasons and not text.startswith("/"):
            candidate.reasons |= reasons
            self.candidates[event_id] = candidate
        state.update(last_user_event_id=event_id, last_intent=(intent or "")[:64] or None, last_action=None)

    def action(self, sender: str, event: dict) -> None:
        name = event.get("name")
        if not name or name == "action_listen":
            return
        state = self.state(sender)
        day = self.clock.day(float(event.get("timestamp") or time.time()))
        if name == CLARIFY:
            self.counts[(day, "clarification", "")] += 1
            self.flag(state["last_user_event_id"], "clarification")
            state["clarified_event_id"] = state["last_user_event_id"]
        elif name == FALLBACK_ACTION:
            self.counts[(day, "fallback", "")] += 1
            self.flag(state["last_user_event_id"], "fallback")
        elif name == HANDOFF:
            self.counts[(day, "handoff", "")] += 1
        state["last_action"] = name[:64]


def _rows_for_upsert(counts: Counter) -> list[dict]:
    return [{"day": day, "metric": metric, "key": key, "count": n} for (day, metric, key), n in counts.items()]


def _add_counts(db: Session, counts: Counter) -> None:
    if not counts:
        return
    dialect = db.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(DailyCount)
    statement = statement.on_conflict_do_update(
        index_elements=[DailyCount.day, DailyCount.metric, DailyCount.key],
        set_={"count": DailyCount.count + statement.excluded.count},
    )
    db.execute(statement, _rows_for_upsert(counts))


def _load_states(db: Session, senders: list[str]) -> dict[str, dict]:
    states = {}
    for start in range(0, len(senders), 500):
        for row in db.execute(select(ConversationState).where(
                ConversationState.conversation_id.in_(senders[start:start + 500]))).scalars():
            states[row.conversation_id] = {
                "new": False, "first_day": row.first_day, "last_user_event_id": row.last_user_event_id,
                "last_intent": row.last_intent, "last_action": row.last_action,
                "clarified_event_id": row.clarified_event_id,
            }
    return states


def _save_states(db: Session, states: dict[str, dict]) -> None:
    fields = ("first_day", "last_user_event_id", "last_intent", "last_action", "clarified_event_id")
    new = [{"conversation_id": sender, **{f: s[f] for f in fields}} for sender, s in states.items()
           if s.get("dirty") and s["new"]]
    changed = [{"cid": sender, **{f: s[f] for f in fields}} for sender, s in states.items()
               if s.get("dirty") and not s["new"]]
    if new:
        db.execute(insert(ConversationState), new)
    if changed:
        table = ConversationState.__table__
        db.execute(update(table).where(table.c.conversation_id == bindparam("cid"))
                   .values({f: bindparam(f) for f in fields}), changed)


def _late_candidates(events_url: str, late: dict[int, set], clock: Clock, low: float) -> dict[int, inbox.Candidate]:
    """Reasons that arrive for user messages of an earlier batch: read those rows again (by id)."""
    found: dict[int, inbox.Candidate] = {}
    ids = list(late)
    with events_engine(events_url).connect() as conn:
        for start in range(0, len(ids), 500):
            for event_id, data in conn.execute(select(broker_events.c.id, broker_events.c.data)
                                               .where(broker_events.c.id.in_(ids[start:start + 500]))):
                try:
                    event = json.loads(data)
                except ValueError:
                    continue
                text = event.get("text") or ""
                if event.get("event") != "user" or text.startswith("/"):
                    continue
                timestamp = float(event.get("timestamp") or time.time())
                guess, confidence = predicted(event.get("parse_data") or {})
                found[event_id] = inbox.Candidate(event_id, clock.moment(timestamp), clock.day(timestamp), text,
                                                  guess, confidence, set(late[event_id]))
    return found


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


def ingest_batch(config: Settings, limit: int = BATCH) -> int:
    """Fold the next ``limit`` broker events into the console's tables; returns how many were read."""
    if not broker_ready(config.events_url):
        return 0  # Rasa has not written any event yet
    clock = Clock(config.timezone)
    engine = console_engine(config.db_url)
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
            # Only user and action events count; the raw JSON is checked before parsing (Rasa
            # writes json.dumps' default separators; quotes inside strings are escaped).
            if not sender or ('"event": "user"' not in data and '"event": "action"' not in data):
                continue
            if '"name": "action_listen"' in data and '"event": "user"' not in data:
                continue
            try:
                event = json.loads(data)
            except ValueError:
                log.warning("broker event %s is not JSON: skipped", event_id)
                continue
            kind = event.get("event")
            if kind == "user":
                batch.user(event_id, sender, event)
            elif kind == "action":
                batch.action(sender, event)
        if batch.late:
            batch.candidates.update(_late_candidates(config.events_url, batch.late, clock, config.low_confidence))
        _add_counts(db, batch.counts)
        _save_states(db, batch.states)
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


def catch_up(config: Settings | None = None, budget_seconds: float | None = None, wait_seconds: float = -1) -> dict:
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
        resolved = feedback.resolve_pending(config)
        return {"events": total, "feedback": resolved, "behind": behind}
    finally:
        _lock.release()


def status(config: Settings | None = None) -> tuple[dt.datetime | None, int]:
    """When the aggregation last moved, and how many broker events wait."""
    config = config or settings()
    with Session(console_engine(config.db_url), future=True) as db:
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
