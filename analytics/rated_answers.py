"""Feedback resolution: a vote the public side stored as *pending* (feedback/store.py names the
rated bubble by its conversation, a digest of its text and its occurrence) is linked to the answer
it rates. The conversation is replayed from the event broker, the bot event whose text produced
that bubble is found (Rasa's socket.io channel splits a text on blank lines), and what the answer
was is stored: intent, action, phase of the mailbox if one was named (as the replies' recorded
decisions say: analytics/decisions.py), model id. No user text, no address, nothing else about the person.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import inbox
from analytics.config import AnalyticsConfig
from analytics.db import Feedback, analytics_engine, broker_events, broker_ready, events_engine, utcnow
from analytics.decisions import answer_phase
from analytics.events import Clock, predicted
from bma import decisions
from feedback.votes import bubbles, digest

log = logging.getLogger(__name__)

UNRESOLVED_AFTER = dt.timedelta(minutes=10)  # the broker writes within a second; then give up
NOT_A_QUESTION = {"inform", "affirm", "deny"}


@dataclass
class Answer:
    bot_event_id: int
    user_event_id: int | None
    user_text: str
    intent: str | None
    action: str | None
    phase: str | None
    model_id: str | None
    timestamp: float


def answers_of(events_url: str, conversation_id: str) -> dict[tuple[str, int], Answer]:
    """(digest, occurrence) → the answer that produced that bubble, replaying the conversation."""
    found: dict[tuple[str, int], Answer] = {}
    seen: Counter = Counter()
    user_id, user_text, intent, action, address, known = None, "", None, None, None, None
    if not broker_ready(events_url):
        return found
    with events_engine(events_url).connect() as conn:
        rows = conn.execute(select(broker_events.c.id, broker_events.c.data)
                            .where(broker_events.c.sender_id == conversation_id).order_by(broker_events.c.id))
        for event_id, data in rows:
            try:
                event = json.loads(data)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "user":
                said = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                # An address, « oui » or « non » answers the question asked before: the answer
                # then rates that question's topic, and that question goes to the inbox on a 👎.
                if said not in NOT_A_QUESTION or user_id is None:
                    user_id, user_text, intent = event_id, event.get("text") or "", said
            elif kind == "action" and event.get("name") != "action_listen":
                action = event.get("name")
            elif kind == "slot" and event.get("name") == "bma_address":
                value = event.get("value") if isinstance(event.get("value"), str) else None
                if value != address:
                    known = None  # another mailbox: its phase comes from the next reply that looks it up
                address = value
            elif kind == "bot" and event.get("text"):
                model_id = (event.get("metadata") or {}).get("model_id")
                phase, known = answer_phase(decisions.of(event.get("metadata")), address, known)
                for part in bubbles(event["text"]):
                    key = digest(part)
                    seen[key] += 1
                    found[(key, seen[key])] = Answer(event_id, user_id, user_text, intent, action, phase,
                                                     model_id, float(event.get("timestamp") or 0))
    return found


def resolve_pending(config: AnalyticsConfig, chunk: int = 500, now: dt.datetime | None = None) -> int:
    """Link pending votes to their answers, ``chunk`` votes per transaction; a vote whose answer
    cannot be found after ``UNRESOLVED_AFTER`` is kept as unresolved. A 👎 puts the rated question
    in the inbox. Returns how many votes were linked."""
    resolved, after = 0, 0
    while True:
        linked, after = _resolve_chunk(config, after, chunk, now or utcnow())
        resolved += linked
        if after is None:
            return resolved


def _resolve_chunk(config: AnalyticsConfig, after: int, limit: int, now: dt.datetime) -> tuple[int, int | None]:
    clock = Clock(config.timezone)
    resolved = 0
    with Session(analytics_engine(config.db_url), future=True) as db, db.begin():
        pending = db.execute(select(Feedback).where(Feedback.status == "pending", Feedback.id > after)
                             .order_by(Feedback.id).limit(limit)).scalars().all()
        if not pending:
            return 0, None
        by_conversation: dict[str, list[Feedback]] = defaultdict(list)
        for vote in pending:
            by_conversation[vote.conversation_id].append(vote)
        candidates: dict[int, inbox.Candidate] = {}
        for conversation_id, votes in by_conversation.items():
            answers = answers_of(config.events_url, conversation_id)
            for vote in votes:
                answer = answers.get((vote.digest, vote.occurrence))
                if answer is None:
                    if now - vote.created_at > UNRESOLVED_AFTER:
                        vote.status = "unresolved"
                    continue
                vote.status, vote.bot_event_id, vote.user_event_id = "resolved", answer.bot_event_id, answer.user_event_id
                vote.intent, vote.action, vote.model_id = answer.intent, answer.action, answer.model_id
                vote.phase = answer.phase
                resolved += 1
                if vote.rating == "down" and answer.user_event_id and not answer.user_text.startswith("/"):
                    moment = clock.moment(answer.timestamp)
                    candidates[answer.user_event_id] = inbox.Candidate(
                        answer.user_event_id, moment, clock.day(answer.timestamp), answer.user_text,
                        answer.intent, None, {"thumbs_down"})
        if candidates:
            _with_confidences(config.events_url, candidates)
            inbox.upsert(db, candidates)
        last = pending[-1].id
    return resolved, last


def _with_confidences(events_url: str, candidates: dict) -> None:
    """The predicted intent and confidence of the rated questions, as the inbox shows them."""
    with events_engine(events_url).connect() as conn:
        for event_id, data in conn.execute(select(broker_events.c.id, broker_events.c.data)
                                           .where(broker_events.c.id.in_(list(candidates)))):
            try:
                intent, confidence = predicted(json.loads(data).get("parse_data") or {})
            except ValueError:
                continue
            candidates[event_id].intent, candidates[event_id].confidence = intent, confidence
