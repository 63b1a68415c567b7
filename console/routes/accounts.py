"""Sign-in, sign-out and the list of staff accounts.

Sign-in under attack: tries per client address and minute (429), at most
``BMA_CONSOLE_PASSWORD_CHECKS`` Argon2 checks at once (503 beyond a short wait), the lock-out
counted before each check (console.accounts), refusals counted into the audit log in bursts
(every ``REFUSALS_FLUSH_SECONDS``)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math

from sanic import Blueprint, response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console import accounts, audit, limits, sessions
from console.db import StaffAccount, console_engine
from console.web import CSRF_FR, config_of, context, db, page, public, render, safe_next, same_origin, trace

log = logging.getLogger(__name__)
bp = Blueprint("comptes")
REFUSALS_FLUSH_SECONDS = 2  # sign-in refusals reach the journal within this
BUSY_RETRY_SECONDS = 5
BUSY_FR = ("La console reçoit trop de demandes de connexion en ce moment. Réessayez dans quelques secondes : "
           "rien n'a été vérifié.")


def setup(app) -> None:
    """In memory, one process: tries per address, Argon2 checks at once, refusals not yet in the journal."""
    config = app.ctx.config
    app.ctx.per_address = limits.Window(config.sign_in_per_minute, 60)
    app.ctx.checks = limits.Gate(config.password_checks)
    app.ctx.refusals = limits.Refusals()
    app.ctx.refused_counts = {"throttled": 0, "locked": 0, "busy": 0}


def sign_in_page(request, status=200, error=None, token=None, no_account=None):
    config = config_of(request)
    token = token or request.cookies.get(sessions.SIGN_IN_COOKIE) or sessions.new_token()
    if no_account is None:
        with Session(console_engine(config.db_url), future=True) as s:
            no_account = s.execute(select(func.count()).select_from(StaffAccount)).scalar_one() == 0
    suite = request.form.get("suite") if request.method == "POST" else request.args.get("suite")
    resp = render("signin.html", status, staff=None, path=request.path, csrf_token=token, error=error,
                  suite=safe_next(suite), no_account=no_account)
    sessions.set_cookie(resp, sessions.SIGN_IN_COOKIE, token, secure=config.secure_cookies, max_age=3600)
    return resp


@bp.get("/connexion")
@public("the sign-in form")
async def sign_in_form(request):
    if request.ctx.staff is not None:
        return response.redirect("/tableau-de-bord", status=303)
    return await db(sign_in_page, request)


def client_of(request) -> str:
    config = config_of(request)
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


@bp.post("/connexion")
@public("the sign-in itself: CSRF (double submit), tries per address, lock-out, Argon2 checks at once")
async def sign_in(request):
    config, ctx = config_of(request), request.app.ctx
    if not same_origin(request) or not sessions.same(request.form.get("csrf_token"),
                                                     request.cookies.get(sessions.SIGN_IN_COOKIE)):
        return response.text(CSRF_FR, status=403)
    client = client_of(request)
    allowed, wait = ctx.per_address.allow(client)
    if not allowed:  # before any query or hash
        ctx.refused_counts["throttled"] += 1
        ctx.refusals.add("-", "connexion limitée", client,
                         f"plus de {config.sign_in_per_minute} tentatives par minute depuis {client}")
        return refused(request, 429, f"Trop de tentatives de connexion depuis votre adresse : réessayez dans "
                                     f"{wait} seconde{'s' if wait > 1 else ''}.", wait)
    password = request.form.get("mot_de_passe", "")
    attempt = await db(accounts.reserve, config.db_url, request.form.get("identifiant", ""), client)
    if not attempt.reserved:  # locked: no check, counted into the journal's burst row
        ctx.refused_counts["locked"] += 1
        ctx.refusals.add(attempt.shown, "connexion refusée", client, accounts.refusal_detail(attempt))
        return refused(request, 429, locked_message(attempt.scope, attempt.retry_after), attempt.retry_after)
    if not await ctx.checks.enter(config.password_wait):
        await db(accounts.give_back, config.db_url, attempt)
        ctx.refused_counts["busy"] += 1
        ctx.refusals.add("-", "connexion différée", client, "trop de vérifications de mot de passe en cours")
        return refused(request, 503, BUSY_FR, BUSY_RETRY_SECONDS)
    # The gate is left when the check ends, even if this request is cancelled meanwhile.
    check = asyncio.get_running_loop().run_in_executor(None, accounts.verify, attempt, password)
    check.add_done_callback(lambda _: ctx.checks.leave())
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


def write_refusals(app) -> None:
    pending = app.ctx.refusals.take()
    if pending:
        with Session(console_engine(app.ctx.config.db_url), future=True) as s, s.begin():
            for (login, action, client, detail), times in pending.items():
                audit.repeated(s, login, action, client, detail, times=times)


async def refusals_forever(app):
    while True:
        await asyncio.sleep(REFUSALS_FLUSH_SECONDS)
        try:
            await db(write_refusals, app)
        except Exception as error:  # logged; the next ones are still counted
            log.error("sign-in refusals not written to the journal: %s: %s", type(error).__name__, error)


@bp.after_server_start
async def start_refusals(app, loop):
    app.ctx.refusals_task = loop.create_task(refusals_forever(app))


@bp.before_server_stop
async def stop_refusals(app, loop):
    app.ctx.refusals_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app.ctx.refusals_task
    await db(write_refusals, app)


@bp.post("/deconnexion")
@page("lecture")
async def sign_out(request):
    config = config_of(request)

    def close():
        sessions.close(config.db_url, request.cookies.get(sessions.COOKIE))
        trace(config.db_url, request.ctx.staff.login, "déconnexion")
    await db(close)
    resp = response.redirect("/connexion", status=303)
    sessions.clear_cookie(resp, sessions.COOKIE, secure=config.secure_cookies)
    return resp


@bp.get("/comptes")
@page("admin")
async def accounts_page(request):
    rows = await db(accounts.accounts, config_of(request).db_url)
    return render("comptes.html", **context(request, accounts=rows, roles=accounts.ROLES))
