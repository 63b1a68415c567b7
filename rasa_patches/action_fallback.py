"""When the action server is down or slow, the user still gets a French answer.

Rasa 3.6 logs a failed custom action and goes on silently. ``install()`` wraps
``RemoteAction.run`` (once, in the Rasa process): a call that fails or takes longer than
``BMA_ACTION_TIMEOUT`` seconds (default 10) is answered here, with the general FAQ answer for
the user's question, computed by the same pure-Python modules the action server uses
(bma/answers.py, bma/prompts.py), and any form is closed.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import settings
from bma import answers, decisions, desks, intents, prompts, what_changes
from bma.answers import Lookup, Situation
from bma.decisions import FALLBACK_MARK  # noqa: F401  (the one marker: analytics reads it from there)
from bma.phases import reference_date_or_today

log = logging.getLogger(__name__)
_installed = False


def timeout_seconds() -> float:
    try:
        return settings.get("BMA_ACTION_TIMEOUT")
    except settings.SettingError:
        return 10.0


def fallback_reply(action_name: str, intent: str | None, text: str):
    """The reply given without the action server, for ``action_name`` after ``intent``."""
    if action_name.startswith("action_ask_") and action_name[len("action_ask_"):] in prompts.ASK:
        return prompts.ASK[action_name[len("action_ask_"):]]
    if action_name == "action_greet":
        return prompts.GREETING
    today = reference_date_or_today()
    situation = Situation(today, Lookup.UNAVAILABLE, "votre boîte")
    if intent == "faq_what_changes":
        return what_changes.what_changes(situation, what_changes.change_topic(text))
    if intent in intents.GENERAL_ANSWERS:
        return intents.GENERAL_ANSWERS[intent](situation)
    return answers.more_questions(Situation(today))


def fallback_decision(action_name: str, intent: str | None, reply) -> dict:
    """What the fallback reply decided (bma/decisions.py): the registry was not read."""
    today = reference_date_or_today()
    if action_name == "action_human_handoff":
        topic, named = decisions.HANDOFF_TOPIC, desks.BOTH
    elif action_name.startswith("action_ask_") or action_name == "action_greet":
        topic, named = action_name, ()
    elif intent in intents.GENERAL_ANSWERS:
        topic, named = intent, answers.desks_named(intent, Situation(today, Lookup.UNAVAILABLE, "votre boîte"))
    else:
        topic, named = "faq_more_questions", desks.BOTH
    return decisions.decision(reply, topic, desks=named, period=Situation(today).period, lookup=None)


def already_answered_this_turn(tracker) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get(FALLBACK_MARK):
            return True
    return False


def install() -> None:
    """Wrap RemoteAction.run with the timeout and the French fallback (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.constants import REQUESTED_SLOT
    from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet
    from rasa.shared.exceptions import RasaException

    original = RemoteAction.run

    async def run_with_fallback(self, output_channel, nlg, tracker, domain) -> list[Any]:
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), timeout_seconds())
        except Exception as error:
            from rasa.core.actions.action import ActionExecutionRejection

            if isinstance(error, ActionExecutionRejection):
                raise
            if not isinstance(error, (RasaException, asyncio.TimeoutError, OSError)):
                raise
            log.error("custom action %s failed (%s): answering without the action server",
                      self.name(), type(error).__name__)
            closing = []
            if tracker.active_loop_name:
                closing = [SlotSet(REQUESTED_SLOT, None), ActiveLoop(None)]
            if already_answered_this_turn(tracker) and not self.name().startswith("action_ask_"):
                return closing
            latest = tracker.latest_message
            intent = (latest.intent or {}).get("name") if latest else None
            reply = fallback_reply(self.name(), intent, (latest.text or "") if latest else "")
            if self.name().startswith("action_ask_"):
                closing = []  # asking still works: the form goes on
            metadata = {FALLBACK_MARK: True,
                        decisions.DECISION_KEY: fallback_decision(self.name(), intent, reply)}
            utterance = BotUttered(reply.rendered, {"buttons": reply.as_buttons() or None}, metadata=metadata)
            return [utterance, *closing]

    RemoteAction.run = run_with_fallback
    _installed = True
