"""The enseignement.be-style help page with the chat widget (Sanic, port 8080).

    .venv/bin/python -m web.app [--port 8080]

BMA_SOCKET_URL tells the page where Rasa's socket.io channel is (default http://localhost:5005).
POST /feedback records the widget's 👍/👎 (feedback/: the rated bubble is named by the
conversation id, a digest of its text and its occurrence; no user text, nothing about the person)
in the BMA_DB_URL database, where the staff's analytics link it to the answer. It accepts at most
BMA_FEEDBACK_PER_MINUTE votes (default 30) per client address and minute (429 beyond, in French);
behind a reverse proxy, tell Sanic which header holds the client's address (SANIC_PROXIES_COUNT or
SANIC_REAL_IP_HEADER), or every user shares the proxy's quota.
"""
from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Sanic, response

import settings
import storage
from bma import facts
from bma.ratelimit import SlidingWindow
from feedback.store import record as record_vote
from feedback.votes import FeedbackError
from feedback.votes import parse as parse_vote

STATIC = Path(__file__).resolve().parent / "static"
# The page's facts come from the catalogue (bma/facts.py), like everything the assistant says.
PAGE_FACTS = {
    "CAMPAIGN_START": facts.CAMPAIGN_START.strftime("%d/%m/%Y"),
    "CAMPAIGN_END": facts.CAMPAIGN_END.strftime("%d/%m/%Y"),
    "FAQ_EDITION": facts.FAQ_EDITION,
    "FAQ_TITLE": facts.FAQ_TITLE,
    "ADDRESS_EC": facts.ADDRESS_PATTERNS["ec"],
    "ADDRESS_PO": facts.ADDRESS_PATTERNS["po"],
}


DEMO_BANNER = (
    '<p class="demo-banner" role="note"><strong>Démonstration :</strong> ce service utilise des données de '
    "démonstration. L'état des boîtes indiqué par l'assistant est fictif ; ce n'est pas celui de votre boîte.</p>"
)


def faq_questions_html() -> str:
    """The FAQ's questions, each with its anchor (#faq-N), which the answers' sources link to."""
    return "\n".join(
        f'      <li id="faq-{number}">{html.escape(question)}</li>' for number, question in facts.FAQ_SECTIONS.items()
    )


def render_index(demo: bool = False) -> str:
    """index.html with its {{FACT}} placeholders filled (escaped); an unknown placeholder is an error.
    With demonstration data in the registry, the page says so above the assistant."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    markup = {"FAQ_QUESTIONS": faq_questions_html(), "DEMO_BANNER": DEMO_BANNER if demo else ""}
    return re.sub(r"\{\{(\w+)\}\}",
                  lambda m: markup[m.group(1)] if m.group(1) in markup else html.escape(PAGE_FACTS[m.group(1)]), page)


def registry_holds_demo_data() -> bool:
    """Does the registry (BMA_DB_URL) hold demonstration data? False when it cannot be read."""
    from bma import registry

    try:
        return registry.holds_demo_data()
    except Exception as error:
        logging.getLogger("web.app").error("registry provenance not read (%s)", type(error).__name__)
        return False


RateLimit = SlidingWindow  # bma/ratelimit.py


def feedback_limit() -> int:
    try:
        return max(1, settings.get("BMA_FEEDBACK_PER_MINUTE"))
    except settings.SettingError:
        return 30


TOO_MANY_FR = "Trop d'avis envoyés depuis votre connexion en une minute. Réessayez dans un instant."


def create_app() -> Sanic:
    app = Sanic("bma_web")
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.ctx.log = logging.getLogger("web.app")
    pages = {demo: render_index(demo) for demo in (False, True)}
    app.static("/static", str(STATIC))
    votes = RateLimit(feedback_limit())

    @app.get("/")
    async def index(request):
        demo = await asyncio.to_thread(registry_holds_demo_data)
        return response.html(pages[demo], headers={"Cache-Control": "no-cache"})

    @app.get("/config.js")
    async def config(request):
        socket_url = settings.get("BMA_SOCKET_URL")
        body = f"window.BMA_CHAT_CONFIG = {json.dumps({'socketUrl': socket_url, 'feedbackUrl': '/feedback'})};\n"
        return response.text(body, content_type="application/javascript; charset=utf-8")

    @app.post("/feedback")
    async def record_feedback(request):
        """A vote of the widget: JSON only (a cross-site form cannot send it without a CORS
        preflight, which this page never grants), from this page's origin only, and a limited
        number per client address and minute."""
        # remote_addr: the proxy's forwarded address when Sanic is told to trust it, else "".
        allowed, wait = votes.allow(request.remote_addr or request.ip or "?")
        if not allowed:
            return response.json({"error": TOO_MANY_FR}, status=429, headers={"Retry-After": str(wait)})
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return response.json({"error": "Le corps doit être du JSON (application/json)."}, status=415)
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
            return response.json({"error": "Origine refusée."}, status=403)
        if len(request.body or b"") > 1024:
            return response.json({"error": "Corps trop long."}, status=413)
        try:
            vote = parse_vote(json.loads((request.body or b"").decode("utf-8")))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            message = str(error) if isinstance(error, FeedbackError) else "JSON invalide."
            return response.json({"error": message}, status=400)
        try:
            await asyncio.to_thread(record_vote, vote)
        except Exception as error:  # the database is down: the page keeps working
            app.ctx.log.error("feedback not recorded (%s)", type(error).__name__)
            return response.json({"error": "Avis non enregistré, réessayez plus tard."}, status=503)
        return response.empty(status=204)

    @app.get("/health")
    async def health(request):
        return response.json({"status": "ok"})

    return app


def main() -> None:
    storage.startup()  # the settings checked (French message), the schema at the latest revision
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=settings.get("BMA_WEB_PORT"))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
