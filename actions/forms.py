"""The two forms: the BMA address, and the details of a prepared message; « non » ends either."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send
from bma import address as bma_address
from bma import answers, prompts, tickets
from bma.confusable import CLARIFY_BETWEEN


class ValidateAddressForm(FormValidationAction):
    """Reads the BMA address; explains the format on a mistake; lets the user decline."""

    def name(self) -> str:
        return "validate_address_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return validate_address_turn(dispatcher, tracker, "address_form")


def validate_address_turn(dispatcher: CollectingDispatcher, tracker: Tracker, form: str) -> list[EventType]:
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
    # A message the classifier could not place stays an attempt; one it placed between two answers
    # (clarify_between) is a new question, as any other intent.
    unplaced = intent == "nlu_fallback" and not tracker.latest_message.get(CLARIFY_BETWEEN)
    declined = intent == "deny" or (check.problem == "missing" and intent != "inform" and not unplaced)
    if declined or attempts >= 3:
        if form == "address_form" and not declined:
            dispatcher.utter_message(text="Je n'arrive pas à lire cette adresse : je vous réponds de manière générale.")
        return [SlotSet("bma_address", None), SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]
    dispatcher.utter_message(text=answers.address_problem(check))
    return [SlotSet("bma_address", None), SlotSet("address_attempts", attempts)]


class ValidateEscalationForm(FormValidationAction):
    """Collects nom, prénom, adresse and a one-line description; « non » cancels."""

    def name(self) -> str:
        return "validate_escalation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
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


class AskSlotAction(Action, ABC):
    """Asks for one form slot (``action_ask_<slot>``), text from ``prompts.ASK``."""

    @property
    @abstractmethod
    def slot(self) -> str:
        ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        send(dispatcher, prompts.ASK[self.slot], f"ask_{self.slot}")
        return []


class ActionAskBmaAddress(AskSlotAction):
    slot = "bma_address"


class ActionAskTicketLastName(AskSlotAction):
    slot = "ticket_last_name"


class ActionAskTicketFirstName(AskSlotAction):
    slot = "ticket_first_name"


class ActionAskTicketDescription(AskSlotAction):
    slot = "ticket_description"
