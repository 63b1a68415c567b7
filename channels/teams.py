"""Microsoft Teams input channel (Bot Framework), fit for a new single-tenant Teams bot.

Replaces Rasa's built-in ``botframework`` channel, which fetches keys at start-up, trusts the
token's ``alg``, checks neither issuer nor ``serviceUrl``, only supports multi-tenant tokens,
blocks the event loop, ignores ``conversationUpdate``, keeps ``<at>`` mentions, sends buttons
without a usable value and answers 200 when processing fails.

Register it in credentials.yml::

    channels.teams.TeamsInput:
      app_id: ...            # or env TEAMS_APP_ID
      app_password: ...      # or env TEAMS_APP_PASSWORD (never logged)
      tenant_id: ...         # or env TEAMS_TENANT_ID
      # optional: openid_metadata_url, token_url, issuer, leeway_seconds

Without an app id the channel stays off (503), so the server still starts offline.

Feedback: after each answer, a card « Cette réponse vous a-t-elle aidé ? » with « 👍 Oui » and
« 👎 Non » (messageBack actions), then after 👎 the optional reasons « Pas ma question », « Pas
clair », « Incorrect ». A click comes back as a message activity whose ``value`` holds
``bma_feedback``: it is stored like the web widget's vote (feedback/: the conversation id, a
digest of the rated bubble and its occurrence in the conversation; the analytics link it to
the answer's intent, action, phase and model), never passed to Rasa, nothing about the person.
"""
from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import rasa_patches
from bma import secrets
from bma.replies import SOURCE_PREFIX
from channels import guard
from channels.teams_auth import (  # noqa: F401  (public names of the channel)
    BOT_FRAMEWORK_SCOPE,
    DEFAULT_ISSUER,
    AuthError,
    KeyStore,
    TokenClient,
    TokenValidator,
)
from channels.teams_cards import (  # noqa: F401
    FEEDBACK_FAILED_FR,
    FEEDBACK_KEY,
    FEEDBACK_QUESTION_FR,
    FEEDBACK_THANKS_FR,
    FEEDBACK_WHY_FR,
    HERO,
    REASON_TITLES_FR,
    feedback_button,
    feedback_card,
    feedback_value,
    reasons_card,
)
from channels.web import count_failure
from feedback import store as feedback_store
from feedback import votes as feedback

log = logging.getLogger(__name__)

DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)
MENTION_RE = re.compile(r"<at\b[^>]*>.*?</at>", re.I | re.S)
TAG_RE = re.compile(r"<[^>]+>")
MAX_CONVERSATION_ID = 255  # Rasa's sender id column


WARNING_TEAMS_FR = (
    "Attention : ne communiquez jamais un mot de passe, ni ici ni par e-mail, pas même au support. L'assistant "
    "l'a masqué avant de traiter votre message : il ne le lit ni ne le conserve. Votre message reste cependant "
    "visible dans votre historique Teams : supprimez-le (« … » sur le message, puis « Supprimer »), et si vous "
    "pensez que le mot de passe a été vu, changez-le."
)


def discreet_source(text: str) -> str:
    """The answer's closing « Source : … » line (bma/replies.py) in italics, Teams' discreet style."""
    head, separator, source = text.rpartition("\n\n" + SOURCE_PREFIX)
    if not separator or "\n" in source:
        return text
    return f"{head}\n\n_{SOURCE_PREFIX}{source}_"


def clean_text(activity: dict) -> str:
    """The user's words: a card click's payload, else the text without mentions or markup."""
    value = activity.get("value")
    if isinstance(value, dict) and isinstance(value.get("payload"), str):
        return value["payload"]
    text = activity.get("text") or ""
    if not isinstance(text, str):
        return ""
    text = MENTION_RE.sub(" ", text)
    text = html.unescape(TAG_RE.sub(" ", text))
    return " ".join(text.split())


class TeamsOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "teams"

    def __init__(self, tokens: TokenClient, session_factory, activity: dict):
        self.tokens = tokens
        self._session_factory = session_factory
        self.activity = activity
        self.failures = 0
        self.last_text: str | None = None  # the answer's last text, rated by the feedback card

    def _reply(self, **fields: Any) -> dict:
        incoming = self.activity
        return {
            "type": "message",
            "from": incoming.get("recipient"),
            "recipient": incoming.get("from"),
            "conversation": incoming.get("conversation"),
            "replyToId": incoming.get("id"),
            **fields,
        }

    async def _post(self, reply: dict) -> None:
        service_url = self.activity["serviceUrl"].rstrip("/")
        conversation_id = self.activity["conversation"]["id"]
        url = f"{service_url}/v3/conversations/{conversation_id}/activities"
        try:
            token = await self.tokens.get()
            async with self._session_factory().post(url, json=reply, headers={"Authorization": f"Bearer {token}"}) as answer:
                if not 200 <= answer.status < 300:
                    raise RuntimeError(f"connector answered {answer.status}")
        except Exception as error:
            self.failures += 1
            log.error("Teams reply not delivered (%s)", error)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.last_text = text
        await self._post(self._reply(text=discreet_source(text), textFormat="markdown"))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        self.last_text = text
        card = {
            "contentType": "application/vnd.microsoft.card.hero",
            "content": {
                "text": discreet_source(text),
                "buttons": [
                    {"type": "messageBack", "title": b.get("title", ""), "text": b.get("title", ""),
                     "displayText": b.get("title", ""), "value": {"payload": b.get("payload", "")}}
                    for b in buttons
                ],
            },
        }
        await self._post(self._reply(attachments=[card]))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(self._reply(attachments=[{"contentType": "image/png", "contentUrl": image}]))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._post(self._reply(**json_message))


class TeamsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}

        def setting(key: str, env: str, default: str = "") -> str:
            return str(credentials.get(key) or os.environ.get(env, default) or "")

        tenant_id = setting("tenant_id", "TEAMS_TENANT_ID")
        return cls(
            app_id=setting("app_id", "TEAMS_APP_ID"),
            app_password=setting("app_password", "TEAMS_APP_PASSWORD"),
            tenant_id=tenant_id,
            openid_metadata_url=setting("openid_metadata_url", "TEAMS_OPENID_METADATA_URL", DEFAULT_OPENID_METADATA_URL),
            token_url=setting("token_url", "TEAMS_TOKEN_URL", DEFAULT_TOKEN_URL).format(tenant_id=tenant_id or "common"),
            issuer=setting("issuer", "TEAMS_ISSUER", DEFAULT_ISSUER),
            leeway_seconds=int(setting("leeway_seconds", "TEAMS_LEEWAY_SECONDS", "300")),
        )

    def __init__(self, app_id: str, app_password: str, tenant_id: str, openid_metadata_url: str,
                 token_url: str, issuer: str = DEFAULT_ISSUER, leeway_seconds: int = 300):
        self.app_id = app_id
        self.tenant_id = tenant_id
        self._session: aiohttp.ClientSession | None = None
        self.keys = KeyStore(openid_metadata_url, self.session)
        self.validator = TokenValidator(app_id, self.keys, issuer, leeway_seconds)
        self.tokens = TokenClient(token_url, app_id, app_password, self.session)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)
        return self._session

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_patches.require_installed("the Teams channel")
        teams = Blueprint("teams_webhook", __name__)

        @teams.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.app_id else "not configured"})

        @teams.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.app_id:
                return response.json({"error": "Teams channel not configured"}, status=503)
            try:
                activity = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                return response.json({"error": "invalid JSON"}, status=400)
            if not isinstance(activity, dict):
                return response.json({"error": "activity must be an object"}, status=400)
            try:
                await self.validator.validate(request.headers.get("Authorization"), activity)
            except AuthError as error:
                log.warning("Teams request refused: %s", error)
                return response.json({"error": "unauthorized"}, status=401)
            conversation = activity.get("conversation") or {}
            if not isinstance(conversation, dict) or not conversation.get("id") or not activity.get("serviceUrl"):
                return response.json({"error": "conversation.id and serviceUrl are required"}, status=400)
            kind = activity.get("type")
            if kind == "conversationUpdate":
                bot_id = (activity.get("recipient") or {}).get("id")
                added = [m.get("id") for m in activity.get("membersAdded") or [] if isinstance(m, dict)]
                if bot_id not in added:
                    return response.empty(status=200)
                text = "/greet"  # the bot was added: say who it is
            elif kind == "message":
                text = clean_text(activity)
            else:
                return response.empty(status=200)
            output = TeamsOutput(self.tokens, self.session, activity)
            vote = feedback_value(activity) if kind == "message" else None
            if vote is not None:
                return await self.record_vote(str(conversation["id"]), vote, output)
            screened = guard.screen(text) if kind == "message" else guard.Screened(text)
            for notice in screened.notices:
                # In Teams the message stays in the user's own chat history: say so, truthfully.
                notice = WARNING_TEAMS_FR if notice == secrets.WARNING_FR else notice
                await output.send_text_message(str(conversation["id"]), notice)
            if screened.text is not None:
                message = UserMessage(
                    screened.text, output, sender_id=str(conversation["id"]), input_channel=self.name(),
                    metadata={"teams_user": (activity.get("from") or {}).get("id")},
                )
                try:
                    await on_new_message(message)
                except Exception as error:
                    log.error("Teams message failed: %s", type(error).__name__)
                    await count_failure(self.name())
                    return response.json({"error": "processing failed"}, status=500)
                if kind == "message" and output.last_text and not output.failures:
                    await self.offer_feedback(request, str(conversation["id"]), output)
            if output.failures:
                return response.json({"error": "reply not delivered"}, status=502)
            return response.empty(status=200)

        return teams

    async def offer_feedback(self, request: Request, conversation_id: str, output: TeamsOutput) -> None:
        """« Cette réponse vous a-t-elle aidé ? » under the answer: the rated bubble is its last
        one (as in the web widget), numbered among the conversation's bubbles with that text, as
        the analytics count them when they replay the conversation."""
        last = feedback.bubbles(output.last_text)[-1]
        bubble_digest = feedback.digest(last)
        try:
            tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(conversation_id)
        except Exception as error:  # no card rather than a wrong one
            log.error("Teams feedback card not offered (%s)", type(error).__name__)
            return
        occurrence = sum(1 for event in (tracker.events if tracker else [])
                         if isinstance(event, BotUttered) and event.text
                         for part in feedback.bubbles(event.text) if feedback.digest(part) == bubble_digest)
        if occurrence:
            await output._post(output._reply(attachments=[feedback_card(bubble_digest, occurrence)]))

    async def record_vote(self, conversation_id: str, value: dict, output: TeamsOutput) -> HTTPResponse:
        """A click on a feedback card: stored like the web widget's vote, then thanked."""
        if len(conversation_id) > MAX_CONVERSATION_ID or guard.CONTROL_RE.search(conversation_id):
            return response.json({"error": "conversation id not supported"}, status=400)
        try:
            vote = feedback.vote_for(conversation_id, value)
        except feedback.FeedbackError as error:
            return response.json({"error": str(error)}, status=400)
        try:
            await asyncio.to_thread(feedback_store.record, vote)
        except Exception as error:
            log.error("Teams feedback not recorded (%s)", type(error).__name__)
            await output.send_text_message(conversation_id, FEEDBACK_FAILED_FR)
            return response.json({"error": "feedback not recorded"}, status=503)
        if vote.rating == "down" and vote.reason is None:
            await output._post(output._reply(attachments=[reasons_card(value)]))
        else:
            await output.send_text_message(conversation_id, FEEDBACK_THANKS_FR)
        if output.failures:
            return response.json({"error": "reply not delivered"}, status=502)
        return response.empty(status=200)
