"""The audit journal (console/audit.py), for admins."""
from __future__ import annotations

from sanic import Blueprint

from console import audit
from console.web import config_of, context, db, page, render

bp = Blueprint("journal")


@bp.get("/journal")
@page("admin")
async def journal(request):
    entries = await db(audit.recent, config_of(request).db_url)
    return render("journal.html", **context(request, entries=entries))
