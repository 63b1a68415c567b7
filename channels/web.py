"""REST and socket.io channels with the guard in front (channels/guard.py).

Registered in credentials.yml in place of Rasa's ``rest`` and ``socketio``; the URLs stay the
same (/webhooks/rest/webhook, /socket.io). Differences from Rasa's own:
- bad input gets a clear French reply or a 4xx, never a 500 or a traceback;
- too long messages are refused before NLU; passwords are masked and the user warned;
- socket.io only accepts the site's origins (``BMA_SITE_ORIGINS``, comma-separated;
  default http://localhost:8080 and http://127.0.0.1:8080);
- socket.io joins the session's room correctly with every python-socketio 5.x.
Like every channel of the project, they refuse to serve without the Rasa patches (rasa_patches).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

import rasa_patches
import settings
from bma import facts, registry
from bma.secrets import mask_json
from channels import guard

log = logging.getLogger(__name__)

FAILURE_FR = (
    "Désolé, je n'ai pas pu traiter votre message. Réessayez dans un instant ; pour une question urgente, "
    f"contactez {facts.SGNE.name} : {facts.SGNE.email} ou {facts.SGNE.phone}."
)
DEFAULT_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"
USER_SHOWN_EVT = "user_uttered_shown"


def site_origins() -> list[str]:
    return list(settings.get("BMA_SITE_ORIGINS"))


async def process(on_new_message, screened: guard.Screened, output, sender: str, channel: str, metadata=None) -> bool:
    """Send the guard's notices, then let Rasa handle the cleaned text. False on failure."""
    for notice in screened.notices:
        await output.send_text_message(sender, notice)
    if screened.text is None:
        return True
    try:
        await on_new_message(UserMessage(screened.text, output, sender, input_channel=channel, metadata=metadata))
        return True
    except asyncio.CancelledError:
        raise
    except Exception as error:  # never a traceback to the user
        log.error("message from %s failed on channel %s: %s", sender, channel, type(error).__name__)
        await output.send_text_message(sender, FAILURE_FR)
        await count_failure(channel)
        return False


async def count_failure(channel: str) -> None:
    """One more apology of ``channel`` in the BMA_DB_URL database (the console's error metric);
    never a second failure for the user."""
    try:
        await asyncio.wait_for(asyncio.to_thread(registry.record_channel_error, channel), 5)
    except Exception as error:
        log.error("channel error not counted (%s)", type(error).__name__)


class GuardedRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_patches.require_installed("the REST channel")
        rest = Blueprint("guarded_rest_webhook", inspect.getmodule(self).__name__)

        @rest.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = json.loads((request.body or b"").decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                return response.json({"error": "Le corps de la requête doit être du JSON en UTF-8."}, status=400)
            if not isinstance(body, dict):
                return response.json({"error": "Le corps de la requête doit être un objet JSON."}, status=400)
            sender = guard.clean_sender(body.get("sender"))
            if sender is None:
                return response.json({"error": "« sender » doit être un identifiant court (texte)."}, status=400)
            if "message" not in body:
                return response.json({"error": "Le champ « message » est obligatoire."}, status=400)
            metadata = mask_json(body["metadata"]) if isinstance(body.get("metadata"), dict) else None
            collector = CollectingOutputChannel()
            await process(on_new_message, guard.screen(body.get("message")), collector, sender, self.name(), metadata)
            return response.json(collector.messages)

        return rest


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_patches.require_installed("the socket.io channel")
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=site_origins(),
                          max_http_buffer_size=64 * 1024)
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "guarded_socketio_webhook", __name__)
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def join(sid: str, room: str) -> None:
            entered = sio.enter_room(sid, room)
            if inspect.isawaitable(entered):  # a coroutine from python-socketio 5.9 on
                await entered

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None = None) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            session_id = guard.clean_sender(session_id) if session_id else uuid.uuid4().hex
            if session_id is None:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            output = SocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict):
                await sio.emit(self.bot_message_evt, {"text": guard.NOT_TEXT_FR}, room=sid)
                return
            if self.session_persistence:
                sender = guard.clean_sender(data.get("session_id")) if data.get("session_id") else None
                if sender is None:
                    await sio.emit(self.bot_message_evt, {"text": "Session inconnue : rechargez la page."}, room=sid)
                    return
                await join(sid, sender)  # replies go to the session's room
            else:
                sender = sid
            screened = guard.screen(data.get("message"))
            # The page keeps the conversation in the browser: it stores only this text, secrets masked,
            # never what was typed (web/static/chat.js replaces the bubble with it).
            await sio.emit(USER_SHOWN_EVT, {"text": screened.shown}, room=sid)
            await process(on_new_message, screened, output, sender, self.name())

        return socketio_webhook
