"""One store for the questions the FAQ does not answer: the old ``review_questions`` table's rows
become review-inbox messages (reason ``not_covered``, « hors FAQ »), then the table is dropped.

A row becomes the inbox message of ``event_id`` = − its id (event ids are positive), on its day in the
staff's calendar (``BMA_CONSOLE_TZ``, Europe/Brussels by default, as the aggregation counts days),
unless the inbox already holds it (same id) or already held, before this revision, a « hors FAQ »
message of the same day with the same text group (the aggregation had copied it). Two old rows of
the same day and group both become messages (each was a question asked). A row whose text has no
word at all (« ??? ») has no group and is not copied.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""
import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import settings

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REASON = "not_covered"
old = sa.table("review_questions", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime),
               sa.column("text", sa.Text), sa.column("intent", sa.String), sa.column("confidence", sa.Float))
inbox = sa.table("inbox_messages", sa.column("event_id", sa.Integer), sa.column("received_at", sa.DateTime),
                 sa.column("day", sa.Date), sa.column("text", sa.Text), sa.column("group_key", sa.String),
                 sa.column("intent", sa.String), sa.column("confidence", sa.Float),
                 sa.column("reasons", sa.String), sa.column("status", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("review_questions"):
        return
    zone = ZoneInfo(settings.get("BMA_CONSOLE_TZ"))
    present = set(bind.execute(sa.select(inbox.c.event_id).where(inbox.c.event_id < 0)).scalars())
    already = {(day, key) for day, key, reasons in bind.execute(
        sa.select(inbox.c.day, inbox.c.group_key, inbox.c.reasons)) if REASON in (reasons or "").split(",")}
    rows = []
    for row_id, created_at, question, intent, confidence in bind.execute(
            sa.select(old.c.id, old.c.created_at, old.c.text, old.c.intent, old.c.confidence).order_by(old.c.id)):
        key, day = group_key(question or ""), _day(created_at, zone)
        if -row_id in present or not key or (day, key) in already:
            continue
        rows.append({"event_id": -row_id, "received_at": created_at, "day": day, "text": question,
                     "group_key": key, "intent": intent, "confidence": confidence, "reasons": REASON,
                     "status": "new"})
    if rows:
        op.bulk_insert(inbox, rows)
    op.drop_table("review_questions")


# The inbox's grouping (analytics.inbox.group_key) as it was at this revision, frozen here: a
# migration imports nothing of the project, and what it wrote must not change with later code.
# tests/unit/test_storage.py checks that both still agree.
ADDRESS_RE = re.compile(r"(?<![a-z0-9])(ec|po)\s*(\d{1,8})\s*@\s*adm\s*\.\s*cfwb\s*\.\s*be(?![a-z0-9])", re.I)


def group_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ADDRESS_RE.sub(" adresse_bma ", text).translate(APOSTROPHES).lower())
    plain = re.sub(r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))).strip()
    return re.sub(r"\s+", " ", re.sub(r"[^\w]+", " ", plain)).strip()[:300]


APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def _day(created_at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """A naive UTC timestamp (as the table kept it) → its day in the staff's calendar."""
    return created_at.replace(tzinfo=dt.timezone.utc).astimezone(zone).date()


def downgrade() -> None:
    raise NotImplementedError("no way down: restore a backup")
