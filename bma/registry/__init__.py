"""The mailbox registry: where each BMA stands and where its row comes from, the prepared messages
and the questions for review.

``store`` (tables and queries), ``csv_import`` (validated import, the demo loader), ``production``
(no demonstration data in production), ``python -m bma.registry`` (command line).
"""
from bma.registry.csv_import import (  # noqa: F401
    REQUIRED_COLUMNS,
    DemoRefused,
    ImportResult,
    import_csv,
    import_file,
    load_demo,
    read_csv,
    remove_demo,
)
from bma.registry.production import (  # noqa: F401
    DemoDataInProduction,
    assert_no_demo_in_production,
    production_reason,
)
from bma.registry.store import (  # noqa: F401
    TICKET_STATUSES,
    ChannelErrorRow,
    MailboxRow,
    RegistrySource,
    RegistrySourceRow,
    TicketRow,
    count_demo_mailboxes,
    count_mailboxes,
    count_mailboxes_without_source,
    database_url,
    dispose_engines,
    find_mailbox,
    get_engine,
    holds_demo_data,
    list_tickets,
    phase_counts,
    record_channel_error,
    record_ticket,
    registry_sources,
    session,
)
