"""What the rasa-sdk actions share: reading the tracker, looking a mailbox up, sending a reply."""
from __future__ import annotations

import asyncio
import logging
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bma import address as bma_address
from bma import answers, registry
from bma.answers import Lookup, Situation
from bma.phases import reference_date_or_today
from bma.replies import Reply

log = logging.getLogger(__name__)

# Intents that carry no question of their own (the answer goes to the previous question).
NON_QUESTION_INTENTS = {"inform", "affirm", "deny", "greet", "thanks", "goodbye", "nlu_fallback", "request_ticket"}
REGISTRY_TIMEOUT_S = 3.0


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.as_buttons() or None)


_registry_down_logged = False


async def look_up(address: Optional[str]) -> Situation:
    """The situation of ``address`` on the reference date; never raises."""
    global _registry_down_logged
    day = reference_date_or_today()
    if not address:
        return Situation(today=day)
    try:
        mailbox = await asyncio.wait_for(asyncio.to_thread(registry.find_mailbox, address), REGISTRY_TIMEOUT_S)
    except Exception as error:  # database down, timeout: answer generally, log once
        if not _registry_down_logged:
            log.error("registry unavailable (%s): answering with the general procedure", type(error).__name__)
            _registry_down_logged = True
        return Situation(today=day, lookup=Lookup.UNAVAILABLE, address=address)
    if _registry_down_logged:
        log.warning("registry available again")
        _registry_down_logged = False
    if mailbox is None:
        return Situation(today=day, lookup=Lookup.NOT_FOUND, address=address)
    return Situation(today=day, lookup=Lookup.FOUND, address=address, mailbox=mailbox)


def last_question(tracker: Tracker) -> tuple[Optional[str], str]:
    """The most recent user intent that asks something, and its text."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent and intent not in NON_QUESTION_INTENTS:
            return intent, event.get("text") or ""
    return None, ""


async def record_for_review(text: str, confidence: Optional[float]) -> None:
    """A question the FAQ does not answer, kept for the staff (masked text, no conversation id)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(registry.record_review_question, text, "faq_not_covered", confidence),
                               REGISTRY_TIMEOUT_S)
    except Exception as error:
        log.error("question for review not recorded (%s)", type(error).__name__)


def latest_address_entity(tracker: Tracker) -> bool:
    return any(e.get("entity") == "bma_address" for e in tracker.latest_message.get("entities", []))


async def status_of_given_address(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """An address is never wasted: the state of the mailbox the user just named."""
    situation = await look_up(bma_address.normalise(tracker.get_slot("bma_address") or "") or None)
    send(dispatcher, answers.migration_status(situation))
    return [SlotSet("topic", "check_migration_status")]
