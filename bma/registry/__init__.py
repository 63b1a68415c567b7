"""The mailbox registry: where each BMA stands, the prepared messages and the questions for review.

``store`` (tables and queries), ``csv_import`` (validated import), ``python -m bma.registry`` (command line).
"""
from bma.registry.csv_import import REQUIRED_COLUMNS, ImportResult, import_csv, read_csv  # noqa: F401
from bma.registry.store import (  # noqa: F401
    TICKET_STATUSES,
    ChannelErrorRow,
    MailboxRow,
    ReviewQuestionRow,
    TicketRow,
    count_mailboxes,
    database_url,
    dispose_engines,
    find_mailbox,
    get_engine,
    list_review_questions,
    list_tickets,
    phase_counts,
    record_channel_error,
    record_review_question,
    record_ticket,
    session,
)
