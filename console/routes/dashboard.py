"""The dashboard (console/dashboard.py's figures) and its CSV export."""
from __future__ import annotations

from sanic import Blueprint, response

from console import charts, dashboard
from console.web import config_of, context, data, db, fresh, page, render, trace
from feedback.votes import REASONS as FEEDBACK_REASONS

bp = Blueprint("tableau_de_bord")


@bp.get("/")
@page("lecture")
async def home(request):
    return response.redirect("/tableau-de-bord", status=303)


@bp.get("/tableau-de-bord")
@page("lecture")
async def dashboard_page(request):
    config, today = config_of(request), request.app.ctx.clock.today()
    try:
        start, end = dashboard.period(request.args.get("du"), request.args.get("au"), today)
    except dashboard.PeriodError as error:
        start, end = dashboard.period(None, None, today)
        problem = str(error)
    else:
        problem = None
    updated, waiting = await fresh(request)
    figures = await db(dashboard.figures, config.db_url, start, end)
    registry_overview = await db(dashboard.registry_overview, config.db_url, config.timezone)
    series = [(day, figures.per_day.get(day, 0)) for day in dashboard.days(start, end)]
    topics = [(dashboard.intent_label(i), n) for i, n in figures.faq_topics]
    opinions = [(dashboard.intent_label(i), up, down) for i, up, down in figures.feedback_by_topic]
    desks = [(dashboard.DESKS_FR.get(d, d), n) for d, n in sorted(figures.tickets.items(), key=lambda x: -x[1])]
    handoffs = [(dashboard.DESKS_FR.get(d, d), n) for d, n in figures.handoff_desks]
    phases = [(dashboard.PHASES_FR.get(p, p), n) for p, n in figures.lookup_phases]
    return render("dashboard.html", **context(
        request, f=figures, start=start, end=end, problem=problem, updated=updated, waiting=waiting,
        series=series, topics=topics, opinions=opinions, desks=desks, reasons=FEEDBACK_REASONS,
        handoffs=handoffs, phases=phases, registry=registry_overview,
        chart_days=charts.columns("jours", "Messages par jour", series),
        chart_topics=charts.bars("sujets", "Questions par sujet de la FAQ", topics),
        chart_opinions=charts.paired_bars("avis", "Avis sur les réponses, par sujet", opinions),
        chart_desks=charts.bars("services", "Messages préparés, par service", desks),
        chart_handoffs=charts.bars("transferts", "Transferts vers une personne, par service", handoffs),
        chart_phases=charts.bars("phases", "Adresses BMA consultées, par phase de la migration", phases),
    ))


@bp.get("/tableau-de-bord.csv")
@data("lecture")
async def dashboard_csv(request):
    config = config_of(request)
    try:
        start, end = dashboard.period(request.args.get("du"), request.args.get("au"), request.app.ctx.clock.today())
    except dashboard.PeriodError as error:
        return response.text(str(error), status=400)
    await fresh(request)
    figures = await db(dashboard.figures, config.db_url, start, end)
    await db(trace, config.db_url, request.ctx.staff.login, "export", f"tableau de bord CSV du {start} au {end}")
    return response.text(dashboard.as_csv(figures), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="tableau-de-bord-{start}-{end}.csv"'})
