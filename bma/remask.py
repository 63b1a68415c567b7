"""Re-mask secrets in conversations stored before the masking rules caught them (no Rasa import).

    .venv/bin/python -m bma.remask [--tracker-url URL] [--registry-url URL] [--dry-run]

Rasa's SQL tracker store keeps each event as JSON in ``events.data``; every string in it (the
user's text, ``parse_data``, slot values, the bot's prepared messages and their ``mailto:`` links)
goes through ``secrets.mask`` again, and the ticket descriptions of the registry too. Rows are
rewritten in place, in one transaction per table; running it twice changes nothing the second time.
Works on SQLite and PostgreSQL (any SQLAlchemy URL).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

from sqlalchemy import create_engine, inspect, text

import settings
from bma import registry
from bma.secrets import mask_bot_text, mask_json, mask_string

DEFAULT_TRACKER_URL = "sqlite:///var/tracker.sqlite3"


@dataclass
class Count:
    rows_read: int = 0
    rows_changed: int = 0


def mask_event(event: dict) -> dict:
    """A stored Rasa event with the user's words masked; the assistant's own texts only where they
    echo the user (a prepared message)."""
    if event.get("event") == "bot":
        masked = dict(event)
        if isinstance(event.get("text"), str):
            masked["text"] = mask_bot_text(event["text"])
        return masked
    return mask_json(event)


def remask_tracker(url: str, dry_run: bool = False) -> Count:
    count = Count()
    engine = create_engine(url, future=True)
    try:
        if "events" not in inspect(engine).get_table_names():
            return count
        with engine.begin() as db:
            rows = db.execute(text("SELECT id, data FROM events")).all()
            for row_id, data in rows:
                count.rows_read += 1
                try:
                    event = json.loads(data)
                except (TypeError, ValueError):
                    continue
                masked = mask_event(event)
                if masked != event:
                    count.rows_changed += 1
                    if not dry_run:
                        db.execute(text("UPDATE events SET data = :data WHERE id = :id"),
                                   {"data": json.dumps(masked), "id": row_id})
    finally:
        engine.dispose()
    return count


def remask_tickets(url: str, dry_run: bool = False) -> Count:
    count = Count()
    with registry.session(url) as db, db.begin():
        for ticket in db.query(registry.TicketRow):
            count.rows_read += 1
            masked = mask_string(ticket.description or "")
            if ticket.description and masked != ticket.description:
                count.rows_changed += 1
                if not dry_run:
                    ticket.description = masked
        if dry_run:
            db.rollback()
    return count


# Rasa's SQL tracker store and ours (stores/sql_trackers.py: same tables and rows).
SQL_TRACKER_STORES = ("SQL", "stores.sql_trackers.SQLiteWALTrackerStore", "stores.sql_trackers.LeanSQLTrackerStore")


def tracker_url_from_endpoints(path: str = "endpoints.yml") -> str:
    """The SQL tracker store of ``endpoints.yml`` as an SQLAlchemy URL (SQLite or PostgreSQL)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            store = (yaml.safe_load(handle) or {}).get("tracker_store") or {}
    except OSError:
        return DEFAULT_TRACKER_URL
    dialect = store.get("dialect", "sqlite")
    if store.get("type") not in SQL_TRACKER_STORES:
        return DEFAULT_TRACKER_URL
    if dialect == "sqlite":
        return f"sqlite:///{store.get('db', 'rasa.db')}"
    user = store.get("username") or ""
    password = f":{store['password']}" if store.get("password") else ""
    host = store.get("url") or "localhost"
    port = f":{store['port']}" if store.get("port") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"{dialect}://{credentials}{host}{port}/{store.get('db', 'rasa')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bma.remask", description=__doc__.splitlines()[0])
    parser.add_argument("--tracker-url", help="SQLAlchemy URL of Rasa's SQL tracker store (default: endpoints.yml)")
    parser.add_argument("--registry-url", help="registry (tickets) URL (default: BMA_DB_URL or var/registry.sqlite3)")
    parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    args = parser.parse_args(argv)
    tracker_url = args.tracker_url or settings.get("BMA_TRACKER_URL") or tracker_url_from_endpoints()
    registry_url = args.registry_url or registry.database_url()
    events = remask_tracker(tracker_url, args.dry_run)
    tickets = remask_tickets(registry_url, args.dry_run)
    verb = "à modifier" if args.dry_run else "modifiés"
    print(f"événements : {events.rows_read} lus, {events.rows_changed} {verb}")
    print(f"tickets : {tickets.rows_read} lus, {tickets.rows_changed} {verb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
