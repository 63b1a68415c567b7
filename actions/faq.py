"""The FAQ's answers, the greeting, the clarification « Vouliez-vous dire… » and the last-resort fallback."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    holds_demo_data,
    last_question_event,
    latest_address_entity,
    look_up,
    send,
    split_span,
    status_of_given_address,
)
from bma import answers, desks, follow_up, intents, prompts, what_changes
from bma.confusable import CLARIFY_BETWEEN, is_close_pair
from bma.labels import buttons_for, candidate_buttons
from bma.replies import ASSISTANT, Q_NONE, Reply

OVERVIEW_PAYLOAD = intents.INTENT_LABELS["faq_what_changes"][1]


class ActionAnswerFaq(Action):
    """Answers the FAQ question asked last, with the mailbox's state when known."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent, text, entities = last_question_event(tracker)
        if intent == follow_up.FOLLOW_UP:
            intent = follow_up.resolve(tracker.get_slot("topic"), text)
            if intent is None:  # nothing to follow: ask what the question is
                send(dispatcher, follow_up.UNCLEAR, "clarify")
                return []
        if intent not in intents.GENERAL_ANSWERS:
            intent = "check_migration_status"  # an address alone: say where that mailbox stands
        situation = await look_up(tracker.get_slot("bma_address"))
        # Two questions in one message: each sub-answer of section 3 is read in its own question's words.
        second_entity = next((e for e in entities if e.get("entity") == "second_question"), None)
        first_question, second_question = split_span(text, second_entity)
        sub = None
        if intent == "faq_what_changes":
            entity_topic = next(
                (e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "change_topic"),
                None,
            )
            sub = entity_topic or what_changes.change_topic(first_question)
            reply = what_changes.what_changes(situation, sub)
        elif intent in ("faq_more_questions", "faq_not_covered"):
            # The desk the question names comes first, else the technical one for a technical question.
            technical = bool(text) and not text.startswith("/") and desks.desk_first(text) is desks.ETNIC
            # A question the FAQ does not answer reaches the staff's inbox from the events
            # (analytics/ingest.py, reason « hors FAQ »): nothing else is stored here.
            reply = intents.GENERAL_ANSWERS[intent](situation, technical_first=technical)
        else:
            reply = intents.GENERAL_ANSWERS[intent](situation)
        if sub is not None and sub not in what_changes.CHANGE_TOPICS:
            sub = None  # an entity's raw value is no identifier: not recorded
        send(dispatcher, reply, intent, sub, situation=situation, desks=answers.desks_named(intent, situation),
             tracker=tracker)
        second = (second_entity or {}).get("value")
        if second and second != intent and second in intents.INTENT_LABELS:
            # Two questions in one message: the second one's answer is one click away.
            button = (what_changes.sub_answer_button(second_question or text)
                      if second == "faq_what_changes" and text else None)
            send(dispatcher, Reply("Vous posiez aussi une autre question :", [button or intents.INTENT_LABELS[second]],
                                   [ASSISTANT]),
                 "second_question")
        events = [SlotSet("form_cancelled", False), SlotSet("address_attempts", 0)]
        if intent not in intents.STATE_DEPENDENT and latest_address_entity(tracker):
            # An address is never wasted: a general answer is followed by that mailbox's state.
            return events + await status_of_given_address(dispatcher, tracker)
        # The topic answered decides where a prepared message goes (desks.TABLE).
        return events + [SlotSet("topic", intent)]


class ActionGreet(Action):
    """The greeting, followed by the mailbox's state when the greeting names an address."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        send(dispatcher, prompts.greeting(demo=await holds_demo_data()), "greet")
        return await status_of_given_address(dispatcher, tracker) if latest_address_entity(tracker) else []


class ActionAskAffirmation(Action):
    """« Vouliez-vous dire… » with the top candidate intents (replaces Rasa's English one)."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if latest_address_entity(tracker):  # an unclear message that holds an address: its state
            return await status_of_given_address(dispatcher, tracker)
        send(dispatcher, clarification(tracker), "clarify")
        return []


def clarification(tracker: Tracker) -> Reply:
    """« Vouliez-vous dire… »: the two the classifier could not choose between when it names them (a
    close confusable pair, or its best and the second opinion's: components/tfidf_intent_classifier.py),
    else the candidates of its ranking (a message below the FallbackClassifier's threshold)."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    chosen = buttons_for(tracker.latest_message.get(CLARIFY_BETWEEN) or [])
    buttons = chosen or candidate_buttons(ranking, limit=2 if is_close_pair(ranking) else None)
    # Section 3 offered: the sub-answer the question's words name, as for a second question.
    named = what_changes.sub_answer_button(tracker.latest_message.get("text") or "")
    buttons = [named if named and payload == OVERVIEW_PAYLOAD else (title, payload) for title, payload in buttons]
    return Reply("Je ne suis pas sûr d'avoir compris. Vouliez-vous dire…", buttons + [Q_NONE], [ASSISTANT])


class ActionDefaultFallback(Action):
    """When the dialogue itself is lost: say so in French and give the SGNE contact."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        send(dispatcher, prompts.DEFAULT_FALLBACK, "fallback")
        return [UserUtteranceReverted()]
