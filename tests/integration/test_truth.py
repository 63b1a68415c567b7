"""Issue #21 end to end, over REST, on the real action and Rasa servers: each reply says where it
comes from, the desk follows the period (§3), demonstration data never passes for fact, and the
false or broken sentences found by new users stay fixed. The action server is restarted with
another BMA_TODAY or registry between groups of questions; Rasa stays up."""
import contextlib
import subprocess
import sys
import uuid

import pytest

from bma import demo, facts, registry
from bma.answers import DEMO_WARNING
from harness.servers import ROOT, Servers, latest_model, texts

REGISTRY_CSV = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "po000001@adm.cfwb.be,yes,2024-10-07,2024-10-14,2024-11-04,2024-11-11\n"  # migrated on 11/11/2024
    "po000003@adm.cfwb.be,yes,,,,\n"  # nothing sent
    "ec000001@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"
    "ec000004@adm.cfwb.be,yes,2024-11-25,2024-12-02,2024-12-23,2024-12-30\n"  # not started on 15/11
)
ALL_MIGRATED_CSV = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "po000001@adm.cfwb.be,yes,2024-10-07,2024-10-14,2024-11-04,2024-11-11\n"
)
SOURCE = "Source : FAQ BMA (octobre 2024), "
BEFORE, DURING, AFTER = "2024-09-20", "2024-11-15", "2026-12-06"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    workdir = tmp_path_factory.mktemp("truth")
    urls = {name: f"sqlite:///{workdir / (name + '.sqlite3')}" for name in ("main", "all_migrated", "demo", "empty")}
    assert registry.import_csv(REGISTRY_CSV.encode(), urls["main"]).ok
    assert registry.import_csv(ALL_MIGRATED_CSV.encode(), urls["all_migrated"]).ok
    assert registry.count_mailboxes(urls["empty"]) == 0
    registry.dispose_engines()
    loaded = subprocess.run([sys.executable, "-m", "bma.registry", "demo"], cwd=ROOT, capture_output=True, text=True,
                            env={**Servers(workdir, {}, model).env, "BMA_DB_URL": urls["demo"]}, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    servers = Servers(workdir, {"BMA_DB_URL": urls["main"], "BMA_TODAY": DURING}, model)
    servers.urls = urls
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop()


@contextlib.contextmanager
def action_server(bot, today=DURING, db="main"):
    """The action server restarted on the same port with another reference date or registry."""
    bot.stop_actions()
    bot.env.update({"BMA_TODAY": today, "BMA_DB_URL": bot.urls[db]})
    bot.start_actions()
    try:
        yield
    finally:
        bot.stop_actions()
        bot.env.update({"BMA_TODAY": DURING, "BMA_DB_URL": bot.urls["main"]})
        bot.start_actions()


def conversation(bot, *messages):
    sender = f"truth-{uuid.uuid4().hex[:8]}"
    return [texts(bot.say(sender, message)) for message in messages]


def test_keeping_the_old_password_is_answered_no(bot):
    (answer,) = conversation(bot, "Est-ce que je pourrai garder mon ancien mot de passe ?")
    assert answer.startswith("Non : votre mot de passe change."), answer
    assert "nouveau mot de passe" in answer and "e-mail n°2" in answer and SOURCE in answer


def test_old_password_not_started_keeps_its_condition(bot):
    (answer,) = conversation(bot, "j'ai oublié l'ancien mot de passe de ec000004@adm.cfwb.be")
    assert ("La migration de ec000004@adm.cfwb.be n'a pas encore commencé. Si vous n'avez plus du tout de mot de "
            "passe pour accéder à votre BMA, écrivez au service Enseignement.be") in answer
    assert "d'après le registre de migration (import" in answer


def test_new_password_when_nothing_was_sent_goes_to_the_sgne_like_no_email(bot):
    (new_password,) = conversation(bot, "j'ai perdu le nouveau mot de passe de po000003@adm.cfwb.be")
    (no_email,) = conversation(bot, "je n'ai reçu aucun mail pour po000003@adm.cfwb.be")
    for answer in (new_password, no_email):
        assert facts.SGNE.email in answer and facts.ETNIC.email not in answer, answer
        assert "31 octobre 2024" in answer


def test_the_greeting_lets_the_user_choose_which_password(bot):
    replies = bot.say(f"truth-{uuid.uuid4().hex[:8]}", "bonjour")
    payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert "/faq_lost_new_password" in payloads and "/faq_lost_old_password" in payloads
    assert "données de démonstration" not in texts(replies)


@pytest.mark.parametrize("question, first, second", [
    ("le téléphone de l'ETNIC ?", facts.ETNIC, facts.SGNE),
    ("Quel est le numéro de téléphone du service desk de l'ETNIC ?", facts.ETNIC, facts.SGNE),
])
def test_the_desk_asked_for_comes_first(bot, question, first, second):
    (answer,) = conversation(bot, question)
    assert first.phone in answer, answer
    if second.phone in answer:
        assert answer.index(first.phone) < answer.index(second.phone)


def test_a_detail_the_faq_does_not_give_is_not_answered_with_the_storage_figure(bot):
    (answer,) = conversation(bot, "Quelle est la taille maximale des pièces jointes dans la nouvelle boîte ?")
    assert "ne précise pas" in answer or "ne répond pas à cette question" in answer, answer
    assert facts.ETNIC.email in answer
    assert not answer.startswith("La nouvelle BMA a une capacité")


def test_cancelling_a_prepared_message_does_not_claim_to_send(bot):
    replies = conversation(bot, "je veux préparer un message pour le support", "/deny")
    assert "je n'envoie rien" not in replies[-1]
    assert "je ne prépare pas de message" in replies[-1] or "Que puis-je faire" in replies[-1]


def test_the_bot_does_not_claim_to_know_every_mailbox(bot):
    (answer,) = conversation(bot, "est-ce que tu es un robot ?")
    assert "Je connais l'état de migration des boîtes" not in answer and "registre de la migration" in answer


def test_no_migration_date_before_email_3(bot):
    (answer,) = conversation(bot, "où en est la migration de ec000001@adm.cfwb.be ?")
    assert "e-mail n°2" in answer and "9 décembre 2024" not in answer and "migration prévue" not in answer


def test_every_answer_shows_its_source(bot):
    conversations = [("qu'est-ce qu'une BMA ?",), ("pourquoi cette migration ?",),
                     ("quelles sont les étapes de la migration ?",), ("je n'ai reçu aucun mail", "/deny"),
                     ("où en est la migration de po000001@adm.cfwb.be ?",)]
    for messages in conversations:
        answer = conversation(bot, *messages)[-1]
        assert answer.split("\n")[-1].startswith(SOURCE), (messages, answer)
    (status,) = conversation(bot, "statut de po000001@adm.cfwb.be")
    assert "d'après le registre de migration (import" in status


# --- The period (§3): before, during, after the campaign -------------------------------------------

def test_before_the_campaign(bot):
    with action_server(bot, today=BEFORE):
        old, no_email = conversation(bot, "j'ai oublié l'ancien mot de passe de ec000004@adm.cfwb.be",
                                     "je n'ai reçu aucun mail de migration")
    assert facts.ENSEIGNEMENT_BE.email in old and facts.ETNIC.email not in old
    assert "sera envoyé" in no_email


def test_after_the_campaign_password_recovery_goes_to_the_etnic(bot):
    with action_server(bot, today=AFTER):
        old_migrated = conversation(bot, "j'ai oublié l'ancien mot de passe de po000001@adm.cfwb.be")[0]
        old_general = conversation(bot, "j'ai oublié l'ancien mot de passe", "/deny")[-1]
        new_general = conversation(bot, "j'ai perdu le nouveau mot de passe", "/deny")[-1]
        handoff = conversation(bot, "j'ai oublié l'ancien mot de passe de po000001@adm.cfwb.be",
                               "je veux parler à un humain")[-1]
        changes = conversation(bot, "qui gère les BMA maintenant ?")[0]
        no_email = conversation(bot, "je n'ai reçu aucun mail de migration", "/deny")[-1]
    for answer in (old_migrated, old_general, new_general, handoff):
        assert facts.ETNIC.email in answer and facts.ENSEIGNEMENT_BE.email not in answer, answer
        assert "récupération des mots de passe" in answer, answer
    assert facts.SGNE.email not in old_migrated and facts.SGNE.email not in new_general
    assert "BMA@enseignement.be" not in changes and "plus nécessaire de contacter le service Enseignement.be" in changes
    assert "Périodes d'envoi du premier e-mail" in no_email and "est envoyé" not in no_email


def test_during_the_dates_once_every_mailbox_migrated_the_etnic_too(bot):
    with action_server(bot, today="2024-11-20", db="all_migrated"):
        (answer,) = conversation(bot, "j'ai oublié l'ancien mot de passe de po000001@adm.cfwb.be")
    assert facts.ETNIC.email in answer and facts.SGNE.email not in answer and facts.ENSEIGNEMENT_BE.email not in answer


# --- Where the state comes from: demonstration data, no registry ------------------------------------

def test_demonstration_data_is_never_stated_as_fact(bot):
    address = demo.rows()[0][0]  # the first showcase mailbox, in the range reserved for the demonstration
    assert demo.is_demo_address(address)
    with action_server(bot, today=AFTER, db="demo"):
        greeting = conversation(bot, "bonjour")[0]
        status = conversation(bot, f"Où en est la migration de {address} ?")[0]
        new_password = conversation(bot, f"j'ai perdu le nouveau mot de passe de {address}")[0]
    assert "données de démonstration" in greeting
    for answer in (status, new_password):
        assert answer.startswith(DEMO_WARNING), answer
        assert "données de démonstration" in answer.split("\n")[-1]


def test_without_a_registry_the_state_is_not_guessed(bot):
    with action_server(bot, today=DURING, db="empty"):
        status, new_password = conversation(bot, "où en est la migration de ec000001@adm.cfwb.be ?",
                                            "j'ai perdu le nouveau mot de passe")
    for answer in (status, new_password):
        assert "je ne connais pas l'état de votre boîte" in answer, answer
        assert "a migré" not in answer and "planifiée" not in answer
    assert facts.FORM_MODE in new_password and facts.FORM_HORS_MODE in new_password  # both cases of §6


@pytest.mark.parametrize("today", [BEFORE, DURING, AFTER])
def test_the_examples_hold_in_each_period(bot, today):
    with action_server(bot, today=today):
        keep, attachments, etnic = conversation(bot, "Est-ce que je pourrai garder mon ancien mot de passe ?",
                                                "Quelle est la taille maximale des pièces jointes ?",
                                                "le téléphone de l'ETNIC ?")
        cancelled = conversation(bot, "je veux préparer un message pour le support", "/deny")[-1]
    assert keep.startswith("Non : "), keep
    assert ("ne précise pas" in attachments or "ne répond pas à cette question" in attachments) and \
        facts.ETNIC.email in attachments
    assert etnic.index(facts.ETNIC.phone) < (etnic.index(facts.SGNE.phone) if facts.SGNE.phone in etnic else len(etnic))
    assert "je n'envoie rien" not in cancelled
    for answer in (keep, attachments, etnic):
        assert answer.split("\n")[-1].startswith(SOURCE), answer
