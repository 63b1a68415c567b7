"""👍/👎 from the web widget, linked to the answer it rates.

Rasa's socket.io messages carry no id, so the widget names the bubble it rates by the
conversation id, a digest of the bubble's text (``digest``, the same function in
web/static/chat.js) and how many bubbles with that digest it had received so far. The web page
(web/app.py) stores that vote as *pending*; the console replays the conversation from the event
broker, finds the bot event whose text produced that bubble (Rasa's socket.io channel splits a
text on blank lines), and stores what the answer was: intent, action, phase of the mailbox if one
was named, model id. No user text, no address, nothing else about the person.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bma import registry
from bma.phases import phase_of, reference_date_or_today
from console.config import Settings
from console import inbox
from console.db import Feedback, broker_events, broker_ready, console_engine, events_engine, utcnow
from console.events import Clock, predicted

log = logging.getLogger(__name__)

REASONS = {"not_my_question": "pas ma question", "unclear": "pas clair", "incorrect": "incorrect"}
RATINGS = {"up": "👍", "down": "👎"}
SESSION_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
DIGEST_RE = re.compile(r"^[0-9a-f]{8}$")
MAX_OCCURRENCE = 10_000
UNRESOLVED_AFTER = dt.timedelta(minutes=10)  # the broker writes within a second; then give up
NOT_A_QUESTION = {"inform", "affirm", "deny"}


def digest(text: str) -> str:
    """FNV-1a, 32 bits, over the UTF-16 code units of the text (what JavaScript strings are)."""
    value = 0x811C9DC5
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        value ^= data[i] | (data[i + 1] << 8)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def bubbles(text: str) -> list[str]:
    """The bubbles Rasa's socket.io channel makes of a bot text (rasa/core/channels/socketio.py)."""
    return text.strip().split("\n\n") or [text]


class FeedbackError(ValueError):
    """A French message for a malformed vote."""


@dataclass(frozen=True)
class Vote:
    conversation_id: str
    digest: str
    occurrence: int
    rating: str | None  # None: the vote is withdrawn
    reason: str | None


def parse(body) -> Vote:
    """A vote of the web widget (POST /feedback)."""
    if not isinstance(body, dict):
        raise FeedbackError("Le corps doit être un objet JSON.")
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not SESSION_RE.match(session_id):
        raise FeedbackError("« session_id » invalide.")
    return vote_for(session_id, body)


def vote_for(conversation_id: str, body) -> Vote:
    """The vote's fields (digest, occurrence, rating, reason) for a conversation id the caller
    has checked (the widget's session id, a Teams conversation id)."""
    if not isinstance(body, dict):
        raise FeedbackError("Le corps doit être un objet JSON.")
    bubble_digest = body.get("digest")
    occurrence, rating, reason = body.get("occurrence"), body.get("rating"), body.get("reason")
    if not isinstance(bubble_digest, str) or not DIGEST_RE.match(bubble_digest):
        raise FeedbackError("« digest » invalide.")
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or not 1 <= occurrence <= MAX_OCCURRENCE:
        raise FeedbackError("« occurrence » invalide.")
    if rating not in (*RATINGS, "none"):
        raise FeedbackError("« rating » doit valoir up, down ou none.")
    if reason is not None and (rating != "down" or reason not in REASONS):
        raise FeedbackError("« reason » invalide.")
    return Vote(conversation_id, bubble_digest, occurrence, None if rating == "none" else rating, reason)


def save(url: str, vote: Vote, now: dt.datetime | None = None, day: dt.date | None = None) -> None:
    """Record, change or withdraw the vote on one bubble."""
    now = now or utcnow()
    with Session(console_engine(url), future=True) as db, db.begin():
        where = (Feedback.conversation_id == vote.conversation_id, Feedback.digest == vote.digest,
                 Feedback.occurrence == vote.occurrence)
        if vote.rating is None:
            db.execute(delete(Feedback).where(*where))
            return
        row = db.execute(select(Feedback).where(*where)).scalar_one_or_none()
        if row is None:
            db.add(Feedback(created_at=now, day=day or dt.date.today(), conversation_id=vote.conversation_id,
                            digest=vote.digest, occurrence=vote.occurrence, rating=vote.rating, reason=vote.reason))
        else:
            row.rating, row.reason = vote.rating, vote.reason


@dataclass
class Answer:
    bot_event_id: int
    user_event_id: int | None
    user_text: str
    intent: str | None
    action: str | None
    address: str | None
    model_id: str | None
    timestamp: float


def answers_of(events_url: str, conversation_id: str) -> dict[tuple[str, int], Answer]:
    """(digest, occurrence) → the answer that produced that bubble, replaying the conversation."""
    found: dict[tuple[str, int], Answer] = {}
    seen: Counter = Counter()
    user_id, user_text, intent, action, address = None, "", None, None, None
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
                address = event.get("value") if isinstance(event.get("value"), str) else None
            elif kind == "bot" and event.get("text"):
                model_id = (event.get("metadata") or {}).get("model_id")
                for part in bubbles(event["text"]):
                    key = digest(part)
                    seen[key] += 1
                    found[(key, seen[key])] = Answer(event_id, user_id, user_text, intent, action, address,
                                                     model_id, float(event.get("timestamp") or 0))
    return found


def phase_at(db_url: str, address: str | None, timestamp: float) -> str | None:
    """The mailbox's phase when the answer was given (BMA_TODAY when the campaign is replayed)."""
    if not address:
        return None
    try:
        mailbox = registry.find_mailbox(address, db_url)
    except Exception as error:  # registry down: the phase stays unknown, the vote still counts
        log.warning("registry unavailable for a feedback phase (%s)", type(error).__name__)
        return None
    if mailbox is None:
        return "unknown"
    day = reference_date_or_today() if os.environ.get("BMA_TODAY") else dt.date.fromtimestamp(timestamp)
    return phase_of(mailbox.dates, day).value


def resolve_pending(config: Settings, chunk: int = 500, now: dt.datetime | None = None) -> int:
    """Link pending votes to their answers, ``chunk`` votes per transaction; a vote whose answer
    cannot be found after ``UNRESOLVED_AFTER`` is kept as unresolved. A 👎 puts the rated question
    in the inbox. Returns how many votes were linked."""
    resolved, after = 0, 0
    while True:
        linked, after = _resolve_chunk(config, after, chunk, now or utcnow())
        resolved += linked
        if after is None:
            return resolved


def _resolve_chunk(config: Settings, after: int, limit: int, now: dt.datetime) -> tuple[int, int | None]:
    clock = Clock(config.timezone)
    resolved = 0
    with Session(console_engine(config.db_url), future=True) as db, db.begin():
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
                vote.phase = phase_at(config.db_url, answer.address, answer.timestamp)
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
