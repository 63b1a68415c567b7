"""The inbox of misunderstood questions (console/inbox.py: labelled ones become training examples,
console/training_data.py) and the questions to add to the FAQ, with their CSV export."""
from __future__ import annotations

from sanic import Blueprint, response
from sqlalchemy.orm import Session

from console import audit, dashboard, inbox
from console.db import console_engine
from console.training_data import LabelConflict
from console.web import config_of, context, data, db, fresh, page, render

bp = Blueprint("boite_de_reception")


async def inbox_page(request, message=None, error=None, status=200):
    config = config_of(request)
    view = "done" if request.args.get("vue") == "traites" else "new"
    await fresh(request)
    groups, total_groups, total_messages = await db(inbox.groups, config.db_url, view)
    return render("inbox.html", status, **context(
        request, groups=groups, total_groups=total_groups, total_messages=total_messages, view=view,
        message=message, error=error, reasons=inbox.REASONS, choices=inbox.LABEL_CHOICES,
        intent_label=dashboard.intent_label, low_confidence=config.low_confidence))


@bp.get("/boite-de-reception")
@page("support")
async def inbox_get(request):
    return await inbox_page(request)


@bp.post("/boite-de-reception")
@page("support")
async def inbox_post(request):
    config, form = config_of(request), request.form
    try:
        message = await db(inbox.decide, config.db_url, config.nlu_dir, form.get("groupe", ""),
                           form.get("action", ""), form.get("intention") or None, request.ctx.staff.login)
    except (inbox.InboxError, LabelConflict) as problem:
        return await inbox_page(request, error=str(problem), status=409)
    return await inbox_page(request, message=message)


@bp.get("/faq-a-ajouter")
@page("support")
async def faq_page(request):
    groups = await db(inbox.faq_groups, config_of(request).db_url)
    return render("faq.html", **context(request, groups=groups, intent_label=dashboard.intent_label))


@bp.get("/faq-a-ajouter.csv")
@data("support")
async def faq_csv(request):
    config = config_of(request)

    def export():  # the export and its trace in one go
        body = inbox.faq_candidates_csv(config.db_url)
        with Session(console_engine(config.db_url), future=True) as s, s.begin():
            audit.record(s, request.ctx.staff.login, "export", "questions à ajouter à la FAQ (CSV)")
        return body
    return response.text(await db(export), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="questions-a-ajouter-a-la-faq.csv"'})
