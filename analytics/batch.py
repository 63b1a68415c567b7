"""One batch of broker events folded into daily counters, inbox candidates, conversation states
and transcript rows (in memory; analytics/ingest_store.py writes them). What an action decided
(desks, phase) is read from its reply's recorded decision (analytics/decisions.py), never
recomputed from the registry."""
from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict

from analytics import inbox
from analytics.decisions import recorded_counts
from analytics.events import FALLBACK_INTENT, Clock, predicted
from bma import address as bma_address
from bma import decisions
from bma.confusable import CLARIFY_BETWEEN
from bma.decisions import FALLBACK_MARK

CLARIFY = "action_default_ask_affirmation"
FALLBACK_ACTION = "action_default_fallback"
HANDOFF = decisions.HANDOFF_ACTION
NOT_COVERED = "faq_not_covered"
# Answer latency buckets (seconds), as Prometheus histograms count them (console.metrics).
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MAX_TRANSCRIPT_TEXT = 4000
STATE_FIELDS = ("first_day", "last_user_event_id", "last_intent", "last_action", "clarified_event_id", "topic",
                "address", "pending_user_ts", "last_at")


def latency_bucket(seconds: float) -> str:
    """The smallest bucket bound that holds ``seconds`` ("0.25"), or "+Inf"."""
    for bound in LATENCY_BUCKETS:
        if seconds <= bound:
            return str(bound)
    return "+Inf"


class Batch:
    """One batch of broker rows folded into counters, candidates, conversation states and transcripts."""

    def __init__(self, states: dict[str, dict], clock: Clock, low_confidence: float):
        self.states = states
        self.clock = clock
        self.low = low_confidence
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
        if intent == FALLBACK_INTENT and not parse_data.get(CLARIFY_BETWEEN):
            # Not placed at all (a question between two answers the classifier named is understood:
            # it is counted as a clarification, by its action).
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
        metadata = event.get("metadata") or {}
        if metadata.get(FALLBACK_MARK):
            self.counts[(day, "error", "action_server")] += 1
        for metric, key in recorded_counts(decisions.of(metadata), state["last_action"], state["address"]):
            self.counts[(day, metric, key)] += 1
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
            # Its phase is counted from the reply that looked it up (its recorded decision).
            timestamp = float(event.get("timestamp") or time.time())
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
            self.counts[(day, "handoff", "")] += 1  # its desks: from the reply's recorded decision
        state["last_action"] = name[:64]
