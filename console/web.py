"""What every console page shares: the templates, the security headers, the role and CSRF checks
(``page(role)`` for HTML pages, ``data(role)`` for exports), the page context, running blocking
work off the event loop, and the fresh figures.

Each route names the role it needs; ``wrapped.role`` keeps it, so that a test can check that every
route of the app (``app.router.routes``) has one (tests/unit/test_console_routes.py)."""
from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sqlalchemy.orm import Session

from analytics import ingest
from console import accounts, audit, charts, logins, sessions
from console.db import console_engine

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
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
TEMPLATES.globals.update(fr=charts.fr, pct=pct, nav=NAV, allows=accounts.allows, unknown_prefix=logins.UNKNOWN_PREFIX)
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
MAX_ROW_ID = 2**31 - 1  # an id beyond any INTEGER column: not found, never an overflow in the database
FORBIDDEN_FR = ("Accès refusé : votre rôle « {role} » ne permet pas d'ouvrir cette page (rôle « {needed} » "
                "nécessaire). Demandez à un administrateur de la console de modifier votre rôle si vous en avez besoin.")
CSRF_FR = "Jeton de sécurité (CSRF) manquant ou invalide : rechargez la page."
SIGN_IN_FR = "Connexion requise."


def render(template: str, status: int = 200, **context) -> response.HTTPResponse:
    body = TEMPLATES.get_template(template).render(**context)
    return response.html(body, status=status)


def context(request, **extra) -> dict:
    return {"staff": request.ctx.staff, "path": request.path, **extra}


async def db(function, *args, **kwargs):
    """Blocking work (the database, a file, Argon2) in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


def config_of(request):
    """The console's settings (console.config.settings()), read once by create_app."""
    return request.app.ctx.config


async def fresh(request):
    """Fold in what the broker received since the last run (bounded), then report freshness."""
    config = config_of(request)
    await db(ingest.catch_up, config, REQUEST_BUDGET_SECONDS, 0.2)
    return await db(ingest.status, config)


def same_origin(request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


def safe_next(target: str | None) -> str:
    """Only a path of this console after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/tableau-de-bord"


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
                    return response.text(SIGN_IN_FR, status=401)
                return response.redirect(f"/connexion?suite={quote(request.path)}", status=303)
            if not accounts.allows(request.ctx.staff.role, role):
                return forbidden(request, role, html=request.method == "GET")
            if request.method == "POST" and (
                    not same_origin(request)
                    or not sessions.same(request.form.get("csrf_token"), request.ctx.staff.csrf_token)):
                return response.text(CSRF_FR, status=403)
            return await handler(request, *args, **kwargs)
        wrapped.role = role
        wrapped.csrf = True
        return wrapped
    return decorate


def data(role: str):
    """Exports for ``role`` and above: a session, or 401 (no redirect for a file); a lower role, 403."""
    assert role in accounts.ROLES, role

    def decorate(handler):
        @functools.wraps(handler)
        async def wrapped(request, *args, **kwargs):
            if request.ctx.staff is None:
                return response.text(SIGN_IN_FR, status=401)
            if not accounts.allows(request.ctx.staff.role, role):
                return forbidden(request, role, html=False)
            return await handler(request, *args, **kwargs)
        wrapped.role = role
        wrapped.csrf = False  # GET exports only
        return wrapped
    return decorate


def public(reason: str):
    """A route open without a session, on purpose (``reason`` says why and what guards it)."""
    def decorate(handler):
        handler.role = None
        handler.public = reason
        return handler
    return decorate


def trace(db_url: str, login: str, action: str, detail: str | None = None) -> None:
    """One entry in the console's audit journal (blocking: call through ``db``)."""
    with Session(console_engine(db_url), future=True) as s, s.begin():
        audit.record(s, login, action, detail)
