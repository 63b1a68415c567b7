"""The conversation viewer: transcripts folded in from Rasa's event broker (analytics.ingest),
searchable by period, topic (intent) and BMA address, one page per conversation.

Texts were masked by the channels before Rasa stored them; they are masked again here before
they are shown (bma.secrets), as a belt. Transcripts older than BMA_RETENTION_DAYS are deleted
by console.retention.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from analytics.db import TranscriptConversation, TranscriptMessage, TranscriptTag
from bma import address as bma_address
from bma.intents import INTENTS
from bma.secrets import mask_bot_text, mask_string
from console import dashboard
from console.db import session

PER_PAGE = 25
MAX_MESSAGES = 1000  # on one conversation's page (the latest ones)
SHORT_ADDRESS_RE = re.compile(r"^(ec|po)\s*(\d{1,8})$", re.I)
# The topics one can search by: every intent of the contract, then what is not a question.
TOPICS: dict[str, str] = {
    **{name: dashboard.intent_label(name) for name in INTENTS if INTENTS[name].label},
    "nlu_fallback": "Message non compris",
    "out_of_scope": "Hors sujet",
}
CHANNELS_FR = {"socketio": "page web", "rest": "REST", "teams": "Microsoft Teams", "cmdline": "terminal"}


class SearchError(ValueError):
    """A French message about the search form."""


@dataclass(frozen=True)
class Search:
    start: dt.date
    end: dt.date
    topic: str | None = None
    address: str | None = None
    page: int = 1

    def query(self, page: int | None = None) -> dict:
        """The URL parameters of this search (for the pages' links)."""
        params = {"du": self.start.isoformat(), "au": self.end.isoformat()}
        if self.topic:
            params["sujet"] = self.topic
        if self.address:
            params["adresse"] = self.address
        params["page"] = str(page or self.page)
        return params


def normalise_address(text: str) -> str:
    """ec000123@adm.cfwb.be (or ec000123 alone) → the normalised address; SearchError otherwise."""
    found = bma_address.parse(text)
    if found:
        return found.address
    short = SHORT_ADDRESS_RE.match(text.strip())
    if short:
        return bma_address.BmaAddress(short.group(1).lower(), short.group(2)).address
    raise SearchError("Adresse BMA attendue : ecXXXXXX@adm.cfwb.be ou poXXXXXX@adm.cfwb.be (ou ecXXXXXX seul).")


def parse(args, today: dt.date) -> Search:
    """The search of the page's form (GET parameters du, au, sujet, adresse, page)."""
    try:
        start, end = dashboard.period(args.get("du") or None, args.get("au") or None, today)
    except dashboard.PeriodError as error:
        raise SearchError(str(error)) from error
    topic = (args.get("sujet") or "").strip() or None
    if topic is not None and topic not in TOPICS:
        raise SearchError("Sujet inconnu : choisissez-le dans la liste.")
    address = (args.get("adresse") or "").strip() or None
    if address is not None:
        address = normalise_address(address)
    try:
        page = max(1, min(int(args.get("page") or 1), 100_000))
    except ValueError:
        page = 1
    return Search(start, end, topic, address, page)


@dataclass
class Row:
    id: int
    channel: str
    started_at: dt.datetime  # local time
    last_at: dt.datetime
    user_messages: int
    bot_messages: int
    topics: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)


def _utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """Local midnight of ``day`` as naive UTC (the columns' convention)."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


def local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone)


def search(url: str, query: Search, timezone: str) -> tuple[list[Row], int]:
    """The conversations with a message in the period (and the topic, and the address, if given),
    latest first, one page; and how many there are in all."""
    zone = ZoneInfo(timezone)
    c, t = TranscriptConversation, TranscriptTag
    where = [c.last_at >= _utc(query.start, zone), c.started_at < _utc(query.end + dt.timedelta(days=1), zone)]
    for kind, value in (("intent", query.topic), ("address", query.address)):
        if value:
            where.append(c.id.in_(select(t.conversation_ref).where(t.kind == kind, t.value == value)))
    with session(url) as db:
        total = db.execute(select(func.count()).select_from(c).where(*where)).scalar_one()
        found = db.execute(select(c).where(*where).order_by(c.last_at.desc(), c.id.desc())
                           .limit(PER_PAGE).offset((query.page - 1) * PER_PAGE)).scalars().all()
        rows = {r.id: Row(r.id, CHANNELS_FR.get(r.channel or "", r.channel or "—"), local(r.started_at, zone),
                          local(r.last_at, zone), r.user_messages, r.bot_messages) for r in found}
        if rows:
            for kind, value, ref in db.execute(select(t.kind, t.value, t.conversation_ref)
                                               .where(t.conversation_ref.in_(list(rows)))
                                               .order_by(t.last_at)):
                if kind == "address":
                    rows[ref].addresses.append(value)
                elif value in TOPICS:
                    rows[ref].topics.append(TOPICS[value])
    return [rows[r.id] for r in found], total


@dataclass
class Message:
    author: str  # user, bot
    at: dt.datetime  # local time
    text: str  # masked
    intent: str | None
    confidence: float | None
    button: str | None = None  # a quick reply chosen (« /faq_… »): its label


@dataclass
class Transcript:
    row: Row
    messages: list[Message]
    shown_from: int  # 0 unless the conversation has more than MAX_MESSAGES messages


def transcript(url: str, ref: int, timezone: str) -> Transcript | None:
    zone = ZoneInfo(timezone)
    c, m, t = TranscriptConversation, TranscriptMessage, TranscriptTag
    with session(url) as db:
        found = db.get(c, ref)
        if found is None:
            return None
        row = Row(found.id, CHANNELS_FR.get(found.channel or "", found.channel or "—"), local(found.started_at, zone),
                  local(found.last_at, zone), found.user_messages, found.bot_messages)
        for kind, value in db.execute(select(t.kind, t.value).where(t.conversation_ref == ref).order_by(t.last_at)):
            if kind == "address":
                row.addresses.append(value)
            elif value in TOPICS:
                row.topics.append(TOPICS[value])
        latest = db.execute(select(m).where(m.conversation_ref == ref).order_by(m.event_id.desc())
                            .limit(MAX_MESSAGES)).scalars().all()
        count = db.execute(select(func.count()).select_from(m).where(m.conversation_ref == ref)).scalar_one()
    messages = [Message(x.author, local(x.at, zone),
                        mask_string(x.text) if x.author == "user" else mask_bot_text(x.text),
                        x.intent, x.confidence,
                        dashboard.intent_label(x.intent) if x.author == "user" and x.text.startswith("/") else None)
                for x in reversed(latest)]
    return Transcript(row, messages, max(0, count - len(latest)))


def ref_of(url: str, conversation_ids: list[str]) -> dict[str, int]:
    """The viewer's number of each conversation that still has a transcript."""
    ids = sorted({i for i in conversation_ids if i})
    found: dict[str, int] = {}
    with session(url) as db:
        for start in range(0, len(ids), 500):
            found.update(db.execute(select(TranscriptConversation.conversation_id, TranscriptConversation.id)
                                    .where(TranscriptConversation.conversation_id.in_(ids[start:start + 500]))).all())
    return found
