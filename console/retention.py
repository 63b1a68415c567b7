"""The staff's purge: analytics/retention.py applies every retention (analytics/privacy.py declares
them); here it is run with each run written in the staff's journal — once a day by the console
(console.app), or at once by the command.

    .venv/bin/python -m console.retention [--days N]      # also `make purge`
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time

from analytics import privacy
from analytics import retention as analytics_retention
from analytics.retention import GROUPS, LABELS_FR, RetentionError, due, shown
from console import audit
from console.config import ConsoleConfig, settings
from console.db import console_engine

log = logging.getLogger(__name__)


def purge(config: ConsoleConfig | None = None, days: int | None = None, now: float | None = None,
          login: str = "(commande)", tracker: str | None = None, chosen: privacy.Cutoffs | None = None) -> dict[str, int]:
    """analytics.retention.purge, the staff's tables ready and the run in their journal."""
    config = config or settings()
    console_engine(config.db_url)
    return analytics_retention.purge(config, days, now, login, tracker, chosen, journal=audit.record)


_failed_at: float | None = None
RETRY_SECONDS = 3600.0


def run_if_due(config: ConsoleConfig) -> dict[str, int] | None:
    """The console's schedule: a purge once a day (the first one when the console starts); after
    a failure (logged by the caller), the next try comes an hour later, not at every tick."""
    global _failed_at
    if _failed_at is not None and time.monotonic() - _failed_at < RETRY_SECONDS:
        return None
    if not due(config):
        return None
    try:
        counts = purge(config, login="(automatique)")
    except Exception:
        _failed_at = time.monotonic()
        raise
    _failed_at = None
    log.info("retention: %s", ", ".join(f"{shown(n)} {LABELS_FR[k]}" for k, n in counts.items()))
    return counts


def local(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment).strftime("%d/%m/%Y %H:%M")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Applique les durées de conservation (analytics/privacy.py) : "
                                                 "conversations (BMA_RETENTION_DAYS, 30 jours), tickets "
                                                 "(BMA_TICKET_RETENTION_DAYS, 90), journal (BMA_AUDIT_RETENTION_DAYS, "
                                                 "365) ; les chiffres agrégés sont gardés.")
    parser.add_argument("--days", type=int, help="jours de conservation des conversations (sinon BMA_RETENTION_DAYS)")
    args = parser.parse_args(argv)
    try:
        if args.days is not None and args.days < 1:
            raise RetentionError("--days doit valoir au moins 1.")
        chosen = privacy.cutoffs(conversations=args.days)
    except RetentionError as error:
        print(error, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    counts = purge(chosen=chosen)
    titles = {
        "conversations": f"Conservation : {chosen.days['conversations']} jours (supprimé : tout ce qui est antérieur "
                         f"au {local(chosen.before('conversations'))}).",
        "tickets": f"Tickets : {chosen.days['tickets']} jours (données personnelles effacées des tickets antérieurs "
                   f"au {local(chosen.before('tickets'))} ; numéro, date, service et statut gardés).",
        "audit": f"Journal du personnel : {chosen.days['audit']} jours (antérieur au {local(chosen.before('audit'))}).",
        "sign_in": "Connexions du personnel (sessions expirées, compteurs de plus d'un jour, adresses de plus de "
                   f"{privacy.FIXED_DAYS['known_clients']} jours) :",
    }
    for group, keys in GROUPS.items():
        present = [k for k in keys if k in counts]
        if present:
            print(titles[group])
            for key in present:
                print(f"  {LABELS_FR[key]} : {shown(counts[key])}")
    print("Les chiffres agrégés (tableau de bord, avis) sont gardés.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
