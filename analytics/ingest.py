"""Incremental aggregation of Rasa's event broker: each event is read once, in broker order, and
turned into daily counters (analytics_daily), inbox candidates (inbox_messages) and the little
state a conversation needs between two batches (analytics_conversations). The dashboard then only
sums a few hundred counter rows, whatever the number of conversations.

    .venv/bin/python -m analytics.ingest      # catch up now (the console also does it every few seconds)

Metrics (key = '' unless said): conversations (by the day of their first message), messages,
intent (key: the predicted intent), clarification (action_default_ask_affirmation), fallback
(intent nlu_fallback or action_default_fallback), not_covered (intent faq_not_covered),
none_of_these (deny right after a clarification), handoff (action_human_handoff), handoff_desk
(key: a desk the hand-off named, bma.desks), lookup_phase (key: the phase of a BMA address given,
« unknown » when it is not in the registry), latency (key: the upper bound of the answer-latency
bucket, in seconds, or +Inf: from a user message to the next bot message) and latency_ms (their
sum, in milliseconds), error (key: action_server, the French answer given when the action server
failed).

Transcripts (transcript_conversations, transcript_messages, transcript_tags): every user and bot
message with its masked text, and what a conversation can be found by (intents, BMA addresses);
deleted after BMA_RETENTION_DAYS by analytics.retention, while the counters stay. So is a
conversation's state (sender id, BMA address…) once its last event (``last_at``) is that old: a
conversation that comes back later is counted again, as a new one, on that day.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
import threading
import time
from collections import Counter, defaultdict

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import settings as bma_settings
import storage
from analytics import inbox, rated_answers
from analytics.config import Settings, settings
from analytics.db import (
    ConversationState,
    DailyCount,
    IngestCursor,
    TranscriptConversation,
    analytics_engine,
    broker_events,
    broker_ready,
    events_engine,
    utcnow,
)
from analytics.events import FALLBACK_INTENT, Clock, predicted
from bma import address as bma_address
from bma import desks

log = logging.getLogger(__name__)

CLARIFY = "action_default_ask_affirmation"
FALLBACK_ACTION = "action_default_fallback"
HANDOFF = "action_human_handoff"
NOT_COVERED = "faq_not_covered"
BATCH = 5000
ACTION_FALLBACK_MARK = "bma_action_fallback"  # rasa_patches.action_fallback (no Rasa import here)
# Answer latency buckets (seconds), as Prometheus histograms count them (console.metrics).
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MAX_TRANSCRIPT_TEXT = 4000
# With several Rasa instances on PostgreSQL, ids come from a sequence before the commit: a
# missing id may be a row still being written. The aggregation waits at such a gap for up to
# GAP_WAIT_SECONDS, then goes on (a rolled-back insert leaves a gap for ever).
GAP_WAIT_SECONDS = 30.0
_gaps: dict[int, float] = {}
_lock = threading.Lock()  # one aggregation at a time in this process


STATE_FIELDS = ("first_day", "last_user_event_id", "last_intent", "last_action", "clarified_event_id", "topic",
                "address", "pending_user_ts", "last_at")


def latency_bucket(seconds: float) -> str:
    """The smallest bucket bound that holds ``seconds`` ("0.25"), or "+Inf"."""
    for bound in LATENCY_BUCKETS:
        if seconds <= bound:
            return str(bound)
    return "+Inf"


class Phases:
    """The phase of a BMA address when it was given (the registry, read once per address and
    aggregation run; BMA_TODAY when the campaign is replayed, as analytics.rated_answers does)."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.mailboxes: dict[str, object] = {}

    def of(self, address: str, timestamp: float):
        """(phase value or « unknown », phases.Phase or None, not found?)."""
        from bma import registry
        from bma.phases import phase_of

        if address not in self.mailboxes:
            self.mailboxes[address] = registry.find_mailbox(address, self.db_url)
        mailbox = self.mailboxes[address]
        if mailbox is None:
            return "unknown", None, True
        phase = phase_of(mailbox.dates, self.day(timestamp))
        return phase.value, phase, False

    @staticmethod
    def day(timestamp: float) -> dt.date:
        from bma.phases import reference_date_or_today

        return reference_date_or_today() if bma_settings.raw("BMA_TODAY") else dt.date.fromtimestamp(timestamp)

    def desk_situation(self, address: str | None, timestamp: float) -> dict:
        """The keyword arguments of ``desks.handoff_contacts`` for a hand-off at ``timestamp``."""
        from bma.phases import Phase, WindowStatus, email1_window_status

        day = self.day(timestamp)
        phase, not_found, nothing_sent = None, False, False
        if address:
            _, phase, not_found = self.of(address, timestamp)
            mailbox = self.mailboxes.get(address)
            nothing_sent = bool(mailbox and phase is Phase.NOT_STARTED
                                and email1_window_status(mailbox.kind, day) is WindowStatus.CLOSED)
        return {"phase": phase, "address_not_found": not_found, "period": desks.period_of(day),
                "nothing_sent": nothing_sent}


class Batch:
    """One batch of broker rows folded into counters, candidates, conversation states and transcripts."""

    def __init__(self, states: dict[str, dict], clock: Clock, low_confidence: float, phases: Phases):
        self.states = states
        self.clock = clock
        self.low = low_confidence
        self.phases = phases
        self.counts: Counter = Counter()
        self.candidates: dict[int, inbox.Candidate] = {}
        self.users: dict[int, inbox.Candidate] = {}  # this batch's user messages, in case a reason comes later
        self.late: dict[int, set] = defaultdict(set)  # reasons for user messages of earlier batches
        self.conversations: dict[str, dict] = {}  # sender → what this batch adds to its transcript
        self.messages: list[tuple] = []  # (event id, sender, time, author, text, intent, confidence, action)
        self.tags: dict[tuple[str, str, str], dt.datetime] = {}  # (kind, value, sender) → last seen

    def state(self, sender: str) -> dict:
        found = self.states.get(sender)
        if found is None:
            found = self.states[sender] = {"new": True, **{f: None for f in STATE_FIELDS}}
        found["dirty"] = True
        return found

    def transcript(self, event_id: int, sender: str, moment: dt.datetime, author: str, text: str,
                   intent: str | None = None, confidence: float | None = None, action: str | None = None) -> None:
        found = self.conversations.get(sender)
        if found is None:
            found = self.conversations[sender] = {"first": moment, "last": moment, "user": 0, "bot": 0, "channel": None}
        found["first"], found["last"] = min(found["first"], moment), max(found["last"], moment)
        found[author] += 1
        self.messages.append((event_id, sender, moment, author, text[:MAX_TRANSCRIPT_TEXT], intent, confidence, action))

    def tag(self, kind: str, value: str | None, sender: str, moment: dt.datetime) -> None:
        if value:
            key = (kind, value[:64], sender)
            if key not in self.tags or self.tags[key] < moment:
                self.tags[key] = moment

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
        moment = self.clock.moment(timestamp)
        candidate = inbox.Candidate(event_id, moment, day, text, guess, confidence, set())
        self.users[event_id] = candidate
        if reasons and not text.startswith("/"):
            candidate.reasons |= reasons
            self.candidates[event_id] = candidate
        state.update(last_user_event_id=event_id, last_intent=(intent or "")[:64] or None, last_action=None,
                     pending_user_ts=timestamp)
        top = (parse_data.get("intent") or {}).get("confidence")
        self.transcript(event_id, sender, moment, "user", text, intent=(intent or "")[:64] or None,
                        confidence=top if isinstance(top, (int, float)) else None)
        if self.conversations[sender]["channel"] is None:
            self.conversations[sender]["channel"] = (event.get("input_channel") or "")[:32] or None
        self.tag("intent", intent, sender, moment)
        for named in bma_address.find_all(text) if "@" in text else ():
            self.tag("address", named.address, sender, moment)

    def bot(self, event_id: int, sender: str, event: dict) -> None:
        state = self.state(sender)
        timestamp = float(event.get("timestamp") or time.time())
        day = self.clock.day(timestamp)
        if (event.get("metadata") or {}).get(ACTION_FALLBACK_MARK):
            self.counts[(day, "error", "action_server")] += 1
        if state["pending_user_ts"] is not None:
            latency = max(0.0, timestamp - state["pending_user_ts"])
            self.counts[(day, "latency", latency_bucket(latency))] += 1
            if latency >= 0.0005:
                self.counts[(day, "latency_ms", "")] += int(round(latency * 1000))
            state["pending_user_ts"] = None
        text = event.get("text")
        if isinstance(text, str) and text:
            self.transcript(event_id, sender, self.clock.moment(timestamp), "bot", text, action=state["last_action"])

    def slot(self, sender: str, event: dict) -> None:
        name, value = event.get("name"), event.get("value")
        state = self.state(sender)
        if name == "topic":
            state["topic"] = value[:64] if isinstance(value, str) and value else None
            return
        parsed = bma_address.parse(value) if isinstance(value, str) else None
        address = parsed.address if parsed else None
        if address and address != state["address"]:
            timestamp = float(event.get("timestamp") or time.time())
            phase, _, _ = self.phases.of(address, timestamp)
            self.counts[(self.clock.day(timestamp), "lookup_phase", phase)] += 1
            self.tag("address", address, sender, self.clock.moment(timestamp))
        state["address"] = address

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
            where = self.phases.desk_situation(state["address"], float(event.get("timestamp") or time.time()))
            for contact in desks.handoff_contacts(state["topic"], **where):
                self.counts[(day, "handoff_desk", contact.key)] += 1
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
            states[row.conversation_id] = {"new": False, **{f: getattr(row, f) for f in STATE_FIELDS}}
    return states


def _save_states(db: Session, states: dict[str, dict]) -> None:
    fields = STATE_FIELDS
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


def _greatest(column, value):
    return case((column < value, value), else_=column)


def _driver(db: Session, sql: str, rows: list[tuple]) -> None:
    """``executemany`` straight on the database driver: the transcripts are the bulk of what the
    aggregation writes, and SQLAlchemy's per-row parameter processing would double its time."""
    conn = db.connection()
    if conn.dialect.paramstyle != "qmark":  # psycopg2: %s
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)


def _save_transcripts(db: Session, batch: Batch) -> None:
    """The batch's messages, the conversations they belong to, and what those can be found by."""
    if not batch.conversations and not batch.tags:
        return
    # SQLite keeps SQLAlchemy's DateTime as this text (it compares in time order); others take datetimes.
    moment = (lambda m: m.isoformat(" ", "microseconds")) if db.get_bind().dialect.name == "sqlite" else (lambda m: m)
    table = TranscriptConversation.__table__
    senders = sorted(set(batch.conversations) | {sender for _, _, sender in batch.tags})
    refs: dict[str, int] = {}
    for start in range(0, len(senders), 500):
        refs.update(db.execute(select(table.c.conversation_id, table.c.id)
                               .where(table.c.conversation_id.in_(senders[start:start + 500]))).all())
    new = [s for s in senders if s not in refs and s in batch.conversations]
    if new:
        _driver(db, "INSERT INTO transcript_conversations (conversation_id, channel, started_at, last_at, user_messages, "
                    "bot_messages) VALUES (?, ?, ?, ?, ?, ?)",
                [(s, c["channel"], moment(c["first"]), moment(c["last"]), c["user"], c["bot"])
                 for s, c in ((s, batch.conversations[s]) for s in new)])
        for start in range(0, len(new), 500):
            refs.update(db.execute(select(table.c.conversation_id, table.c.id)
                                   .where(table.c.conversation_id.in_(new[start:start + 500]))).all())
    added = set(new)
    changed = [{"rid": refs[s], "first": c["first"], "last": c["last"], "u": c["user"], "b": c["bot"]}
               for s, c in batch.conversations.items() if s not in added and s in refs]
    if changed:
        db.execute(update(table).where(table.c.id == bindparam("rid")).values(
            started_at=case((table.c.started_at > bindparam("first"), bindparam("first")), else_=table.c.started_at),
            last_at=_greatest(table.c.last_at, bindparam("last")),
            user_messages=table.c.user_messages + bindparam("u"), bot_messages=table.c.bot_messages + bindparam("b")),
            changed)
    messages = [(event_id, refs[sender], moment(at), author, text, intent, confidence, action)
                for event_id, sender, at, author, text, intent, confidence, action in batch.messages if sender in refs]
    if messages:
        _driver(db, "INSERT INTO transcript_messages (event_id, conversation_ref, at, author, text, intent, confidence, "
                    "action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", messages)
    tags = [(kind, value, refs[sender], moment(at)) for (kind, value, sender), at in batch.tags.items() if sender in refs]
    if tags:
        _driver(db, "INSERT INTO transcript_tags (kind, value, conversation_ref, last_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (kind, value, conversation_ref) DO UPDATE SET last_at = CASE "
                    "WHEN excluded.last_at > transcript_tags.last_at THEN excluded.last_at ELSE transcript_tags.last_at END",
                tags)


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


def ingest_batch(config: Settings, limit: int = BATCH, phases: Phases | None = None) -> int:
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
        batch = Batch(_load_states(db, sorted({r[1] for r in rows if r[1]})), clock, config.low_confidence,
                      phases or Phases(config.db_url))
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
        phases = Phases(config.db_url)  # the registry read once per address and run
        while True:
            n = ingest_batch(config, phases=phases)
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


def status(config: Settings | None = None) -> tuple[dt.datetime | None, int]:
    """When the aggregation last moved, and how many broker events wait."""
    config = config or settings()
    with storage.session(config.db_url) as db:
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
