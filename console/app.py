"""The staff console (Sanic), on its own port: loopback by default, so it can stay internal
while the public page is exposed.

    .venv/bin/python -m console.app [--host 127.0.0.1] [--port 8081]

The app only: its settings and state on ``app.ctx``, the checks every request goes through, the
static files, the background aggregation, and one Blueprint per page group (console/routes/).

Every page but the sign-in page needs a session; a page without one redirects to the sign-in
page, a data export answers 401. Each route names the role it needs (``page("support")``,
console.accounts.ROLES, console/web.py); a role below it gets 403. Every POST needs the session's CSRF token (403
otherwise) and, when the browser sends an Origin, the console's own. No CORS header is ever sent:
the public page (another origin) cannot read anything from here. No script on any page (CSP
default-src 'none').

Sign-in under attack: console/routes/accounts.py.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from httptools import parse_url
from httptools.parser.errors import HttpParserInvalidURLError
from sanic import Request, Sanic, response
from sanic.exceptions import NotFound

import storage
from analytics import ingest
from analytics.events import Clock
from console import retention, routes, sessions
from console.config import settings
from console.web import HEADERS, STATIC, db, public, render

log = logging.getLogger(__name__)


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


@public("the stylesheet and images of console/static, by file name only")
async def static(request, name: str):
    found = request.app.ctx.static_files.get(name)
    if found is None:
        raise NotFound("not found")
    return await response.file(found, headers={"Cache-Control": "public, max-age=3600"})


async def unreadable(request):
    """An unreadable URL or a form that is not UTF-8: 400, before anything reads them."""
    if getattr(request.ctx, "unreadable", False):
        return response.text("Requête illisible.", status=400)
    if request.method == "POST" and request.content_type.startswith("application/x-www-form-urlencoded"):
        try:
            (request.body or b"").decode("utf-8")
        except UnicodeDecodeError:
            return response.text("Formulaire illisible : rechargez la page et recommencez.", status=400)


async def who(request):
    """The staff member of the session cookie (role read at every request), or None."""
    config = request.app.ctx.config
    token = request.cookies.get(sessions.COOKIE)
    request.ctx.staff = await db(sessions.current, config.db_url, token, config.idle_minutes) if token else None


async def headers(request, resp):
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        resp.headers["Cache-Control"] = "no-store"


async def not_found(request, exception):
    return render("not_found.html", 404, staff=getattr(request.ctx, "staff", None), path=request.path)


# --- aggregation in the background ------------------------------------------------------------
async def aggregate_forever(config):
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


async def start_aggregation(app, loop):
    app.ctx.aggregator = loop.create_task(aggregate_forever(app.ctx.config))


async def stop_aggregation(app, loop):
    app.ctx.aggregator.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app.ctx.aggregator


def create_app() -> Sanic:
    config = settings()
    app = Sanic("bma_console", request_class=ConsoleRequest)
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.KEEP_ALIVE_TIMEOUT = 5
    app.ctx.config = config
    app.ctx.clock = Clock(config.timezone)
    # Only the files of console/static, by name (no directory, no path to resolve).
    app.ctx.static_files = {path.name: path for path in STATIC.iterdir() if path.is_file()}
    app.add_route(static, "/static/<name:path>", methods=["GET"])
    app.register_middleware(unreadable, "request")
    app.register_middleware(who, "request")
    app.register_middleware(headers, "response")
    app.exception(NotFound)(not_found)
    routes.register(app)
    app.register_listener(start_aggregation, "after_server_start")
    app.register_listener(stop_aggregation, "before_server_stop")
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
