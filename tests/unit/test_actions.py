"""The Rasa actions, run on rasa-sdk trackers built from small dicts (no server)."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import faq, forms, handoff
from bma import facts, registry
from tests.conftest import registry_for_actions

DEMO_ROWS = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "ec000001@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"
    "ec000002@adm.cfwb.be,no,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"
    "po000003@adm.cfwb.be,yes,,,,\n"
)


@pytest.fixture(autouse=True)
def small_registry(monkeypatch, sqlite_url):
    yield from registry_for_actions(monkeypatch, sqlite_url, DEMO_ROWS)


def user(text, intent, entities=(), confidence=0.99, ranking=None):
    return {
        "event": "user", "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": list(entities),
                       "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]},
    }


def tracker(events, slots=None, active_loop=None):
    latest = next((e["parse_data"] | {"text": e["text"]} for e in reversed(events) if e["event"] == "user"), {})
    return Tracker("test-user", slots or {}, latest, events, False, None, active_loop or {}, "action_listen")


def run(action, events, slots=None, active_loop=None):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker(events, slots, active_loop), {"forms": {
        "address_form": {"required_slots": ["bma_address"]},
        "escalation_form": {"required_slots": ["ticket_last_name", "ticket_first_name", "bma_address", "ticket_description"]},
    }}))
    return dispatcher.messages, result


def test_lost_new_password_for_a_mode_school_gives_the_mode_form():
    messages, events = run(faq.ActionAnswerFaq(), [user("j'ai perdu le nouveau mdp", "faq_lost_new_password")],
                           {"bma_address": "ec000001@adm.cfwb.be"})
    assert facts.FORM_MODE in messages[0]["text"] and facts.FORM_HORS_MODE not in messages[0]["text"]
    assert messages[0]["buttons"]
    assert SlotSet("form_cancelled", False) in events


def test_hors_mode_school_gets_the_hors_mode_form():
    messages, _ = run(faq.ActionAnswerFaq(), [user("mdp perdu", "faq_lost_new_password")],
                      {"bma_address": "ec000002@adm.cfwb.be"})
    assert facts.FORM_HORS_MODE in messages[0]["text"]


def test_answer_goes_to_the_question_before_the_address():
    events = [user("je n'ai reçu aucun mail", "faq_no_email_received"), user("po000003@adm.cfwb.be", "inform")]
    messages, _ = run(faq.ActionAnswerFaq(), events, {"bma_address": "po000003@adm.cfwb.be"})
    assert "s'est terminée le 31 octobre 2024" in messages[0]["text"] and facts.SGNE.email in messages[0]["text"]


def test_an_address_alone_gives_the_status():
    messages, _ = run(faq.ActionAnswerFaq(), [user("ec000001@adm.cfwb.be", "inform")], {"bma_address": "ec000001@adm.cfwb.be"})
    assert "nouveau mot de passe a été envoyé" in messages[0]["text"]


def test_unknown_address_gets_not_found_and_sgne():
    messages, _ = run(faq.ActionAnswerFaq(), [user("statut", "check_migration_status")], {"bma_address": "ec777777@adm.cfwb.be"})
    assert "Je ne trouve pas ec777777@adm.cfwb.be" in messages[0]["text"] and facts.SGNE.email in messages[0]["text"]


def test_registry_down_answers_generally(monkeypatch):
    monkeypatch.setenv("BMA_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    messages, _ = run(faq.ActionAnswerFaq(), [user("mdp perdu", "faq_lost_new_password")], {"bma_address": "ec000001@adm.cfwb.be"})
    text = messages[0]["text"]
    assert "Je ne peux pas consulter" in text and facts.FORM_MODE in text and facts.FORM_HORS_MODE in text


def test_section_3_entity_from_a_quick_reply_wins():
    events = [user('/faq_what_changes{"change_topic": "storage"}', "faq_what_changes", [{"entity": "change_topic", "value": "storage"}])]
    messages, _ = run(faq.ActionAnswerFaq(), events)
    assert "25 fois" in messages[0]["text"]


def test_a_second_question_on_section_3_offers_its_sub_answer():
    entities = [{"entity": "second_question", "value": "faq_what_changes"}]
    messages, _ = run(faq.ActionAnswerFaq(), [user("Qu'est-ce qu'une BMA ? Et mon adresse va-t-elle changer ?",
                                                   "faq_bma_definition", entities)])
    assert messages[1]["text"] == "Vous posiez aussi une autre question :"
    assert [b["payload"] for b in messages[1]["buttons"]] == ['/faq_what_changes{"change_topic": "address_unchanged"}']
    messages, _ = run(faq.ActionAnswerFaq(), [user("C'est quoi une BMA ? Et qu'est-ce qui change ?", "faq_bma_definition",
                                                   entities)])
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/faq_what_changes"]


def test_each_of_two_questions_gets_the_sub_answer_its_own_words_ask():
    text = "Et concrètement, qu'est-ce qui va changer ? Par ailleurs mon mot de passe actuel est perdu"
    start = text.index("Par ailleurs")
    entities = [{"entity": "second_question", "value": "faq_lost_old_password", "start": start, "end": len(text)}]
    messages, _ = run(faq.ActionAnswerFaq(), [user(text, "faq_what_changes", entities)])
    alone, _ = run(faq.ActionAnswerFaq(), [user("Et concrètement, qu'est-ce qui va changer ?", "faq_what_changes")])
    assert messages[0]["text"] == alone[0]["text"]  # the overview, not the password's sub-answer
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/faq_lost_old_password"]
    text = "Je n'ai plus l'ancien mot de passe. Et est-ce que la boîte sera plus grande ?"
    start = text.index("Et est-ce")
    entities = [{"entity": "second_question", "value": "faq_what_changes", "start": start, "end": len(text)}]
    messages, _ = run(faq.ActionAnswerFaq(), [user(text, "faq_lost_old_password", entities)])
    assert [b["payload"] for b in messages[1]["buttons"]] == ['/faq_what_changes{"change_topic": "storage"}']
    messages, _ = run(faq.ActionAnswerFaq(), [user(text, "faq_lost_old_password", [{**entities[0], "end": 999}])])
    assert len(messages) == 2  # a span that does not fit the text: the whole text is read, nothing lost


def test_more_questions_gives_both_desks_technical_first_for_cerbere():
    messages, events = run(faq.ActionAnswerFaq(), [user("mon compte Cerbère ne marche pas", "faq_more_questions")])
    text = messages[0]["text"]
    assert text.startswith("Pour tout souci technique") and "identifiants Cerbère EDU" in text
    assert text.index(facts.ETNIC.email) < text.index(facts.SGNE.email) and facts.SGNE.phone in text
    assert SlotSet("topic", "faq_more_questions") in events


def test_other_questions_give_both_desks_process_first():
    messages, _ = run(faq.ActionAnswerFaq(), [user("À qui dois-je m'adresser si j'ai d'autres questions ?", "faq_more_questions")])
    text = messages[0]["text"]
    assert text.startswith("Pour toute question sur le processus") and text.index(facts.SGNE.email) < text.index(facts.ETNIC.email)


def test_ticket_after_lost_new_password_goes_to_etnic(sqlite_url):
    slots = {"ticket_last_name": "Dupont", "ticket_first_name": "Anne", "bma_address": "ec000001@adm.cfwb.be",
             "ticket_description": "je ne retrouve pas le mot de passe", "topic": "faq_lost_new_password"}
    messages, _ = run(handoff.ActionSubmitTicket(), [user("/request_ticket", "request_ticket")], slots)
    assert "mailto:support@etnic.be?subject=" in messages[0]["text"]
    assert registry.list_tickets(sqlite_url)[0].route == "etnic"


def test_ask_affirmation_lists_french_candidates_and_none():
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "faq_lost_new_password", "confidence": 0.4},
               {"name": "faq_lost_old_password", "confidence": 0.35}, {"name": "out_of_scope", "confidence": 0.1}]
    messages, _ = run(faq.ActionAskAffirmation(), [user("mot de passe", "nlu_fallback", ranking=ranking)])
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert messages[0]["text"].startswith("Je ne suis pas sûr d'avoir compris. Vouliez-vous dire")
    assert titles == ["J'ai perdu le nouveau mot de passe", "Je n'ai plus mon ancien mot de passe", "Aucune de ces propositions"]


def test_ask_affirmation_offers_exactly_the_two_the_classifier_could_not_choose_between():
    """The classifier names them (a close pair, or its best and the second opinion's): those, in its order,
    even when the second is far down the ranking or out of scope."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "faq_lost_new_password", "confidence": 0.6},
               {"name": "faq_lost_old_password", "confidence": 0.3}, {"name": "faq_no_email_received", "confidence": 0.02}]
    event = user("le code du mail", "nlu_fallback", ranking=ranking)
    event["parse_data"]["clarify_between"] = ["faq_lost_new_password", "faq_no_email_received"]
    messages, _ = run(faq.ActionAskAffirmation(), [event])
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/faq_lost_new_password", "/faq_no_email_received", "/deny"]
    event["parse_data"]["clarify_between"] = ["faq_what_changes", "out_of_scope"]
    messages, _ = run(faq.ActionAskAffirmation(), [event])
    assert [b["title"] for b in messages[0]["buttons"]][-1] == "Aucune de ces propositions"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/faq_what_changes", "/deny"]
    # Section 3 offered: the sub-answer the words name, not the overview.
    event["text"] = "garder ancien mot de passe"
    event["parse_data"]["clarify_between"] = ["faq_what_changes", "faq_lost_old_password"]
    messages, _ = run(faq.ActionAskAffirmation(), [event])
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/faq_what_changes{"change_topic": "keep_old_password"}', "/faq_lost_old_password", "/deny"]


@pytest.mark.parametrize("text, expected_slot, message_part", [
    ("EC000001@ADM.CFWB.BE", "ec000001@adm.cfwb.be", None),
    ("ec000001@adm.cfwb", None, "Vouliez-vous dire ec000001@adm.cfwb.be"),
    ("direction@ecole.be", None, "Ce n'est pas une adresse de BMA"),
])
def test_address_form_validation(text, expected_slot, message_part):
    events = [user("statut", "check_migration_status"), user(text, "inform")]
    messages, result = run(forms.ValidateAddressForm(), events, {"requested_slot": "bma_address"}, {"name": "address_form"})
    assert SlotSet("bma_address", expected_slot) in result
    if message_part:
        assert message_part in messages[0]["text"]
    else:
        assert not messages


def test_a_question_placed_between_two_answers_ends_the_address_form_an_unplaced_message_does_not():
    asked = {"requested_slot": "bma_address"}
    disputed = user("le mail 2 c'est pour quoi faire", "nlu_fallback", confidence=0.6)
    disputed["parse_data"]["clarify_between"] = ["faq_migration_reason", "faq_how_to_migrate"]
    _, result = run(forms.ValidateAddressForm(), [user("statut", "check_migration_status"), disputed], asked,
                    {"name": "address_form"})
    assert SlotSet("form_cancelled", True) in result  # a new question, as any other intent
    messages, result = run(forms.ValidateAddressForm(), [user("statut", "check_migration_status"),
                                                         user("zzkq", "nlu_fallback", confidence=0.1)], asked,
                           {"name": "address_form"})
    assert SlotSet("form_cancelled", True) not in result and SlotSet("address_attempts", 1) in result
    assert messages  # the address is asked again, with what was wrong


def test_address_form_decline_ends_the_form():
    events = [user("statut", "check_migration_status"), user("/deny", "deny")]
    _, result = run(forms.ValidateAddressForm(), events, {"requested_slot": "bma_address"}, {"name": "address_form"})
    assert SlotSet("form_cancelled", True) in result and SlotSet("requested_slot", None) in result


def test_address_given_before_the_form_is_kept_normalised():
    events = [user("statut de EC000001@adm.cfwb.be", "check_migration_status")]
    _, result = run(forms.ValidateAddressForm(), events, {"bma_address": "EC000001@adm.cfwb.be"}, {"name": "address_form"})
    assert result == [SlotSet("bma_address", "ec000001@adm.cfwb.be")]


def test_submit_ticket_records_it_and_prepares_the_message(sqlite_url):
    slots = {"ticket_last_name": "Dupont", "ticket_first_name": "Anne", "bma_address": "po000003@adm.cfwb.be",
             "ticket_description": "Nous n'avons reçu aucun e-mail de migration"}
    messages, _ = run(handoff.ActionSubmitTicket(), [user("/request_ticket", "request_ticket")], slots)
    text = messages[0]["text"]
    assert "mailto:migrationbma@cfwb.be?subject=" in text and "Dupont" in text
    assert facts.SGNE.phone in text
    tickets = registry.list_tickets(sqlite_url)
    assert len(tickets) == 1 and tickets[0].route == "sgne" and tickets[0].conversation_id == "test-user"


def test_cancelled_ticket_records_nothing(sqlite_url):
    messages, _ = run(handoff.ActionSubmitTicket(), [user("non", "deny")], {"form_cancelled": True})
    assert "je ne prépare pas de message" in messages[0]["text"]
    assert registry.list_tickets(sqlite_url) == []


def test_a_general_answer_to_a_message_naming_an_address_adds_its_state():
    events = [user("c'est quoi une BMA ? la nôtre est ec000001@adm.cfwb.be", "faq_bma_definition",
                   [{"entity": "bma_address", "value": "ec000001@adm.cfwb.be"}])]
    messages, result = run(faq.ActionAnswerFaq(), events, {"bma_address": "ec000001@adm.cfwb.be"})
    assert "ecXXXXXX@adm.cfwb.be" in messages[0]["text"]  # the definition
    assert "ec000001@adm.cfwb.be" in messages[1]["text"] and "e-mail n°2" in messages[1]["text"]  # its state
    assert SlotSet("topic", "check_migration_status") in result


def test_an_unclear_message_naming_an_address_gets_its_state_not_a_clarification():
    ranking = [{"name": "greet", "confidence": 0.4}, {"name": "faq_bma_definition", "confidence": 0.35}]
    events = [user("bonjour FASE 1234 ec000001@adm.cfwb.be merci", "nlu_fallback",
                   [{"entity": "bma_address", "value": "ec000001@adm.cfwb.be"}], ranking=ranking)]
    messages, _ = run(faq.ActionAskAffirmation(), events, {"bma_address": "ec000001@adm.cfwb.be"})
    assert len(messages) == 1 and "Vouliez-vous dire" not in messages[0]["text"]
    assert "ec000001@adm.cfwb.be" in messages[0]["text"]


def test_the_greeting_names_the_state_of_an_address_given_with_it():
    events = [user("Bonjour, notre adresse est ec000001@adm.cfwb.be", "greet",
                   [{"entity": "bma_address", "value": "ec000001@adm.cfwb.be"}])]
    messages, _ = run(faq.ActionGreet(), events, {"bma_address": "ec000001@adm.cfwb.be"})
    assert "assistant automatique" in messages[0]["text"] and "ec000001@adm.cfwb.be" in messages[1]["text"]
    messages, _ = run(faq.ActionGreet(), [user("bonjour", "greet")])
    assert len(messages) == 1
