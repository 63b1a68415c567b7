"""The review inbox's intake: the user messages the aggregation (analytics/ingest.py) and the
feedback resolution (analytics/rated_answers.py) find the assistant may have misunderstood, masked and
grouped by similar text. What the staff decide for each group is the console's (console/inbox.py)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from analytics.db import InboxMessage
from bma.address import ADDRESS_RE
from bma.secrets import mask_string
from bma.text import plain

# Why a message is in the inbox, as staff read it.
REASONS = {
    "clarification": "« Vouliez-vous dire… » proposé",
    "none_of_these": "« Aucune de ces propositions »",
    "fallback": "non compris",
    "low_confidence": "confiance faible",
    "not_covered": "hors FAQ",
    "thumbs_down": "réponse jugée pas utile",
}
MAX_TEXT = 500


@dataclass
class Candidate:
    event_id: int
    received_at: dt.datetime
    day: dt.date
    text: str
    intent: str | None
    confidence: float | None
    reasons: set = field(default_factory=set)


def group_key(text: str) -> str:
    """Messages that differ only by case, accents, punctuation, spacing or the BMA address named
    fall in the same group."""
    words = re.sub(r"[^\w]+", " ", plain(ADDRESS_RE.sub(" adresse_bma ", text)))
    return re.sub(r"\s+", " ", words).strip()[:300]


def clean_text(text: str) -> str:
    return mask_string(text or "")[:MAX_TEXT]


def upsert(db: Session, candidates: dict[int, Candidate]) -> None:
    """Add new inbox messages and merge the reasons of those already there."""
    ids = list(candidates)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for event_id, reasons in db.execute(
            select(InboxMessage.event_id, InboxMessage.reasons).where(InboxMessage.event_id.in_(chunk))
        ):
            candidate = candidates.pop(event_id)
            merged = set(filter(None, reasons.split(","))) | candidate.reasons
            if merged != set(filter(None, reasons.split(","))):
                db.execute(update(InboxMessage).where(InboxMessage.event_id == event_id)
                           .values(reasons=",".join(sorted(merged))))
    rows = []
    for c in candidates.values():
        text = clean_text(c.text)
        key = group_key(text)
        if key:
            rows.append({"event_id": c.event_id, "received_at": c.received_at, "day": c.day, "text": text,
                         "group_key": key, "intent": c.intent, "confidence": c.confidence,
                         "reasons": ",".join(sorted(c.reasons)), "status": "new"})
    if rows:
        db.execute(insert(InboxMessage), rows)


