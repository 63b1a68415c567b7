"""End to end: the real action server and Rasa server on loopback, a small imported registry,
a fixed BMA_TODAY, conversations over the REST webhook."""
import json
import uuid

import pytest
from sqlalchemy import select

from analytics import ingest, out_of_faq
from analytics.config import settings
from analytics.db import DailyCount, analytics_engine, broker_events, events_engine
from bma import facts, registry
from harness.servers import Servers, latest_model, texts

REGISTRY_CSV = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "po000001@adm.cfwb.be,yes,2024-10-07,2024-10-14,2024-11-04,2024-11-11\n"  # migrated on 15/11
    "po000002@adm.cfwb.be,yes,2024-10-14,2024-10-21,2024-11-11,2024-11-18\n"  # scheduled
    "po000003@adm.cfwb.be,yes,,,,\n"  # window over, nothing sent
    "ec000001@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"  # password sent
    "ec000002@adm.cfwb.be,no,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"  # password sent, hors MODE
    "ec000003@adm.cfwb.be,yes,2024-11-12,2024-11-19,2024-12-10,2024-12-17\n"  # announced
    "ec000004@adm.cfwb.be,yes,2024-11-25,2024-12-02,2024-12-23,2024-12-30\n"  # not started, window open
)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    workdir = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
    assert registry.import_csv(REGISTRY_CSV.encode(), db_url).ok
    registry.dispose_engines()
    # Rasa's own SQL event broker: what the analytics read (the actions' recorded decisions).
    events_url = f"sqlite:///{workdir / 'events.sqlite3'}"
    servers = Servers(workdir, {"BMA_DB_URL": db_url, "BMA_EVENTS_DB_URL": events_url, "BMA_TODAY": "2024-11-15"},
                      model, endpoints_extra=f"event_broker:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'events.sqlite3'}\n")
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop()


def conversation(bot, *messages):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    return [texts(bot.say(sender, message)) for message in messages]


def test_greeting_says_automatic_and_no_password(bot):
    (reply,) = conversation(bot, "bonjour")
    assert "assistant automatique" in reply and "jamais de mot de passe" in reply


def test_lost_new_password_mode_school_after_email2(bot):
    ask, answer = conversation(bot, "j'ai perdu le nouveau mot de passe", "ec000001@adm.cfwb.be")
    assert "adresse de votre BMA" in ask
    assert facts.FORM_MODE in answer and facts.FORM_HORS_MODE not in answer and "11 novembre 2024" in answer


def test_lost_new_password_hors_mode_in_one_message(bot):
    (answer,) = conversation(bot, "nouveau mdp perdu pour EC000002@ADM.CFWB.BE")
    assert facts.FORM_HORS_MODE in answer and facts.FORM_MODE + "\n" not in answer


def test_lost_new_password_before_email2(bot):
    (answer,) = conversation(bot, "j'ai perdu le nouveau mot de passe de ec000003@adm.cfwb.be")
    assert "Aucun nouveau mot de passe n'a encore été envoyé" in answer and "19 novembre 2024" in answer


def test_lost_new_password_after_migration_goes_to_etnic(bot):
    (answer,) = conversation(bot, "nouveau mot de passe perdu po000001@adm.cfwb.be")
    assert "Service Desk de l'ETNIC" in answer and facts.ETNIC.phone in answer


def test_lost_old_password_not_started_goes_to_enseignement_be(bot):
    (answer,) = conversation(bot, "j'ai oublié l'ancien mot de passe de ec000004@adm.cfwb.be")
    assert facts.ENSEIGNEMENT_BE.email in answer and facts.SGNE.email not in answer


def test_lost_old_password_started_goes_to_sgne(bot):
    (answer,) = conversation(bot, "j'ai oublié l'ancien mot de passe de ec000003@adm.cfwb.be")
    assert facts.SGNE.email in answer and facts.SGNE.phone in answer and facts.ENSEIGNEMENT_BE.email not in answer


def test_no_email_received_window_over(bot):
    _, answer = conversation(bot, "je n'ai reçu aucun mail pour la migration", "po000003@adm.cfwb.be")
    assert "31 octobre 2024" in answer and facts.SGNE.email in answer


def test_no_email_received_window_open(bot):
    _, answer = conversation(bot, "je n'ai reçu aucun mail pour la migration", "ec000004@adm.cfwb.be")
    assert "court jusqu'au 30 novembre 2024" in answer


def test_status_scheduled_and_the_address_is_remembered(bot):
    status, again = conversation(bot, "où en est la migration de po000002@adm.cfwb.be ?", "j'ai perdu le nouveau mot de passe")
    assert "prévue le 18 novembre 2024" in status
    assert facts.FORM_MODE in again  # no second question for the address


def test_wrong_address_is_explained_then_accepted(bot):
    _, explanation, answer = conversation(bot, "où en est ma boîte ?", "ec000001@adm.cfwb", "ec000001@adm.cfwb.be")
    assert "Vouliez-vous dire ec000001@adm.cfwb.be" in explanation
    assert "nouveau mot de passe a été envoyé" in answer


def test_unknown_address_is_not_guessed(bot):
    (answer,) = conversation(bot, "statut de ec999999@adm.cfwb.be")
    assert "Je ne trouve pas ec999999@adm.cfwb.be" in answer and facts.SGNE.email in answer


def test_declining_the_address_gives_the_general_answer(bot):
    _, answer = conversation(bot, "j'ai oublié l'ancien mot de passe", "/deny")
    assert facts.SGNE.email in answer and facts.ENSEIGNEMENT_BE.email in answer


def test_human_handoff_then_ticket(bot):
    replies = conversation(bot, "je veux parler à un humain", "/request_ticket", "Dupont", "Anne",
                           "po000003@adm.cfwb.be", "Nous n'avons reçu aucun e-mail de migration")
    assert facts.SGNE.email in replies[0]
    assert "nom de famille" in replies[1] and "prénom" in replies[2] and "adresse de votre BMA" in replies[3]
    assert "mailto:migrationbma@cfwb.be?subject=" in replies[5] and "numéro" in replies[5]


def test_the_handoff_desk_travels_in_the_events_and_is_counted_from_them(bot):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    for message in ("j'ai perdu le nouveau mot de passe", "ec000001@adm.cfwb.be", "je veux parler à un humain"):
        bot.say(sender, message)
    with events_engine(bot.env["BMA_EVENTS_DB_URL"]).connect() as conn:
        events = [json.loads(d) for (d,) in conn.execute(select(broker_events.c.data)
                                                          .where(broker_events.c.sender_id == sender))]
    recorded = [e["metadata"]["bma_decision"] for e in events if e["event"] == "bot"]
    handed = [d for d in recorded if d["topic"] == "human_handoff"]
    assert handed and handed[-1]["desks"] == ["etnic"] and handed[-1]["phase"] == "password_sent"
    assert handed[-1]["period"] == "during" and "ec000001" not in json.dumps(recorded)
    assert any(d["address_given"] and d["phase"] == "password_sent" for d in recorded)
    config = settings({"BMA_DB_URL": bot.env["BMA_DB_URL"], "BMA_EVENTS_DB_URL": bot.env["BMA_EVENTS_DB_URL"]})
    ingest.catch_up(config)
    with analytics_engine(config.db_url).connect() as conn:
        found = {(m, k) for m, k in conn.execute(select(DailyCount.metric, DailyCount.key))}
    assert ("handoff_desk", "etnic") in found and ("lookup_phase", "password_sent") in found


def test_faq_sections_in_new_words(bot):
    definition, reason, changes, steps = conversation(
        bot, "ça veut dire quoi BMA ?", "pourquoi on abandonne smail2", "je pourrai garder ma redirection vers gmail ?",
        "combien de boites doivent migrer et quand ?")
    assert "ecXXXXXX@adm.cfwb.be" in definition
    assert "25" in reason
    assert "déconseillées" in changes
    assert "Environ 3500 boîtes" in steps


def test_http_api_is_off_without_a_token(bot):
    import urllib.error
    import urllib.request

    for path in ("/status", "/conversations/anyone/tracker", "/model/parse"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(bot.rasa_url + path, timeout=10)
        assert error.value.code in (403, 404, 405)


def test_ticket_after_a_lost_new_password_goes_to_the_etnic(bot):
    replies = conversation(bot, "j'ai perdu le nouveau mot de passe", "ec000001@adm.cfwb.be", "/request_ticket",
                           "Dupont", "Anne", "je ne retrouve pas l'e-mail n°2")
    assert facts.FORM_MODE in replies[1] and facts.ETNIC.email in replies[1] and facts.SGNE.email not in replies[1]
    assert "mailto:support@etnic.be?subject=" in replies[-1] and "pas transmise automatiquement" in replies[-1]


def test_other_questions_name_both_desks_with_their_remit(bot):
    (answer,) = conversation(bot, "À qui dois-je m'adresser si j'ai d'autres questions ?")
    assert facts.SGNE.email in answer and facts.ETNIC.email in answer
    assert "processus de migration" in answer and "souci technique" in answer


@pytest.mark.parametrize("question", [
    "La nouvelle boîte fonctionnera-t-elle avec Thunderbird ?",
    "Est-ce que les règles de tri automatique seront gardées ?",
    "Est-ce que nos dossiers et sous-dossiers seront recréés ?",
    "Y aura-t-il une formation pour utiliser Exchange ?",
])
def test_questions_the_faq_does_not_answer_get_an_honest_reply(bot, question):
    (answer,) = conversation(bot, question)
    assert "La FAQ officielle de la migration ne répond pas à cette question" in answer, answer
    assert facts.SGNE.email in answer and facts.ETNIC.email in answer
    assert "Vouliez-vous dire" not in answer and "adresse de votre BMA" not in answer
    registry.dispose_engines()
    config = settings({"BMA_DB_URL": bot.env["BMA_DB_URL"], "BMA_EVENTS_DB_URL": bot.env["BMA_EVENTS_DB_URL"]})
    ingest.catch_up(config)
    recorded = [m.text for m in out_of_faq.out_of_faq(config.db_url)]
    assert question in recorded  # kept for the staff's review, « hors FAQ »


def test_an_address_in_a_long_greeting_is_looked_up(bot):
    (answer,) = conversation(bot, "Bonjour, je suis la directrice de l'école communale de Wanze, FASE 1234, notre "
                                  "adresse est ec000001@adm.cfwb.be, merci")
    assert "ec000001@adm.cfwb.be" in answer and "Vouliez-vous dire" not in answer and "Dire bonjour" not in answer


def test_two_questions_in_one_message_get_the_first_answer_and_the_second_one_click_away(bot):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "j'ai perdu le nouveau mot de passe et je n'ai jamais reçu le mail 3")
    replies = bot.say(sender, "ec000001@adm.cfwb.be")
    # One of the two answers (the new password, FAQ §6; no e-mail received, §8), the other one click away.
    other_of = {"§6": ("/faq_no_email_received", "§8"), "§8": ("/faq_lost_new_password", "§6")}
    answered = [section for section in other_of if section in texts(replies)]
    assert len(answered) == 1, texts(replies)
    payload, other_section = other_of[answered[0]]
    offer = next(r for r in replies if "autre question" in (r.get("text") or ""))
    assert [b["payload"] for b in offer["buttons"]] == [payload]
    second = texts(bot.say(sender, payload))
    assert other_section in second  # the second one, answered for the same mailbox
    assert "Quelle est l'adresse" not in second


def test_each_of_two_questions_gets_the_sub_answer_of_its_own_words(bot):
    # The password named in the second question is not the first one's sub-answer of §3 (« what changes »).
    (overview,) = conversation(bot, "Qu'est-ce qui va changer pour l'école ?")
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    replies = bot.say(sender, "Qu'est-ce qui va changer pour l'école ? Par ailleurs, je n'ai plus du tout l'ancien mot de passe.")
    if any("Quelle est l'adresse" in (r.get("text") or "") for r in replies):
        replies = bot.say(sender, "ec000001@adm.cfwb.be")
    offers = [b["payload"] for r in replies for b in r.get("buttons") or [] if "autre question" in (r.get("text") or "")]
    if "§3" in texts(replies):  # §3 answered first: the overview, and §7 one click away
        assert overview.split("Source")[0] in texts(replies) and offers == ["/faq_lost_old_password"]
    else:  # §7 answered first: the overview of §3 one click away, not a sub-answer on passwords
        assert "§7" in texts(replies) and offers == ["/faq_what_changes"]


def test_a_disputed_unsure_question_offers_both_answers_and_a_click_answers_it(bot):
    """The SVM reads « the reason » (0.6), its second opinion « what to do »: asked, not guessed
    (components/second_opinion.py); each button gives its answer."""
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    (question,) = bot.say(sender, "le mail 2 c'est pour quoi faire")
    assert question["text"].startswith("Je ne suis pas sûr d'avoir compris. Vouliez-vous dire")
    assert [b["payload"] for b in question["buttons"]] == ["/faq_migration_reason", "/faq_how_to_migrate", "/deny"]
    answer = texts(bot.say(sender, "/faq_how_to_migrate"))
    assert "e-mail n°3" in answer and "Vouliez-vous dire" not in answer
    (reason,) = conversation(bot, "pourquoi abandonner smail2 ?")
    assert reason.split("Source")[0] in texts(bot.say(f"e2e-{uuid.uuid4().hex[:8]}", "/faq_migration_reason"))


def test_one_question_with_context_gets_no_second_offer(bot):
    (reply,) = conversation(bot, "Je suis la secrétaire de l'école et je voudrais savoir pourquoi on change de système")
    assert "§2" in reply and "autre question" not in reply


def test_follow_ups_keep_the_topic(bot):
    how, for_a_po = conversation(bot, "que dois-je faire pour migrer ma boîte ?", "et pour un PO ?")
    assert "§5" in how and "§5" in for_a_po
    steps, after = conversation(bot, "quelles sont les étapes de la migration ?", "et après ?")
    assert "§4" in steps and "§4" in after


def test_a_follow_up_can_name_the_next_topic(bot):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "j'ai perdu le nouveau mot de passe")
    assert "§6" in texts(bot.say(sender, "ec000001@adm.cfwb.be"))
    not_received = texts(bot.say(sender, "et si je ne l'ai pas reçu ?"))
    assert "§8" in not_received and "ec000001" not in not_received.split("Source")[-1]
    old = texts(bot.say(sender, "et pour l'ancien mot de passe ?"))
    assert "§7" in old


def test_a_follow_up_with_nothing_to_follow_asks_for_the_question(bot):
    (reply,) = conversation(bot, "et pour un PO ?")
    assert "préciser votre question" in reply
