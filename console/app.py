"""The staff console (Sanic), on its own port: loopback by default, so it can stay internal
while the public page is exposed.

    .venv/bin/python -m console.app [--host 127.0.0.1] [--port 8081]

Every page but the sign-in page needs a session; a page without one redirects to the sign-in
page, a data export answers 401. Each route names the role it needs (``page("support")``,
console.accounts.ROLES); a role below it gets 403. Every POST needs the session's CSRF token (403
otherwise) and, when the browser sends an Origin, the console's own. No CORS header is ever sent:
the public page (another origin) cannot read anything from here. No script on any page (CSP
default-src 'none').

Sign-in under attack: tries per client address and minute (429), at most
``BMA_CONSOLE_PASSWORD_CHECKS`` Argon2 checks at once (503 beyond a short wait), the lock-out
counted before each check (console.accounts), refusals counted into the audit log in bursts.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import math
from pathlib import Path
from urllib.parse import quote, urlsplit

from httptools import parse_url
from httptools.parser.errors import HttpParserInvalidURLError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client.core import CounterMetricFamily
from sanic import Request, Sanic, response
from sanic.exceptions import NotFound
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import storage
from analytics import ingest
from analytics.events import Clock
from analytics.retention import DEFAULT_DAYS as DEFAULT_RETENTION_DAYS
from analytics.retention import RetentionError, retention_days
from console import (
    accounts,
    audit,
    charts,
    dashboard,
    inbox,
    limits,
    metrics,
    retention,
    sessions,
    tickets,
    transcripts,
)
from console.config import settings
from console.db import StaffAccount, console_engine
from console.training_data import LabelConflict
from feedback.votes import REASONS as FEEDBACK_REASONS

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEMPLATES = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)


def pct(rate: float | None) -> str:
    """12,5 % (French decimal comma); — when there is nothing to divide."""
    return "—" if rate is None else f"{rate * 100:.1f}".replace(".", ",") + "\u00a0%"


# The menu, and the role each page needs (the routes say it again with page(...)/data(...)).
NAV = (("/tableau-de-bord", "Tableau de bord", "lecture"), ("/boite-de-reception", "Boîte de réception", "support"),
       ("/conversations", "Conversations", "lecture"), ("/tickets", "Tickets", "support"),
       ("/faq-a-ajouter", "Questions pour la FAQ", "support"), ("/modeles", "Modèles", "admin"),
       ("/journal", "Journal", "admin"), ("/comptes", "Comptes", "admin"))
ROLE_FR = {"lecture": "lecture", "support": "support", "admin": "admin"}
TEMPLATES.globals.update(fr=charts.fr, pct=pct, nav=NAV, allows=accounts.allows, unknown_prefix=audit.UNKNOWN_PREFIX)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer, Chromium sends « Origin: null » on form POSTs.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
REQUEST_BUDGET_SECONDS = 0.3  # fresh figures on each page, without making it slow
REFUSALS_FLUSH_SECONDS = 2  # sign-in refusals reach the journal within this
STATIC = HERE / "static"
MAX_ROW_ID = 2**31 - 1  # an id beyond any INTEGER column: not found, never an overflow in the database
BUSY_RETRY_SECONDS = 5
BUSY_FR = ("La console reçoit trop de demandes de connexion en ce moment. Réessayez dans quelques secondes : "
           "rien n'a été vérifié.")
FORBIDDEN_FR = ("Accès refusé : votre rôle « {role} » ne permet pas d'ouvrir cette page (rôle « {needed} » "
                "nécessaire). Demandez à un administrateur de la console de modifier votre rôle si vous en avez besoin.")


def render(template: str, status: int = 200, **context) -> response.HTTPResponse:
    body = TEMPLATES.get_template(template).render(**context)
    return response.html(body, status=status)


def safe_next(target: str | None) -> str:
    """Only a path of this console after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/tableau-de-bord"


class ConsoleRequest(Request):
    """A request line whose URL httptools refuses (a raw NUL byte…) becomes a request for « / »
    marked unreadable, which gets a 400; Sanic 21.12 would close the connection with no answer."""

    __slots__ = ()

    def __init__(self, url_bytes: bytes, *args, **kwargs):
        try:
            parse_url(url_bytes)
        except HttpParserInvalidURLError:
            super().__init__(b"/", *args, **kwargs)
            self.ctx.unreadable = True
        else:
            super().__init__(url_bytes, *args, **kwargs)


def create_app() -> Sanic:
    config = settings()
    app = Sanic("bma_console", request_class=ConsoleRequest)
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.KEEP_ALIVE_TIMEOUT = 5
    clock = Clock(config.timezone)
    # Only the files of console/static, by name (no directory, no path to resolve).
    static_files = {path.name: path for path in STATIC.iterdir() if path.is_file()}

    @app.get("/static/<name:path>")
    async def static(request, name: str):
        found = static_files.get(name)
        if found is None:
            raise NotFound("not found")
        return await response.file(found, headers={"Cache-Control": "public, max-age=3600"})

    async def db(function, *args, **kwargs):
        return await asyncio.to_thread(function, *args, **kwargs)

    @app.on_request
    async def unreadable(request):
        """An unreadable URL or a form that is not UTF-8: 400, before anything reads them."""
        if getattr(request.ctx, "unreadable", False):
            return response.text("Requête illisible.", status=400)
        if request.method == "POST" and request.content_type.startswith("application/x-www-form-urlencoded"):
            try:
                (request.body or b"").decode("utf-8")
            except UnicodeDecodeError:
                return response.text("Formulaire illisible : rechargez la page et recommencez.", status=400)

    @app.on_request
    async def who(request):
        token = request.cookies.get(sessions.COOKIE)
        request.ctx.staff = await db(sessions.current, config.db_url, token, config.idle_minutes) if token else None

    @app.on_response
    async def headers(request, resp):
        for name, value in HEADERS.items():
            resp.headers.setdefault(name, value)
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"

    def same_origin(request) -> bool:
        origin = request.headers.get("origin")
        return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")

    def forbidden(request, needed: str, html: bool):
        message = FORBIDDEN_FR.format(role=request.ctx.staff.role, needed=needed)
        if html:
            return render("forbidden.html", 403, **context(request, message=message))
        return response.text(message, status=403)

    def page(role: str):
        """HTML pages for ``role`` and above: a session, or the sign-in page; a lower role, 403;
        POSTs also need the CSRF token."""
        assert role in accounts.ROLES, role

        def decorate(handler):
            @functools.wraps(handler)
            async def wrapped(request, *args, **kwargs):
                if request.ctx.staff is None:
                    if request.method == "POST":
                        return response.text("Connexion requise.", status=401)
                    return response.redirect(f"/connexion?suite={quote(request.path)}", status=303)
                if not accounts.allows(request.ctx.staff.role, role):
                    return forbidden(request, role, html=request.method == "GET")
                if request.method == "POST" and (
                        not same_origin(request)
                        or not sessions.same(request.form.get("csrf_token"), request.ctx.staff.csrf_token)):
                    return response.text("Jeton de sécurité (CSRF) manquant ou invalide : rechargez la page.",
                                         status=403)
                return await handler(request, *args, **kwargs)
            wrapped.role = role
            return wrapped
        return decorate

    def data(role: str):
        """Exports for ``role`` and above: a session, or 401 (no redirect for a file); a lower role, 403."""
        assert role in accounts.ROLES, role

        def decorate(handler):
            @functools.wraps(handler)
            async def wrapped(request, *args, **kwargs):
                if request.ctx.staff is None:
                    return response.text("Connexion requise.", status=401)
                if not accounts.allows(request.ctx.staff.role, role):
                    return forbidden(request, role, html=False)
                return await handler(request, *args, **kwargs)
            wrapped.role = role
            return wrapped
        return decorate

    def context(request, **extra) -> dict:
        return {"staff": request.ctx.staff, "path": request.path, **extra}

    # --- sign-in and sign-out -------------------------------------------------------------
    def sign_in_page(request, status=200, error=None, token=None, no_account=None):
        token = token or request.cookies.get(sessions.SIGN_IN_COOKIE) or sessions.new_token()
        if no_account is None:
            with Session(console_engine(config.db_url), future=True) as s:
                no_account = s.execute(select(func.count()).select_from(StaffAccount)).scalar_one() == 0
        suite = request.form.get("suite") if request.method == "POST" else request.args.get("suite")
        resp = render("signin.html", status, staff=None, path=request.path, csrf_token=token, error=error,
                      suite=safe_next(suite), no_account=no_account)
        sessions.set_cookie(resp, sessions.SIGN_IN_COOKIE, token, secure=config.secure_cookies, max_age=3600)
        return resp

    @app.get("/connexion")
    async def sign_in_form(request):
        if request.ctx.staff is not None:
            return response.redirect("/tableau-de-bord", status=303)
        return await db(sign_in_page, request)

    # In memory, one process: tries per address, Argon2 checks at once, refusals not yet in the journal.
    per_address = limits.Window(config.sign_in_per_minute, 60)
    checks = limits.Gate(config.password_checks)
    refusals = limits.Refusals()
    refused_counts = {"throttled": 0, "locked": 0, "busy": 0}

    def client_of(request) -> str:
        return limits.client_address(request.ip, request.headers.get("x-forwarded-for"), config.trusted_proxies)

    def refused(request, status: int, message: str, retry_after: int):
        """A refusal without a database query: the form again, the message, Retry-After."""
        resp = sign_in_page(request, status, message, no_account=False)
        resp.headers["Retry-After"] = str(retry_after)
        return resp

    def locked_message(scope: str, retry_after: int) -> str:
        minutes = max(1, math.ceil(retry_after / 60))
        wait = f"Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}."
        if scope == "identifiant":
            return (f"Trop de tentatives pour cet identifiant depuis plusieurs adresses : connexion bloquée pendant "
                    f"{accounts.LOCK_MINUTES} minutes, sauf depuis une adresse d'où ce compte s'est déjà connecté. {wait}")
        return (f"Trop de tentatives : connexion bloquée pendant {accounts.LOCK_MINUTES} minutes pour cet "
                f"identifiant depuis votre adresse. {wait}")

    @app.post("/connexion")
    async def sign_in(request):
        if not same_origin(request) or not sessions.same(request.form.get("csrf_token"),
                                                         request.cookies.get(sessions.SIGN_IN_COOKIE)):
            return response.text("Jeton de sécurité (CSRF) manquant ou invalide : rechargez la page.", status=403)
        client = client_of(request)
        allowed, wait = per_address.allow(client)
        if not allowed:  # before any query or hash
            refused_counts["throttled"] += 1
            refusals.add("-", "connexion limitée", client,
                         f"plus de {config.sign_in_per_minute} tentatives par minute depuis {client}")
            return refused(request, 429, f"Trop de tentatives de connexion depuis votre adresse : réessayez dans "
                                         f"{wait} seconde{'s' if wait > 1 else ''}.", wait)
        password = request.form.get("mot_de_passe", "")
        attempt = await db(accounts.reserve, config.db_url, request.form.get("identifiant", ""), client)
        if not attempt.reserved:  # locked: no check, counted into the journal's burst row
            refused_counts["locked"] += 1
            refusals.add(attempt.shown, "connexion refusée", client, accounts.refusal_detail(attempt))
            return refused(request, 429, locked_message(attempt.scope, attempt.retry_after), attempt.retry_after)
        if not await checks.enter(config.password_wait):
            await db(accounts.give_back, config.db_url, attempt)
            refused_counts["busy"] += 1
            refusals.add("-", "connexion différée", client, "trop de vérifications de mot de passe en cours")
            return refused(request, 503, BUSY_FR, BUSY_RETRY_SECONDS)
        # The gate is left when the check ends, even if this request is cancelled meanwhile.
        check = asyncio.get_running_loop().run_in_executor(None, accounts.verify, attempt, password)
        check.add_done_callback(lambda _: checks.leave())
        ok = await asyncio.shield(check)
        result = await db(accounts.conclude, config.db_url, attempt, ok, password)
        if result.outcome is accounts.Outcome.LOCKED:
            return refused(request, 429, locked_message("adresse", result.retry_after), result.retry_after)
        if result.outcome is not accounts.Outcome.OK:
            return await db(sign_in_page, request, 401, "Identifiant ou mot de passe incorrect.")
        token = await db(sessions.open_session, config.db_url, result.staff_id, config.session_hours)
        resp = response.redirect(safe_next(request.form.get("suite")), status=303)
        sessions.set_cookie(resp, sessions.COOKIE, token, secure=config.secure_cookies,
                            max_age=int(config.session_hours * 3600))
        sessions.clear_cookie(resp, sessions.SIGN_IN_COOKIE, secure=config.secure_cookies)
        return resp

    def write_refusals() -> None:
        pending = refusals.take()
        if pending:
            with Session(console_engine(config.db_url), future=True) as s, s.begin():
                for (login, action, client, detail), times in pending.items():
                    audit.repeated(s, login, action, client, detail, times=times)

    async def refusals_forever():
        while True:
            await asyncio.sleep(REFUSALS_FLUSH_SECONDS)
            try:
                await db(write_refusals)
            except Exception as error:  # logged; the next ones are still counted
                log.error("sign-in refusals not written to the journal: %s: %s", type(error).__name__, error)

    @app.after_server_start
    async def start_refusals(app, loop):
        app.ctx.refusals = loop.create_task(refusals_forever())

    @app.before_server_stop
    async def stop_refusals(app, loop):
        app.ctx.refusals.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app.ctx.refusals
        await db(write_refusals)

    @app.post("/deconnexion")
    @page("lecture")
    async def sign_out(request):
        def close():
            sessions.close(config.db_url, request.cookies.get(sessions.COOKIE))
            with Session(console_engine(config.db_url), future=True) as s, s.begin():
                audit.record(s, request.ctx.staff.login, "déconnexion")
        await db(close)
        resp = response.redirect("/connexion", status=303)
        sessions.clear_cookie(resp, sessions.COOKIE, secure=config.secure_cookies)
        return resp

    # --- dashboard ------------------------------------------------------------------------
    async def fresh():
        """Fold in what the broker received since the last run (bounded), then report freshness."""
        await db(ingest.catch_up, config, REQUEST_BUDGET_SECONDS, 0.2)
        return await db(ingest.status, config)

    @app.get("/")
    @page("lecture")
    async def home(request):
        return response.redirect("/tableau-de-bord", status=303)

    @app.get("/tableau-de-bord")
    @page("lecture")
    async def dashboard_page(request):
        try:
            start, end = dashboard.period(request.args.get("du"), request.args.get("au"), clock.today())
        except dashboard.PeriodError as error:
            start, end = dashboard.period(None, None, clock.today())
            problem = str(error)
        else:
            problem = None
        updated, waiting = await fresh()
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

    @app.get("/tableau-de-bord.csv")
    @data("lecture")
    async def dashboard_csv(request):
        try:
            start, end = dashboard.period(request.args.get("du"), request.args.get("au"), clock.today())
        except dashboard.PeriodError as error:
            return response.text(str(error), status=400)
        await fresh()
        figures = await db(dashboard.figures, config.db_url, start, end)

        def trace():
            with Session(console_engine(config.db_url), future=True) as s, s.begin():
                audit.record(s, request.ctx.staff.login, "export", f"tableau de bord CSV du {start} au {end}")
        await db(trace)
        return response.text(dashboard.as_csv(figures), content_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="tableau-de-bord-{start}-{end}.csv"'})

    # --- inbox ----------------------------------------------------------------------------
    async def inbox_page(request, message=None, error=None, status=200):
        view = "done" if request.args.get("vue") == "traites" else "new"
        await fresh()
        groups, total_groups, total_messages = await db(inbox.groups, config.db_url, view)
        return render("inbox.html", status, **context(
            request, groups=groups, total_groups=total_groups, total_messages=total_messages, view=view,
            message=message, error=error, reasons=inbox.REASONS, choices=inbox.LABEL_CHOICES,
            intent_label=dashboard.intent_label, low_confidence=config.low_confidence))

    @app.get("/boite-de-reception")
    @page("support")
    async def inbox_get(request):
        return await inbox_page(request)

    @app.post("/boite-de-reception")
    @page("support")
    async def inbox_post(request):
        form = request.form
        try:
            message = await db(inbox.decide, config.db_url, config.nlu_dir, form.get("groupe", ""),
                               form.get("action", ""), form.get("intention") or None, request.ctx.staff.login)
        except (inbox.InboxError, LabelConflict) as problem:
            return await inbox_page(request, error=str(problem), status=409)
        return await inbox_page(request, message=message)

    @app.get("/faq-a-ajouter")
    @page("support")
    async def faq_page(request):
        groups = await db(inbox.faq_groups, config.db_url)
        return render("faq.html", **context(request, groups=groups, intent_label=dashboard.intent_label))

    @app.get("/faq-a-ajouter.csv")
    @data("support")
    async def faq_csv(request):
        def export():
            body = inbox.faq_candidates_csv(config.db_url)
            with Session(console_engine(config.db_url), future=True) as s, s.begin():
                audit.record(s, request.ctx.staff.login, "export", "questions à ajouter à la FAQ (CSV)")
            return body
        return response.text(await db(export), content_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="questions-a-ajouter-a-la-faq.csv"'})

    @app.get("/journal")
    @page("admin")
    async def journal(request):
        entries = await db(audit.recent, config.db_url)
        return render("journal.html", **context(request, entries=entries))

    # --- tickets (console/tickets.py) ---------------------------------------------------------
    async def tickets_page(request, chosen, message=None, error=None, status=200):
        rows, total, counts = await db(tickets.listing, config.db_url, chosen, config.timezone)
        return render("tickets.html", status, **context(
            request, tickets=rows, total=total, counts=counts, f=chosen, pages=max(1, math.ceil(total / tickets.PER_PAGE)),
            message=message, error=error, desks=tickets.DESKS, status_fr=tickets.STATUS_FR))

    @app.get("/tickets")
    @page("support")
    async def tickets_get(request):
        try:
            chosen = tickets.parse(request.args)
        except tickets.TicketError as problem:
            return await tickets_page(request, tickets.Filter(), error=str(problem), status=400)
        return await tickets_page(request, chosen)

    @app.post("/tickets")
    @page("support")
    async def tickets_post(request):
        form = request.form
        try:
            chosen = tickets.parse({"service": form.get("service"), "statut": form.get("filtre"), "page": form.get("page")})
        except tickets.TicketError:
            chosen = tickets.Filter()
        try:
            message = await db(tickets.set_status, config.db_url, form.get("ticket"), form.get("statut"),
                               request.ctx.staff.login)
        except tickets.TicketError as problem:
            return await tickets_page(request, chosen, error=str(problem), status=409)
        return await tickets_page(request, chosen, message=message)

    # --- conversations (console/transcripts.py) -----------------------------------------------
    @app.get("/conversations")
    @page("lecture")
    async def conversations_page(request):
        error, status = None, 200
        try:
            query = transcripts.parse(request.args, clock.today())
        except transcripts.SearchError as problem:
            error, status = str(problem), 400
            query = transcripts.parse({}, clock.today())
        await fresh()
        rows, total = await db(transcripts.search, config.db_url, query, config.timezone)
        try:
            kept = retention_days()
        except RetentionError:
            kept = DEFAULT_RETENTION_DAYS
        return render("conversations.html", status, **context(
            request, rows=rows, total=total, q=query, pages=max(1, math.ceil(total / transcripts.PER_PAGE)),
            topics=transcripts.TOPICS, error=error, retention=kept,
            address_typed=query.address or (request.args.get("adresse") if error else None)))

    @app.get("/conversations/<ref:int>")
    @page("lecture")
    async def conversation_page(request, ref: int):
        if not 0 < ref <= MAX_ROW_ID:
            return render("not_found.html", 404, **context(request))
        found = await db(transcripts.transcript, config.db_url, ref, config.timezone)
        if found is None:
            return render("not_found.html", 404, **context(request))

        def trace():
            with Session(console_engine(config.db_url), future=True) as s, s.begin():
                audit.record(s, request.ctx.staff.login, "transcription lue", f"conversation n°{ref}")
        await db(trace)
        return render("conversation.html", **context(request, t=found, intent_label=dashboard.intent_label))

    # --- Prometheus metrics (console/metrics.py): the session, or the metrics token -----------
    metrics_registry = metrics.registry_for(config)

    class SignInCollector:
        """This process's Argon2 checks and refused sign-ins (the flood tests read them here)."""

        def collect(self):
            yield CounterMetricFamily("bma_console_password_checks", "Vérifications de mot de passe (Argon2) "
                                      "faites par la console depuis son démarrage.", value=accounts.PASSWORD_CHECKS.value)
            family = CounterMetricFamily("bma_console_sign_in_refusals", "Connexions refusées sans vérification : "
                                         "limite par adresse (throttled), identifiant bloqué (locked), console "
                                         "occupée (busy).", labels=["reason"])
            for reason, count in refused_counts.items():
                family.add_metric([reason], count)
            yield family

    metrics_registry.register(SignInCollector())

    @app.get("/metrics")
    async def metrics_page(request):
        given = request.headers.get("authorization", "")
        bearer = given[len("Bearer "):].strip() if given.startswith("Bearer ") else None
        if request.ctx.staff is None and not (config.metrics_token and sessions.same(bearer, config.metrics_token)):
            return response.text("Connexion requise : connectez-vous à la console, ou donnez le jeton des métriques "
                                 "(Authorization: Bearer …).", status=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="console BMA"'})
        await fresh()
        body = await db(metrics.exposition, metrics_registry)
        return response.raw(body, content_type=metrics.CONTENT_TYPE)

    # « Modèles »: retraining that cannot make things worse (console/retraining.py).
    from console import retraining
    retraining.register(app, config, page=page("admin"), render=render, context=context)

    @app.get("/comptes")
    @page("admin")
    async def accounts_page(request):
        rows = await db(accounts.accounts, config.db_url)
        return render("comptes.html", **context(request, accounts=rows, roles=accounts.ROLES))

    @app.exception(NotFound)
    async def not_found(request, exception):
        return render("not_found.html", 404, staff=getattr(request.ctx, "staff", None), path=request.path)

    # --- aggregation in the background ------------------------------------------------------
    async def aggregate_forever():
        while True:
            try:
                await db(ingest.catch_up, config, None, 0)
            except Exception as error:  # logged, retried at the next tick; the pages still answer
                log.error("aggregation failed: %s: %s", type(error).__name__, error)
            try:  # once a day: transcripts older than BMA_RETENTION_DAYS (console/retention.py)
                await db(retention.run_if_due, config)
            except Exception as error:
                log.error("retention failed: %s: %s", type(error).__name__, error)
            await asyncio.sleep(config.ingest_seconds)

    @app.after_server_start
    async def start_aggregation(app, loop):
        app.ctx.aggregator = loop.create_task(aggregate_forever())

    @app.before_server_stop
    async def stop_aggregation(app, loop):
        app.ctx.aggregator.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app.ctx.aggregator

    return app


def main() -> None:
    storage.startup()  # the settings checked (French message), the schema at the latest revision
    config = settings()
    parser = argparse.ArgumentParser(description="Console du personnel de l'assistant BMA")
    parser.add_argument("--host", default=config.host)
    parser.add_argument("--port", type=int, default=config.port)
    args = parser.parse_args()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger("console").addHandler(handler)
    logging.getLogger("console").setLevel(logging.INFO)
    create_app().run(host=args.host, port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
