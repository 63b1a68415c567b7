"""👍/👎 from the web widget and Teams, linked to the answer it rates.

Rasa's socket.io messages carry no id, so the widget names the bubble it rates by the
conversation id, a digest of the bubble's text (``digest``, the same function in
web/static/chat.js) and how many bubbles with that digest it had received so far. The web page
(web/app.py) stores that vote as *pending* (feedback/store.py); the analytics replay the
conversation from the event broker, find the bot event whose text produced that bubble (Rasa's
socket.io channel splits a text on blank lines), and store what the answer was
(analytics/rated_answers.py). No user text, no address, nothing else about the person.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

REASONS = {"not_my_question": "pas ma question", "unclear": "pas clair", "incorrect": "incorrect"}
RATINGS = {"up": "👍", "down": "👎"}
SESSION_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
DIGEST_RE = re.compile(r"^[0-9a-f]{8}$")
MAX_OCCURRENCE = 10_000


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
