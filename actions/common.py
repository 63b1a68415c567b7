"""What the rasa-sdk actions share: reading the tracker, looking a mailbox up, sending a reply."""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bma import address as bma_address
from bma import answers, decisions, registry
from bma.answers import Lookup, Situation
from bma.desks import period_of
from bma.phases import CampaignPeriod, reference_date_or_today
from bma.registry.progress import all_migrated
from bma.replies import Reply

log = logging.getLogger(__name__)

# Intents that carry no question of their own (the answer goes to the previous question).
NON_QUESTION_INTENTS = {"inform", "affirm", "deny", "greet", "thanks", "goodbye", "nlu_fallback", "request_ticket"}
REGISTRY_TIMEOUT_S = 3.0


def split_span(text: str, span: dict | None) -> tuple[str, str]:
    """``text`` without the part an entity spans (``start``, ``end``), and that part; the whole text
    and "" when the span is missing or does not fit the text."""
    start, end = (span or {}).get("start"), (span or {}).get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return text, ""
    return (text[:start] + " " + text[end:]).strip(), text[start:end]


def send(dispatcher: CollectingDispatcher, reply: Reply, topic: str, sub: str | None = None, *,
         situation: Situation | None = None, desks=(), tracker: Tracker | None = None) -> None:
    """The reply as the user reads it: its text, then its « Source : » line. What was decided (the
    topic answered, its sub-answer, the sources, the quick replies offered, the desks named, the
    campaign's period, the mailbox's lookup and phase) travels with it as the bot event's metadata
    ``bma_decision`` (bma/decisions.py): the tracker keeps it, nothing recomputes it later."""
    period = situation.period if situation else period_of(reference_date_or_today())
    given = False
    if situation is not None and tracker is not None and situation.lookup is not Lookup.NO_ADDRESS:
        # One reply per turn counts the address the user just gave (the first that looked it up).
        given = address_given_this_turn(tracker) and not any(
            (m.get(decisions.DECISION_KEY) or {}).get("address_given") for m in dispatcher.messages)
    decision = decisions.decision(
        reply, topic, sub, desks=desks, period=period,
        lookup=situation.lookup.value if situation else None,
        phase=situation.phase if situation and situation.lookup is Lookup.FOUND else None, address_given=given)
    dispatcher.utter_message(text=reply.rendered, buttons=reply.as_buttons() or None,
                             **{decisions.DECISION_KEY: decision})


def address_given_this_turn(tracker: Tracker) -> bool:
    """Was the ``bma_address`` slot set in this turn (since the last user message) to an address other
    than the one it held before?"""
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    before = None
    for event in events[:max(last_user, 0)]:
        if event.get("event") == "slot" and event.get("name") == "bma_address":
            before = event.get("value")
    before = bma_address.normalise(before) if isinstance(before, str) else None
    for event in events[last_user + 1:]:
        if event.get("event") == "slot" and event.get("name") == "bma_address" and isinstance(event.get("value"), str):
            value = bma_address.normalise(event["value"])
            if value and value != before:
                return True
    return False


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


def latest_address_entity(tracker: Tracker) -> bool:
    return any(e.get("entity") == "bma_address" for e in tracker.latest_message.get("entities", []))


async def status_of_given_address(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """An address is never wasted: the state of the mailbox the user just named."""
    situation = await look_up(bma_address.normalise(tracker.get_slot("bma_address") or "") or None)
    send(dispatcher, answers.migration_status(situation), "check_migration_status", situation=situation,
         desks=answers.desks_named("check_migration_status", situation), tracker=tracker)
    return [SlotSet("topic", "check_migration_status")]
