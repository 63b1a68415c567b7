"""What the rasa-sdk actions share: reading the tracker, looking a mailbox up, sending a reply."""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bma import address as bma_address
from bma import answers, registry
from bma.answers import Lookup, Situation
from bma.desks import period_of
from bma.phases import CampaignPeriod, reference_date_or_today
from bma.registry.progress import all_migrated
from bma.replies import Reply

log = logging.getLogger(__name__)

# Intents that carry no question of their own (the answer goes to the previous question).
NON_QUESTION_INTENTS = {"inform", "affirm", "deny", "greet", "thanks", "goodbye", "nlu_fallback", "request_ticket"}
REGISTRY_TIMEOUT_S = 3.0


def send(dispatcher: CollectingDispatcher, reply: Reply, topic: str, sub: str | None = None) -> None:
    """The reply as the user reads it: its text, then its « Source : » line. What was decided (the
    topic answered, its sub-answer, the sources, the quick replies offered) travels with it as the
    bot event's metadata ``bma_decision``: the tracker keeps it, nothing recomputes it later."""
    decision = {
        "topic": topic,
        "sub": sub,
        "sources": [source.kind if source.section is None else f"{source.kind}:{source.section}" for source in reply.sources],
        "offers": [payload for _, payload in reply.buttons],
    }
    dispatcher.utter_message(text=reply.rendered, buttons=reply.as_buttons() or None, bma_decision=decision)


_registry_down_logged = False


def _registry_state(address: str | None, day) -> tuple[object | None, bool | None, bool]:
    """(mailbox or None, has every mailbox migrated?, is the registry empty?) in one thread hop.
    ``all_migrated`` is read only while the campaign's dates leave the period open (§3)."""
    mailbox = registry.find_mailbox(address) if address else None
    empty = False
    migrated = None
    if address and mailbox is None:
        empty = registry.count_mailboxes() == 0
    if period_of(day) is not CampaignPeriod.OVER:
        migrated = all_migrated(day)
    return mailbox, migrated, empty


async def look_up(address: str | None) -> Situation:
    """The situation of ``address`` on the reference date; never raises."""
    global _registry_down_logged
    day = reference_date_or_today()
    try:
        mailbox, migrated, empty = await asyncio.wait_for(
            asyncio.to_thread(_registry_state, address, day), REGISTRY_TIMEOUT_S)
    except Exception as error:  # database down, timeout: answer generally, log once
        if not _registry_down_logged:
            log.error("registry unavailable (%s): answering with the general procedure", type(error).__name__)
            _registry_down_logged = True
        return Situation(today=day, lookup=Lookup.UNAVAILABLE if address else Lookup.NO_ADDRESS, address=address)
    if _registry_down_logged:
        log.warning("registry available again")
        _registry_down_logged = False
    if not address:
        return Situation(today=day, all_migrated=migrated)
    if mailbox is None:
        lookup = Lookup.NO_REGISTRY if empty else Lookup.NOT_FOUND
        return Situation(today=day, lookup=lookup, address=address, all_migrated=migrated)
    return Situation(today=day, lookup=Lookup.FOUND, address=address, mailbox=mailbox, all_migrated=migrated)


async def holds_demo_data() -> bool:
    """Does the registry hold demonstration data? (False when it cannot be read: the greeting
    makes no claim about the state then.)"""
    try:
        return await asyncio.wait_for(asyncio.to_thread(registry.holds_demo_data), REGISTRY_TIMEOUT_S)
    except Exception as error:
        log.error("registry provenance not read (%s)", type(error).__name__)
        return False


def last_question_event(tracker: Tracker) -> tuple[str | None, str, list]:
    """The most recent user intent that asks something, its text and its entities."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        intent = parse.get("intent", {}).get("name")
        if intent and intent not in NON_QUESTION_INTENTS:
            return intent, event.get("text") or "", parse.get("entities") or []
    return None, "", []


async def record_for_review(text: str, confidence: float | None) -> None:
    """A question the FAQ does not answer, kept for the staff (masked text, no conversation id)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(registry.record_review_question, text, "faq_not_covered", confidence),
                               REGISTRY_TIMEOUT_S)
    except Exception as error:
        log.error("question for review not recorded (%s)", type(error).__name__)


def latest_address_entity(tracker: Tracker) -> bool:
    return any(e.get("entity") == "bma_address" for e in tracker.latest_message.get("entities", []))


async def status_of_given_address(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """An address is never wasted: the state of the mailbox the user just named."""
    situation = await look_up(bma_address.normalise(tracker.get_slot("bma_address") or "") or None)
    send(dispatcher, answers.migration_status(situation), "check_migration_status")
    return [SlotSet("topic", "check_migration_status")]
