"""The tickets prepared for the desks (console/tickets.py): list, filter, change a status."""
from __future__ import annotations

import math

from sanic import Blueprint

from console import tickets
from console.web import config_of, context, db, page, render

bp = Blueprint("tickets")


async def tickets_page(request, chosen, message=None, error=None, status=200):
    config = config_of(request)
    rows, total, counts = await db(tickets.listing, config.db_url, chosen, config.timezone)
    return render("tickets.html", status, **context(
        request, tickets=rows, total=total, counts=counts, f=chosen, pages=max(1, math.ceil(total / tickets.PER_PAGE)),
        message=message, error=error, desks=tickets.DESKS, status_fr=tickets.STATUS_FR))


@bp.get("/tickets")
@page("support")
async def tickets_get(request):
    try:
        chosen = tickets.parse(request.args)
    except tickets.TicketError as problem:
        return await tickets_page(request, tickets.Filter(), error=str(problem), status=400)
    return await tickets_page(request, chosen)


@bp.post("/tickets")
@page("support")
async def tickets_post(request):
    form = request.form
    try:
        chosen = tickets.parse({"service": form.get("service"), "statut": form.get("filtre"), "page": form.get("page")})
    except tickets.TicketError:
        chosen = tickets.Filter()
    try:
        message = await db(tickets.set_status, config_of(request).db_url, form.get("ticket"), form.get("statut"),
                           request.ctx.staff.login)
    except tickets.TicketError as problem:
        return await tickets_page(request, chosen, error=str(problem), status=409)
    return await tickets_page(request, chosen, message=message)
