"""Baseline: the project's tables as the code created them before Alembic (d720e57).

Each table is created when missing: a database of that time (no ``alembic_version``) keeps its
tables and rows, gets those it lacked, and revision 0002 brings older tables up to this schema.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if missing('analytics_conversations'):
        op.create_table('analytics_conversations',
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=True),
        sa.Column('last_user_event_id', sa.Integer(), nullable=True),
        sa.Column('last_intent', sa.String(length=64), nullable=True),
        sa.Column('last_action', sa.String(length=64), nullable=True),
        sa.Column('clarified_event_id', sa.Integer(), nullable=True),
        sa.Column('topic', sa.String(length=64), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('pending_user_ts', sa.Float(), nullable=True),
        sa.Column('last_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('conversation_id')
        )
    if missing('analytics_cursor'):
        op.create_table('analytics_cursor',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name')
        )
    if missing('analytics_daily'):
        op.create_table('analytics_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('metric', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'metric', 'key')
        )
    if missing('channel_errors'):
        op.create_table('channel_errors',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'channel')
        )
    if missing('console_audit'):
        op.create_table('console_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('login', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('occurrences', sa.Integer(), nullable=True),
        sa.Column('last_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_console_audit_at'), 'console_audit', ['at'], unique=False)
    if missing('console_audit_bursts'):
        op.create_table('console_audit_bursts',
        sa.Column('burst_key', sa.String(length=64), nullable=False),
        sa.Column('audit_id', sa.Integer(), nullable=True),
        sa.Column('first_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('burst_key')
        )
    if missing('console_sign_in_failures'):
        op.create_table('console_sign_in_failures',
        sa.Column('login_key', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('login_key', 'client')
        )
    if missing('console_staff'):
        op.create_table('console_staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('login', sa.String(length=64), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('password_changed_at', sa.DateTime(), nullable=False),
        sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
        sa.Column('role', sa.String(length=16), server_default='admin', nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('login')
        )
    if missing('feedback'):
        op.create_table('feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('digest', sa.String(length=8), nullable=False),
        sa.Column('occurrence', sa.Integer(), nullable=False),
        sa.Column('rating', sa.String(length=4), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('bot_event_id', sa.Integer(), nullable=True),
        sa.Column('user_event_id', sa.Integer(), nullable=True),
        sa.Column('intent', sa.String(length=64), nullable=True),
        sa.Column('action', sa.String(length=64), nullable=True),
        sa.Column('phase', sa.String(length=20), nullable=True),
        sa.Column('model_id', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id', 'digest', 'occurrence', name='uq_feedback_bubble')
        )
        op.create_index(op.f('ix_feedback_day'), 'feedback', ['day'], unique=False)
        op.create_index(op.f('ix_feedback_status'), 'feedback', ['status'], unique=False)
    if missing('inbox_messages'):
        op.create_table('inbox_messages',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('group_key', sa.String(length=300), nullable=False),
        sa.Column('intent', sa.String(length=64), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('reasons', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('label_intent', sa.String(length=64), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('event_id')
        )
        op.create_index(op.f('ix_inbox_messages_day'), 'inbox_messages', ['day'], unique=False)
        op.create_index('ix_inbox_status_group', 'inbox_messages', ['status', 'group_key'], unique=False)
    if missing('registry_sources'):
        op.create_table('registry_sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('file_date', sa.DateTime(), nullable=True),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
    if missing('retraining_jobs'):
        op.create_table('retraining_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('stage', sa.String(length=12), nullable=True),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('stage_started_at', sa.DateTime(), nullable=True),
        sa.Column('stage_expected_seconds', sa.Float(), nullable=True),
        sa.Column('train_seconds', sa.Float(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('candidate_path', sa.String(length=1000), nullable=True),
        sa.Column('candidate_digest', sa.String(length=64), nullable=True),
        sa.Column('active_name', sa.String(length=255), nullable=True),
        sa.Column('active_digest', sa.String(length=64), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('log_path', sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_retraining_jobs_status'), 'retraining_jobs', ['status'], unique=False)
    if missing('retraining_models'):
        op.create_table('retraining_models',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('path', sa.String(length=1000), nullable=True),
        sa.Column('heldout_digest', sa.String(length=64), nullable=True),
        sa.Column('items', sa.Integer(), nullable=True),
        sa.Column('accuracy', sa.Float(), nullable=True),
        sa.Column('macro_f1', sa.Float(), nullable=True),
        sa.Column('honest', sa.Float(), nullable=True),
        sa.Column('measured_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('digest')
        )
    if missing('retraining_state'):
        op.create_table('retraining_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('running_job_id', sa.Integer(), nullable=True),
        sa.Column('active_path', sa.String(length=1000), nullable=True),
        sa.Column('previous_path', sa.String(length=1000), nullable=True),
        sa.Column('changed_at', sa.DateTime(), nullable=True),
        sa.Column('changed_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id')
        )
    if missing('review_questions'):
        op.create_table('review_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('intent', sa.String(length=64), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('id')
        )
    if missing('tickets'):
        op.create_table('tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('route', sa.String(length=32), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('last_name', sa.String(length=100), nullable=True),
        sa.Column('first_name', sa.String(length=100), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('conversation_id', sa.String(length=200), nullable=True),
        sa.Column('status', sa.String(length=12), server_default='open', nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
    if missing('transcript_conversations'):
        op.create_table('transcript_conversations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('user_messages', sa.Integer(), nullable=False),
        sa.Column('bot_messages', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id')
        )
        op.create_index('ix_transcript_conversations_period', 'transcript_conversations', ['last_at', 'started_at'], unique=False)
    if missing('transcript_messages'):
        op.create_table('transcript_messages',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('conversation_ref', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('author', sa.String(length=4), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('intent', sa.String(length=64), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('action', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('event_id')
        )
        op.create_index('ix_transcript_messages_conversation', 'transcript_messages', ['conversation_ref', 'event_id'], unique=False)
    if missing('transcript_tags'):
        op.create_table('transcript_tags',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('value', sa.String(length=64), nullable=False),
        sa.Column('conversation_ref', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'value', 'conversation_ref')
        )
        op.create_index('ix_transcript_tags_conversation', 'transcript_tags', ['conversation_ref'], unique=False)
    if missing('console_known_clients'):
        op.create_table('console_known_clients',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('last_ok_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['console_staff.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_id', 'client')
        )
    if missing('console_sessions'):
        op.create_table('console_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['console_staff.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash')
        )
    if missing('mailboxes'):
        op.create_table('mailboxes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=2), nullable=False),
        sa.Column('fase', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('in_mode', sa.Boolean(), nullable=True),
        sa.Column('email1_date', sa.Date(), nullable=True),
        sa.Column('email2_date', sa.Date(), nullable=True),
        sa.Column('email3_date', sa.Date(), nullable=True),
        sa.Column('migration_date', sa.Date(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['source_id'], ['registry_sources.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('address', name='uq_mailboxes_address')
        )
        op.create_index(op.f('ix_mailboxes_address'), 'mailboxes', ['address'], unique=False)
        op.create_index(op.f('ix_mailboxes_source_id'), 'mailboxes', ['source_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("no way down from the baseline: restore a backup")
