"""Writing what a batch folded (analytics/batch.py): daily counters (upserted), conversation
states, transcripts; and reading again the user events of earlier batches that a late reason puts
in the inbox."""
from __future__ import annotations

import json
import time
from collections import Counter

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analytics import inbox
from analytics.batch import STATE_FIELDS, Batch
from analytics.db import ConversationState, DailyCount, TranscriptConversation, broker_events, events_engine
from analytics.events import Clock, predicted


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
