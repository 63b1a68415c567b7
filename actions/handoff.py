"""Hand-off to a person and the prepared message (ticket) for the right desk (bma.desks)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import REGISTRY_TIMEOUT_S, look_up, send
from bma import address as bma_address
from bma import answers, decisions, desks, prompts, registry, tickets
from bma.answers import Lookup

log = logging.getLogger(__name__)


class ActionHumanHandoff(Action):
    """The right desk for the user's problem, with the reason; offers a prepared message."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        situation = await look_up(tracker.get_slot("bma_address"))
        topic = tracker.get_slot("topic")
        not_understood = tracker.latest_message.get("intent", {}).get("name") in ("nlu_fallback", "deny")
        contacts = desks.handoff_contacts(topic, situation.phase, situation.lookup is Lookup.NOT_FOUND,
                                          **answers.desk_where(situation))
        send(dispatcher, answers.handoff(situation, contacts, not_understood, topic), decisions.HANDOFF_TOPIC,
             situation=situation, desks=contacts, tracker=tracker)
        return []


class ActionSubmitTicket(Action):
    """Records the ticket and gives the right contact with a ready-to-send message."""

    def name(self) -> str:
        return "action_submit_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in ("ticket_last_name", "ticket_first_name", "ticket_description")]
        reset += [SlotSet("form_cancelled", False), SlotSet("address_attempts", 0)]
        if tracker.get_slot("form_cancelled"):
            send(dispatcher, prompts.TICKET_CANCELLED, "ticket_cancelled")
            return reset
        address = tracker.get_slot("bma_address")
        known_address = address if bma_address.normalise(address or "") else None
        situation = await look_up(known_address)
        description = tracker.get_slot("ticket_description") or ""
        route = desks.route(tracker.get_slot("topic"), situation.phase, description, **answers.desk_where(situation))
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
        send(dispatcher, tickets.reply(draft, number), "ticket", situation=situation, desks=(route.contact,),
             tracker=tracker)
        if not known_address:
            reset.append(SlotSet("bma_address", None))
        return reset
