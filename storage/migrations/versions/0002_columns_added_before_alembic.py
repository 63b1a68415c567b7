"""The columns added by hand-written ALTER statements before Alembic (each only when missing: a
database created by the baseline already has them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ADDED = {  # table → column → SQL type and default
    "tickets": {"status": "VARCHAR(12) DEFAULT 'open' NOT NULL"},
    "mailboxes": {"source_id": "INTEGER REFERENCES registry_sources(id)"},
    # Roles: an account created before them keeps every right (admin), so nobody loses access.
    "console_staff": {"role": "VARCHAR(16) DEFAULT 'admin' NOT NULL"},
    "console_audit": {"occurrences": "INTEGER", "last_at": "TIMESTAMP"},
    "analytics_conversations": {"topic": "VARCHAR(64)", "address": "VARCHAR(64)", "pending_user_ts": "FLOAT",
                                "last_at": "TIMESTAMP"},
}


def columns(table: str) -> dict:
    return {c["name"]: c for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    for table, added in ADDED.items():
        present = columns(table)
        for name, ddl in added.items():
            if name not in present:
                op.execute(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}")
    indexes = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("mailboxes")}
    if "ix_mailboxes_source_id" not in indexes:
        op.create_index("ix_mailboxes_source_id", "mailboxes", ["source_id"])
    # MODE membership may be unknown: in_mode was NOT NULL (SQLite: the table is rebuilt).
    if not columns("mailboxes")["in_mode"]["nullable"]:
        with op.batch_alter_table("mailboxes") as batch:
            batch.alter_column("in_mode", existing_type=sa.Boolean(), nullable=True)
    # The first slice counted failures by login in clear, unknown logins included: gone.
    op.execute("DROP TABLE IF EXISTS console_sign_in_attempts")
    # The first slice's vote conversation ids were 64 characters (SQLite enforces no length).
    if op.get_bind().dialect.name == "postgresql":
        length = columns("feedback")["conversation_id"]["type"].length
        if length is not None and length < 255:
            op.alter_column("feedback", "conversation_id", type_=sa.String(255), existing_nullable=False)


def downgrade() -> None:
    raise NotImplementedError("no way down: restore a backup")
