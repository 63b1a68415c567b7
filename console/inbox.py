"""The review inbox: user messages the assistant may have misunderstood (analytics/inbox.py puts
them there), grouped by similar text, and what the staff decide for each group (« c'est la
question X », « hors sujet », « question à ajouter à la FAQ », « ignorer »)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select, update

from analytics.db import InboxMessage
from analytics.inbox import REASONS
from bma.intents import INTENT_LABELS
from console import audit, training_data
from console.db import session, utcnow

ACTIONS = {
    "label": "c'est la question",
    "out_of_scope": "hors sujet",
    "faq": "question à ajouter à la FAQ",
    "ignore": "ignorer",
}
STATUS_OF_ACTION = {"label": "labelled", "out_of_scope": "labelled", "faq": "faq", "ignore": "ignored"}
# The intents a message can be labelled with: every intent with a « Vouliez-vous dire » label
# (bma/intents.py), out_of_scope having its own button.
LABEL_CHOICES: dict[str, str] = {name: label for name, (label, _payload) in INTENT_LABELS.items()}
GROUPS_PER_PAGE = 50


class InboxError(ValueError):
    """A French message for the staff member."""


@dataclass
class Group:
    key: str
    text: str  # the most recent wording
    count: int
    reasons: list[str]
    intent: str | None  # the intent predicted most often
    confidence: float | None  # the lowest confidence in the group
    first_seen: dt.datetime
    last_seen: dt.datetime
    label_intent: str | None = None
    status: str = "new"
    decided_by: str | None = None


def groups(url: str, status: str = "new", limit: int = GROUPS_PER_PAGE) -> tuple[list[Group], int, int]:
    """The largest groups with this status (``new``, or ``done`` for every decided one), the
    number of groups and of messages. Aggregated in SQL: a few queries whatever the inbox size."""
    statuses = ["labelled", "faq", "ignored"] if status == "done" else [status]
    m = InboxMessage
    with session(url) as db:
        where = m.status.in_(statuses)
        total_messages, total_groups = db.execute(
            select(func.count(), func.count(func.distinct(m.group_key))).where(where)).one()
        order = [func.count().desc(), func.max(m.received_at).desc()] if status == "new" \
            else [func.max(m.decided_at).desc()]
        top = db.execute(select(m.group_key, func.count(), func.min(m.received_at), func.max(m.received_at),
                                func.min(m.confidence), func.max(m.event_id))
                         .where(where).group_by(m.group_key).order_by(*order).limit(limit)).all()
        keys = [row[0] for row in top]
        if not keys:
            return [], total_groups, total_messages
        latest = {row.event_id: row for row in db.execute(
            select(m.event_id, m.text, m.label_intent, m.status, m.decided_by)
            .where(m.event_id.in_([row[5] for row in top])))}
        intents: dict[str, Counter] = {key: Counter() for key in keys}
        for key, intent, n in db.execute(select(m.group_key, m.intent, func.count())
                                         .where(where, m.group_key.in_(keys)).group_by(m.group_key, m.intent)):
            if intent:
                intents[key][intent] += n
        reasons: dict[str, set] = {key: set() for key in keys}
        for key, codes in db.execute(select(m.group_key, m.reasons).where(where, m.group_key.in_(keys)).distinct()):
            reasons[key] |= set(filter(None, codes.split(",")))
    result = []
    for key, count, first_seen, last_seen, confidence, last_id in top:
        last = latest[last_id]
        result.append(Group(
            key=key, text=last.text, count=count, reasons=[r for r in REASONS if r in reasons[key]],
            intent=intents[key].most_common(1)[0][0] if intents[key] else None, confidence=confidence,
            first_seen=first_seen, last_seen=last_seen, label_intent=last.label_intent, status=last.status,
            decided_by=last.decided_by,
        ))
    return result, total_groups, total_messages


def decide(url: str, nlu_dir, key: str, action: str, intent: str | None, login: str) -> str:
    """Apply a decision to every untreated message of a group; returns what was done, in French."""
    if action not in ACTIONS:
        raise InboxError("Action inconnue.")
    if action == "label" and intent not in LABEL_CHOICES:
        raise InboxError("Choisissez la question dans la liste.")
    target = "out_of_scope" if action == "out_of_scope" else intent if action == "label" else None
    with session(url) as db, db.begin():
        rows = db.execute(select(InboxMessage).where(InboxMessage.status == "new", InboxMessage.group_key == key)
                          .order_by(InboxMessage.received_at.desc(), InboxMessage.event_id.desc())).scalars().all()
        if not rows:
            raise InboxError("Ce groupe a déjà été traité (ou n'existe plus).")
        done = ""
        if target:
            added = training_data.add_example(nlu_dir, target, rows[0].text)
            done = (f"exemple ajouté à {training_data.INBOX_FILE}" if added.added
                    else f"déjà présent dans {added.where}")
        now = utcnow()
        db.execute(update(InboxMessage).where(InboxMessage.event_id.in_([r.event_id for r in rows])).values(
            status=STATUS_OF_ACTION[action], label_intent=target, decided_by=login, decided_at=now))
        # Never the user's words in the audit log (console/audit.py): the group is named by the
        # number of its latest message (inbox_messages.event_id, the broker's row id).
        detail = f"{len(rows)} message(s), groupe du message n°{rows[0].event_id}" + \
            (f" → {target}" if target else "") + (f" ; {done}" if done else "")
        audit.record(db, login, ACTIONS[action], detail)
    label = LABEL_CHOICES.get(target, "hors sujet") if target else None
    what = {"label": f"Classé comme « {label} »", "out_of_scope": "Classé hors sujet",
            "faq": "Ajouté à la liste des questions pour la FAQ", "ignore": "Ignoré"}[action]
    return f"{what} ({len(rows)} message(s)" + (f", {done}" if done else "") + ")."


def faq_candidates_csv(url: str) -> str:
    """The questions the staff marked « à ajouter à la FAQ », for the FAQ owners (CSV, ;)."""
    found, _, _ = groups(url, "faq", limit=10_000)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["question (texte masqué)", "messages", "première fois", "dernière fois", "question prédite"])
    for g in found:
        writer.writerow([csv_cell(g.text), g.count, g.first_seen.date().isoformat(), g.last_seen.date().isoformat(),
                         g.intent or ""])
    return "\ufeff" + out.getvalue()


def faq_groups(url: str) -> list[Group]:
    return groups(url, "faq", limit=10_000)[0]


def csv_cell(value: str) -> str:
    """No formula injection when the file is opened in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
