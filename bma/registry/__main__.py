"""Command line of the registry (``python -m bma.registry --help``):

    import FILE.csv   validate every row, then upsert all of them in one transaction
    show ADDRESS      the record and its phase on the reference date
    stats             mailboxes per phase
    tickets           the prepared messages recorded by the assistant
    review            questions the FAQ does not answer, kept for the staff
    demo [--if-empty] load the deterministic demo campaign (bma/demo.py)
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


from bma import address as bma_address
from bma.mailbox import Mailbox
from bma.phases import Phase, reference_date
from bma.registry.csv_import import import_csv
from bma.registry.store import (
    phase_counts,
    count_mailboxes,
    database_url,
    find_mailbox,
    list_review_questions,
    list_tickets,
)


def _print_mailbox(mailbox: Mailbox, today: dt.date) -> None:
    from bma.phases import PHASE_LABELS_FR

    phase = mailbox.phase(today)
    print(f"address        {mailbox.address}")
    print(f"kind           {mailbox.kind}  FASE {mailbox.fase}")
    print(f"name           {mailbox.name or '-'}")
    print(f"in MODE        {'yes' if mailbox.in_mode else 'no (hors MODE)'}")
    for label, value in (
        ("email1_date", mailbox.dates.email1_date), ("email2_date", mailbox.dates.email2_date),
        ("email3_date", mailbox.dates.email3_date), ("migration_date", mailbox.dates.migration_date),
    ):
        print(f"{label:<15}{value or '-'}")
    print(f"phase on {today}: {phase.value} ({PHASE_LABELS_FR[phase]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bma.registry", description="BMA mailbox registry")
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help="import a CSV file")
    importing.add_argument("file")
    showing = commands.add_parser("show", help="show one mailbox")
    showing.add_argument("address")
    commands.add_parser("stats", help="mailboxes per phase")
    commands.add_parser("tickets", help="list support tickets")
    commands.add_parser("review", help="questions the FAQ does not answer, for review")
    demo = commands.add_parser("demo", help="load the demo campaign")
    demo.add_argument("--if-empty", action="store_true", help="only when the registry is empty")
    args = parser.parse_args(argv)
    url = database_url()
    today = reference_date()

    if args.command == "import":
        try:
            raw = Path(args.file).read_bytes()
        except OSError as error:
            print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 1
        result = import_csv(raw, url, progress=sys.stderr.isatty())
        if not result.ok:
            for problem in result.problems:
                print(problem, file=sys.stderr)
            print(f"nothing imported: {len(result.problems)} problem(s)", file=sys.stderr)
            return 1
        print(f"imported {result.inserted + result.updated} mailboxes: {result.inserted} new, {result.updated} updated")
        return 0
    if args.command == "show":
        normalised = bma_address.normalise(args.address)
        if not normalised:
            print(f"not a BMA address: {args.address!r}", file=sys.stderr)
            return 1
        mailbox = find_mailbox(normalised, url)
        if mailbox is None:
            print(f"{normalised}: not in the registry", file=sys.stderr)
            return 1
        _print_mailbox(mailbox, today)
        return 0
    if args.command == "stats":
        counts = phase_counts(today, url)
        print(f"reference date {today}, {sum(counts.values())} mailboxes")
        for phase in Phase:
            if phase is not Phase.UNKNOWN:
                print(f"{phase.value:<14}{counts.get(phase, 0):>6}")
        return 0
    if args.command == "tickets":
        tickets = list_tickets(url)
        if not tickets:
            print("no tickets")
        for ticket in tickets:
            print(
                f"#{ticket.id} {ticket.created_at:%Y-%m-%d %H:%M} {ticket.route:<15} {ticket.status:<4} {ticket.address or '-'} "
                f"{ticket.last_name or ''} {ticket.first_name or ''} [{ticket.conversation_id}] {ticket.description or ''}"
            )
        return 0
    if args.command == "review":
        questions = list_review_questions(url)
        if not questions:
            print("no questions to review")
        for question in questions:
            print(f"#{question.id} {question.created_at:%Y-%m-%d %H:%M} {question.text}")
        return 0
    if args.command == "demo":
        from bma import demo as demo_campaign

        if args.if_empty and count_mailboxes(url):
            print("registry not empty: demo not loaded")
            return 0
        result = import_csv(demo_campaign.csv_bytes(), url)
        print(f"demo campaign loaded: {result.inserted} new, {result.updated} updated")
        return 0 if result.ok else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
