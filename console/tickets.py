"""The messages the assistant prepared for a desk (tickets, in the registry's ``tickets`` table),
by desk, with a status the staff change: « ouvert » or « traité » (each change in the audit log).
After BMA_TICKET_RETENTION_DAYS (90) the purge erases a ticket's personal fields (console.retention):
its number, date, desk and status stay, and the page says the rest was erased."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bma.registry.store import TICKET_STATUSES, TicketRow
from bma.secrets import mask_string
from console import audit, dashboard, transcripts
from console.db import session

PER_PAGE = 50
STATUS_FR = {"open": "ouvert", "done": "traité"}
# The page's filter (URL parameter « statut »): French words, as in the address bar.
STATUS_FILTERS = {"ouverts": "open", "traites": "done", "tous": None}
DESKS = dashboard.TICKET_DESKS_FR


class TicketError(ValueError):
    """A French message for the staff member."""


@dataclass(frozen=True)
class Filter:
    desk: str | None = None  # sgne, etnic, enseignement_be
    status: str = "ouverts"  # a key of STATUS_FILTERS
    page: int = 1

    def query(self, page: int | None = None) -> dict:
        params = {"statut": self.status, "page": str(page or self.page)}
        if self.desk:
            params["service"] = self.desk
        return params


def parse(args) -> Filter:
    desk = (args.get("service") or "").strip() or None
    if desk is not None and desk not in DESKS:
        raise TicketError("Service inconnu : choisissez-le dans la liste.")
    status = (args.get("statut") or "ouverts").strip()
    if status not in STATUS_FILTERS:
        raise TicketError("Statut inconnu : « ouverts », « traites » ou « tous ».")
    try:
        page = max(1, min(int(args.get("page") or 1), 100_000))
    except ValueError:
        page = 1
    return Filter(desk, status, page)


@dataclass
class Ticket:
    id: int
    created_at: dt.datetime  # local time
    desk: str
    address: str | None
    last_name: str | None
    first_name: str | None
    description: str  # masked
    status: str  # open, done
    conversation: int | None  # the transcript viewer's number, while the transcript is kept
    erased: bool = False  # its personal fields were erased at the end of BMA_TICKET_RETENTION_DAYS


def listing(url: str, chosen: Filter, timezone: str) -> tuple[list[Ticket], int, dict[str, int]]:
    """One page of tickets (latest first), how many match, and how many are open / done for the desk."""
    zone = ZoneInfo(timezone)
    where = [TicketRow.route == chosen.desk] if chosen.desk else []
    status = STATUS_FILTERS[chosen.status]
    with session(url) as db:
        counts = {s: 0 for s in TICKET_STATUSES}
        counts.update(dict(db.execute(select(TicketRow.status, func.count()).where(*where)
                                      .group_by(TicketRow.status)).all()))
        if status:
            where.append(TicketRow.status == status)
        total = db.execute(select(func.count()).select_from(TicketRow).where(*where)).scalar_one()
        rows = db.execute(select(TicketRow).where(*where).order_by(TicketRow.id.desc())
                          .limit(PER_PAGE).offset((chosen.page - 1) * PER_PAGE)).scalars().all()
    refs = transcripts.ref_of(url, [r.conversation_id for r in rows])
    return [Ticket(r.id, transcripts.local(r.created_at, zone), r.route, r.address, r.last_name, r.first_name,
                   mask_string(r.description or ""), r.status, refs.get(r.conversation_id), erased(r))
            for r in rows], total, counts


def erased(row: TicketRow) -> bool:
    """Anonymised by the purge (console.retention): nothing personal left."""
    return all(value is None for value in (row.address, row.last_name, row.first_name, row.description,
                                           row.conversation_id))


def set_status(url: str, ticket_id: str, status: str, login: str) -> str:
    """Mark a ticket « traité » (done) or « ouvert » again; returns what was done, in French."""
    if status not in TICKET_STATUSES:
        raise TicketError("Statut inconnu.")
    try:
        number = int(ticket_id)
    except (TypeError, ValueError) as error:
        raise TicketError("Numéro de ticket invalide.") from error
    with session(url) as db, db.begin():
        before = db.execute(select(TicketRow.status).where(TicketRow.id == number)).scalar_one_or_none()
        if before is None:
            raise TicketError(f"Le ticket n°{number} n'existe pas.")
        if before == status:
            return f"Le ticket n°{number} était déjà « {STATUS_FR[status]} »."
        db.execute(update(TicketRow).where(TicketRow.id == number).values(status=status))
        audit.record(db, login, "ticket", f"n°{number} : {STATUS_FR[before]} → {STATUS_FR[status]}")
    return f"Le ticket n°{number} est maintenant « {STATUS_FR[status]} »."
