"""Command line of the registry (``python -m bma.registry --help``):

    import FILE.csv   validate every row, then upsert all of them in one transaction (recorded
                      as one source: the file's name, modification date and row count)
    show ADDRESS      the record, where it comes from and its phase on the reference date
    stats             mailboxes per phase, the registry's sources, demonstration data if any
    tickets           the prepared messages recorded by the assistant
    demo [--if-empty] load the deterministic demo campaign (bma/demo.py), never beside imported rows
    remove-demo       delete the demonstration rows
    production-check  in production (BMA_PRODUCTION=1, deploy/ endpoints), refuse demonstration data
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

import storage
from bma import address as bma_address
from bma.mailbox import Mailbox
from bma.phases import Phase, reference_date
from bma.registry import production
from bma.registry.csv_import import DemoRefused, import_file, load_demo, remove_demo
from bma.registry.store import (
    LEGACY_DEMO_FILE,
    count_demo_mailboxes,
    count_mailboxes,
    count_mailboxes_without_source,
    database_url,
    find_mailbox,
    list_tickets,
    phase_counts,
    registry_sources,
)

UNKNOWN_SOURCE = "inconnue (chargée avant l'enregistrement des sources)"


def _print_mailbox(mailbox: Mailbox, today: dt.date) -> None:
    from bma.phases import PHASE_LABELS_FR

    phase = mailbox.phase(today)
    print(f"address        {mailbox.address}")
    print(f"kind           {mailbox.kind}  FASE {mailbox.fase}")
    print(f"name           {mailbox.name or '-'}")
    in_mode = {True: "yes", False: "no (hors MODE)", None: "unknown (both forms of §6 are given)"}[mailbox.in_mode]
    print(f"in MODE        {in_mode}")
    if mailbox.demo:
        print(f"source         {mailbox.provenance.label} (DÉMONSTRATION : pas une vraie boîte)")
    else:
        print(f"source         {mailbox.provenance.label if mailbox.provenance else UNKNOWN_SOURCE}")
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
    demo = commands.add_parser("demo", help="load the demo campaign")
    demo.add_argument("--if-empty", action="store_true",
                      help="only when the registry is empty (or holds an older demo); otherwise say so and exit 0")
    commands.add_parser("remove-demo", help="delete the demonstration rows")
    check = commands.add_parser("production-check", help="in production, refuse a registry holding demonstration data")
    check.add_argument("--endpoints", help="the endpoints file Rasa is started with (deploy/…: production)")
    args = parser.parse_args(argv)
    url = database_url()
    today = reference_date()

    if args.command == "import":
        try:
            result = import_file(args.file, url, progress=sys.stderr.isatty())
        except OSError as error:
            print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 1
        if not result.ok:
            for problem in result.problems:
                print(problem, file=sys.stderr)
            print(f"nothing imported: {len(result.problems)} problem(s)", file=sys.stderr)
            return 1
        source = next(s for s in registry_sources(url) if s.id == result.source_id)
        print(f"imported {result.inserted + result.updated} mailboxes: {result.inserted} new, {result.updated} updated"
              f" (source : {source.label})")
        demo_rows = count_demo_mailboxes(url)
        if demo_rows:
            print(f"Attention : le registre contient aussi {demo_rows} boîte(s) de démonstration ; la production "
                  "refusera de démarrer tant qu'elles y sont (python -m bma.registry remove-demo).", file=sys.stderr)
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
        _print_sources(url)
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
    if args.command == "demo":
        return _demo(url, args.if_empty)
    if args.command == "remove-demo":
        print(f"{remove_demo(url)} boîte(s) de démonstration supprimée(s)")
        return 0
    if args.command == "production-check":  # before the services start: settings, schema at head
        storage.startup()
        return _production_check(args.endpoints)
    return 2


def _print_sources(url: str) -> None:
    sources = registry_sources(url)
    demo_rows = count_demo_mailboxes(url)
    unsourced = count_mailboxes_without_source(url)
    print("sources du registre (la plus récente d'abord) :")
    if not sources:
        print("  aucune")
    for source in sources:
        kind = "DÉMONSTRATION" if source.demo else "import"
        date = f"{source.file_date:%d/%m/%Y %H:%M}" if source.file_date else "-"
        print(f"  #{source.id} {kind:<13} fichier {source.file_name or '-'}  date du fichier {date}  "
              f"{source.row_count} ligne(s), chargé le {source.loaded_at:%d/%m/%Y %H:%M} UTC, "
              f"{source.current_rows} boîte(s) en proviennent encore")
    if unsourced:
        print(f"  {unsourced} boîte(s) d'origine inconnue (chargées avant l'enregistrement des sources)")
    if demo_rows:
        print(f"ATTENTION : ce registre contient {demo_rows} boîte(s) de DÉMONSTRATION (FASE "
              "990000–999999) : ce ne sont pas de vraies boîtes. La production refuse de démarrer avec elles "
              "(python -m bma.registry remove-demo les supprime).")


def _demo(url: str, if_empty: bool) -> int:
    reason = production.production_reason()
    if reason and if_empty:  # make run in production: never the demo, and say so
        print(f"Production ({reason}) : la démonstration n'est pas chargée.")
        return 0
    if if_empty:
        total, demo_rows = count_mailboxes(url), count_demo_mailboxes(url)
        if total != demo_rows:
            print(f"registry not empty: demo not loaded ({total - demo_rows} boîte(s) importée(s) ou d'origine "
                  "inconnue : la démonstration ne s'y mêle jamais)")
            return 0
        legacy = any(s.demo and s.current_rows and s.file_name == LEGACY_DEMO_FILE for s in registry_sources(url))
        if total and not legacy:
            print("registry not empty: demo not loaded (la démonstration est déjà chargée)")
            return 0
    try:
        result = load_demo(url)
    except DemoRefused as refusal:
        print(refusal, file=sys.stderr)
        return 1
    print(f"demo campaign loaded: {result.inserted} mailboxes (FASE 990000–999999), recorded as demonstration data")
    return 0


def _production_check(endpoints: str | None) -> int:
    reason = production.production_reason(endpoints=endpoints)
    if reason is None:
        return 0
    refusal = production.demo_refusal(endpoints=endpoints)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    for warning in production.production_warnings():
        print(warning, file=sys.stderr)
    print(f"Production ({reason}) : pas de données de démonstration dans le registre.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
