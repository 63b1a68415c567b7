"""Questions the FAQ does not answer have one store: the review inbox (``inbox_messages``, reason
``not_covered``, « hors FAQ »), filled from the events by the aggregation (analytics/ingest.py). The
first version's ``review_questions`` table was copied into it and dropped by the schema migration
storage/migrations/versions/0003.

    .venv/bin/python -m analytics.out_of_faq     # lists them, oldest first (masked text)
"""
from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.db import InboxMessage, analytics_engine

REASON = "not_covered"


def out_of_faq(db_url: str) -> list[InboxMessage]:
    """The inbox's questions « hors FAQ », oldest first."""
    with Session(analytics_engine(db_url), future=True) as db:
        return list(db.execute(select(InboxMessage).where(InboxMessage.reasons.like(f"%{REASON}%"))
                               .order_by(InboxMessage.received_at, InboxMessage.event_id)).scalars())


def main(argv: list[str] | None = None) -> int:
    from storage import database_url

    parser = argparse.ArgumentParser(prog="python -m analytics.out_of_faq",
                                     description="Questions que la FAQ ne couvre pas (boîte de réception, « hors FAQ »).")
    parser.add_argument("--db-url", default=None, help="base de données (défaut : BMA_DB_URL)")
    args = parser.parse_args(argv)
    questions = out_of_faq(args.db_url or database_url())
    if not questions:
        print("Aucune question hors FAQ.")
    for question in questions:
        print(f"#{question.event_id} {question.received_at:%Y-%m-%d %H:%M} {question.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
