"""The enseignement.be-style help page with the chat widget (Sanic, port 8080).

    .venv/bin/python -m web.app [--port 8080]

BMA_SOCKET_URL tells the page where Rasa's socket.io channel is (default http://localhost:5005).
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
from pathlib import Path

from sanic import Sanic, response

from actions import facts

STATIC = Path(__file__).resolve().parent / "static"
# The page's facts come from the catalogue (actions/facts.py), like everything the assistant says.
PAGE_FACTS = {
    "CAMPAIGN_START": facts.CAMPAIGN_START.strftime("%d/%m/%Y"),
    "CAMPAIGN_END": facts.CAMPAIGN_END.strftime("%d/%m/%Y"),
    "FAQ_EDITION": facts.FAQ_EDITION,
    "FAQ_TITLE": facts.FAQ_TITLE,
    "ADDRESS_EC": facts.ADDRESS_PATTERNS["ec"],
    "ADDRESS_PO": facts.ADDRESS_PATTERNS["po"],
}


def render_index() -> str:
    """index.html with its {{FACT}} placeholders filled (escaped); an unknown placeholder is an error."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    filled = re.sub(r"\{\{(\w+)\}\}", lambda m: html.escape(PAGE_FACTS[m.group(1)]), page)
    return filled


def create_app() -> Sanic:
    app = Sanic("bma_web")
    INDEX = render_index()
    app.static("/static", str(STATIC))

    @app.get("/")
    async def index(request):
        return response.html(INDEX, headers={"Cache-Control": "no-cache"})

    @app.get("/config.js")
    async def config(request):
        socket_url = os.environ.get("BMA_SOCKET_URL", "http://localhost:5005")
        body = f"window.BMA_CHAT_CONFIG = {json.dumps({'socketUrl': socket_url})};\n"
        return response.text(body, content_type="application/javascript; charset=utf-8")

    @app.get("/health")
    async def health(request):
        return response.json({"status": "ok"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("BMA_WEB_PORT", "8080")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
