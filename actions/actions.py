"""Rasa actions: thin wrappers that read the tracker, ask the domain modules, and reply.

What to say lives in ``answers``/``routing``; where a mailbox stands in ``registry`` and
``phases``; the facts in ``facts``.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import address as bma_address
from actions import answers, desks, prompts, registry, routing, tickets
from actions.answers import Lookup, Situation
from actions.labels import candidate_buttons
from actions.phases import reference_date_or_today
from actions.replies import Q_NONE, Reply

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


class ActionAnswerFaq(Action):
    """Answers the FAQ question asked last, with the mailbox's state when known."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent, text = last_question(tracker)
        if intent not in answers.GENERAL_ANSWERS:
            intent = "check_migration_status"  # an address alone: say where that mailbox stands
        situation = await look_up(tracker.get_slot("bma_address"))
        if intent == "faq_what_changes":
            entity_topic = next(
                (e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "change_topic"),
                None,
            )
            reply = answers.what_changes(situation, entity_topic or answers.change_topic(text))
        elif intent in ("faq_more_questions", "faq_not_covered"):
            technical = bool(text) and not text.startswith("/") and desks.is_technical(text)
            reply = answers.GENERAL_ANSWERS[intent](situation, technical_first=technical)
            if intent == "faq_not_covered" and text and not text.startswith("/"):
                await record_for_review(text, tracker.latest_message.get("intent", {}).get("confidence"))
        else:
            reply = answers.GENERAL_ANSWERS[intent](situation)
        send(dispatcher, reply)
        # The topic answered decides where a prepared message goes (desks.TABLE).
        return [SlotSet("form_cancelled", False), SlotSet("address_attempts", 0), SlotSet("topic", intent)]


async def record_for_review(text: str, confidence: Optional[float]) -> None:
    """A question the FAQ does not answer, kept for the staff (masked text, no conversation id)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(registry.record_review_question, text, "faq_not_covered", confidence),
                               REGISTRY_TIMEOUT_S)
    except Exception as error:
        log.error("question for review not recorded (%s)", type(error).__name__)


class ActionHumanHandoff(Action):
    """The right desk for the user's problem, with the reason; offers a prepared message."""

    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        situation = await look_up(tracker.get_slot("bma_address"))
        topic = tracker.get_slot("topic")
        not_understood = tracker.latest_message.get("intent", {}).get("name") in ("nlu_fallback", "deny")
        contacts = desks.handoff_contacts(topic, situation.phase, situation.lookup is Lookup.NOT_FOUND)
        send(dispatcher, answers.handoff(situation, contacts, not_understood))
        return []


def latest_address_entity(tracker: Tracker) -> bool:
    return any(e.get("entity") == "bma_address" for e in tracker.latest_message.get("entities", []))


async def status_of_given_address(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """An address is never wasted: the state of the mailbox the user just named."""
    situation = await look_up(bma_address.normalise(tracker.get_slot("bma_address") or "") or None)
    send(dispatcher, answers.migration_status(situation))
    return [SlotSet("topic", "check_migration_status")]


class ActionGreet(Action):
    """The greeting, followed by the mailbox's state when the greeting names an address."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, prompts.GREETING)
        return await status_of_given_address(dispatcher, tracker) if latest_address_entity(tracker) else []


class ActionAskAffirmation(Action):
    """« Vouliez-vous dire… » with the top candidate intents (replaces Rasa's English one)."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if latest_address_entity(tracker):  # an unclear message that holds an address: its state
            return await status_of_given_address(dispatcher, tracker)
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = candidate_buttons(ranking)
        dispatcher.utter_message(
            text="Je ne suis pas sûr d'avoir compris. Vouliez-vous dire…",
            buttons=[{"title": t, "payload": p} for t, p in buttons + [Q_NONE]],
        )
        return []


class CancellableFormValidation(FormValidationAction):
    """A form that ends at once (no slot left to ask) when the user declined or changed subject."""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return [] if tracker.get_slot("form_cancelled") else domain_slots


class ValidateAddressForm(CancellableFormValidation):
    """Reads the BMA address; explains the format on a mistake; lets the user decline."""

    def name(self) -> Text:
        return "validate_address_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return validate_address_turn(dispatcher, tracker, "address_form")


def validate_address_turn(dispatcher: CollectingDispatcher, tracker: Tracker, form: str) -> List[EventType]:
    requested = tracker.get_slot("requested_slot")
    text = tracker.latest_message.get("text") or ""
    intent = tracker.latest_message.get("intent", {}).get("name")
    current = tracker.get_slot("bma_address")
    if requested != "bma_address":
        # Activation: keep an address given earlier (normalised), or ask for it.
        if current and bma_address.normalise(current):
            return [SlotSet("bma_address", bma_address.normalise(current))]
        return [SlotSet("bma_address", None)]
    check = bma_address.check(text)
    if check.ok:
        return [SlotSet("bma_address", check.address.address), SlotSet("address_attempts", 0)]
    attempts = int(tracker.get_slot("address_attempts") or 0) + 1
    declined = intent == "deny" or (check.problem == "missing" and intent not in ("inform", "nlu_fallback"))
    if declined or attempts >= 3:
        if form == "address_form" and not declined:
            dispatcher.utter_message(text="Je n'arrive pas à lire cette adresse : je vous réponds de manière générale.")
        return [SlotSet("bma_address", None), SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]
    dispatcher.utter_message(text=answers.address_problem(check))
    return [SlotSet("bma_address", None), SlotSet("address_attempts", attempts)]


class ValidateEscalationForm(CancellableFormValidation):
    """Collects nom, prénom, adresse and a one-line description; « non » cancels."""

    def name(self) -> Text:
        return "validate_escalation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = (tracker.latest_message.get("text") or "").strip()
        intent = tracker.latest_message.get("intent", {}).get("name")
        if requested is None:
            return validate_address_turn(dispatcher, tracker, "escalation_form")
        if intent == "deny" and text.startswith("/") or text.lower() in ("annuler", "non", "stop"):
            return [SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]
        if requested == "bma_address":
            if intent == "deny" or bma_address.check(text).problem == "missing":
                # No address known: the ticket goes without one.
                return [SlotSet("bma_address", "inconnue")]
            return validate_address_turn(dispatcher, tracker, "escalation_form")
        value, problem = tickets.clean_field(requested, text)
        if problem:
            dispatcher.utter_message(text=problem)
            return [SlotSet(requested, None)]
        return [SlotSet(requested, value)]


class ActionSubmitTicket(Action):
    """Records the ticket and gives the right contact with a ready-to-send message."""

    def name(self) -> Text:
        return "action_submit_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in ("ticket_last_name", "ticket_first_name", "ticket_description")]
        reset += [SlotSet("form_cancelled", False), SlotSet("address_attempts", 0)]
        if tracker.get_slot("form_cancelled"):
            send(dispatcher, prompts.TICKET_CANCELLED)
            return reset
        address = tracker.get_slot("bma_address")
        known_address = address if bma_address.normalise(address or "") else None
        situation = await look_up(known_address)
        description = tracker.get_slot("ticket_description") or ""
        route = routing.route(tracker.get_slot("topic"), situation.phase, description)
        draft = tickets.draft(
            route=route,
            last_name=tracker.get_slot("ticket_last_name") or "",
            first_name=tracker.get_slot("ticket_first_name") or "",
            address=known_address,
            description=description,
        )
        try:
            number = await asyncio.wait_for(asyncio.to_thread(
                registry.record_ticket, route=route.contact.key, address=known_address,
                last_name=draft.last_name, first_name=draft.first_name,
                description=description, conversation_id=tracker.sender_id,
            ), REGISTRY_TIMEOUT_S)
        except Exception as error:
            log.error("ticket not recorded (%s)", type(error).__name__)
            number = None
        send(dispatcher, tickets.reply(draft, number))
        if not known_address:
            reset.append(SlotSet("bma_address", None))
        return reset


class AskSlotAction(Action, ABC):
    """Asks for one form slot (``action_ask_<slot>``), text from ``prompts.ASK``."""

    @property
    @abstractmethod
    def slot(self) -> str:
        ...

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, prompts.ASK[self.slot])
        return []


class ActionAskBmaAddress(AskSlotAction):
    slot = "bma_address"


class ActionAskTicketLastName(AskSlotAction):
    slot = "ticket_last_name"


class ActionAskTicketFirstName(AskSlotAction):
    slot = "ticket_first_name"


class ActionAskTicketDescription(AskSlotAction):
    slot = "ticket_description"


class ActionDefaultFallback(Action):
    """When the dialogue itself is lost: say so in French and give the SGNE contact."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, prompts.DEFAULT_FALLBACK)
        from rasa_sdk.events import UserUtteranceReverted

        return [UserUtteranceReverted()]
