"""Conversations: search and read a transcript (console/transcripts.py); each reading is traced."""
from __future__ import annotations

import math

from sanic import Blueprint

from analytics.retention import DEFAULT_DAYS as DEFAULT_RETENTION_DAYS
from analytics.retention import RetentionError, retention_days
from console import dashboard, transcripts
from console.web import MAX_ROW_ID, config_of, context, db, fresh, page, render, trace

bp = Blueprint("conversations")


@bp.get("/conversations")
@page("lecture")
async def conversations_page(request):
    config, today = config_of(request), request.app.ctx.clock.today()
    error, status = None, 200
    try:
        query = transcripts.parse(request.args, today)
    except transcripts.SearchError as problem:
        error, status = str(problem), 400
        query = transcripts.parse({}, today)
    await fresh(request)
    rows, total = await db(transcripts.search, config.db_url, query, config.timezone)
    try:
        kept = retention_days()
    except RetentionError:
        kept = DEFAULT_RETENTION_DAYS
    return render("conversations.html", status, **context(
        request, rows=rows, total=total, q=query, pages=max(1, math.ceil(total / transcripts.PER_PAGE)),
        topics=transcripts.TOPICS, error=error, retention=kept,
        address_typed=query.address or (request.args.get("adresse") if error else None)))


@bp.get("/conversations/<ref:int>")
@page("lecture")
async def conversation_page(request, ref: int):
    config = config_of(request)
    if not 0 < ref <= MAX_ROW_ID:
        return render("not_found.html", 404, **context(request))
    found = await db(transcripts.transcript, config.db_url, ref, config.timezone)
    if found is None:
        return render("not_found.html", 404, **context(request))
    await db(trace, config.db_url, request.ctx.staff.login, "transcription lue", f"conversation n°{ref}")
    return render("conversation.html", **context(request, t=found, intent_label=dashboard.intent_label))
