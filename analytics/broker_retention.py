"""The retention of Rasa's event broker table (``events``, ``BMA_EVENTS_DB_URL``): its old rows counted
(for the privacy report) and purged (for analytics.retention), once the aggregation has read them."""
from __future__ import annotations

import json
import re

from sqlalchemy import delete, func, select, update

import storage
from analytics.config import AnalyticsConfig
from analytics.db import IngestCursor, broker_events, broker_ready, events_engine

CHUNK = 5000
# The event's own timestamp: the first "timestamp" key of Rasa's JSON (the event's, written before
# its metadata and parse data; quotes inside strings are escaped, so no text can imitate it).
EMPTIED_EVENT = "bma_purged"  # the emptied last row (see purge_broker): no sender, no content
EMPTIED = '{"event": "bma_purged"'
TIMESTAMP_RE = re.compile(r'"timestamp": (-?[0-9.]+(?:[eE][-+]?[0-9]+)?)')


def purge_broker(config: AnalyticsConfig, before: float) -> int:
    """Delete the broker rows older than ``before`` (a Unix time) among those already aggregated.
    Rows are read in id order, which is time order for Rasa's broker; the scan stops at the first
    chunk without any old row, so a newer row is never deleted.

    The row with the highest id is emptied instead of deleted: SQLite gives a new row the highest
    id + 1, so deleting the last rows (a month without traffic) would hand their ids again to new
    events, which the aggregation, past them already, would never read."""
    if not broker_ready(config.events_url):
        return 0
    with storage.session(config.db_url) as db:
        cursor = db.get(IngestCursor, "events")
        ingested = cursor.last_event_id if cursor else 0
    deleted, after = 0, 0
    engine = events_engine(config.events_url)
    while True:
        with engine.begin() as conn:
            top = conn.execute(select(func.max(broker_events.c.id))).scalar()
            rows = conn.execute(select(broker_events.c.id, broker_events.c.data)
                                .where(broker_events.c.id > after, broker_events.c.id <= ingested)
                                .order_by(broker_events.c.id).limit(CHUNK)).all()
            if not rows:
                return deleted
            old = []
            for event_id, data in rows:
                found = TIMESTAMP_RE.search(data or "")
                if found and float(found.group(1)) < before:
                    old.append(event_id)
                    if event_id == top and not data.startswith(EMPTIED):
                        conn.execute(update(broker_events).where(broker_events.c.id == top).values(
                            sender_id=None, data=json.dumps({"event": EMPTIED_EVENT, "timestamp": float(found.group(1))})))
                        deleted += 1
            if old:
                doomed = [i for i in old if i != top]
                conn.execute(delete(broker_events).where(broker_events.c.id.in_(doomed)))
                deleted += len(doomed)
        if not old:
            return deleted
        after = rows[-1][0]


def count_old_broker(config: AnalyticsConfig, before: float) -> int:
    """How many broker rows are older than ``before`` (aggregated or not; the emptied last row
    holds nothing and is not counted). Same scan as ``purge_broker``: id order is time order."""
    if not broker_ready(config.events_url):
        return 0
    found, after = 0, 0
    with events_engine(config.events_url).connect() as conn:
        while True:
            rows = conn.execute(select(broker_events.c.id, broker_events.c.data).where(broker_events.c.id > after)
                                .order_by(broker_events.c.id).limit(CHUNK)).all()
            old = 0
            for _, data in rows:
                stamp = TIMESTAMP_RE.search(data or "")
                if stamp and float(stamp.group(1)) < before and not (data or "").startswith(EMPTIED):
                    old += 1
            found += old
            if not rows or not old:
                return found
            after = rows[-1][0]
