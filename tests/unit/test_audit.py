"""The rendered replies (docs/replies.md) are the code's, every reply declares its source, and the
classes of false or broken sentences of issue #21 cannot come back."""
import re

import pytest

from bma import audit, facts
from bma.answers import DEMO_WARNING
from bma.replies import SOURCE_PREFIX, Reply

QUESTIONS = audit.replies_by_question()
ROWS = [(question, label, reply) for question, rows in QUESTIONS.items() for label, reply in rows]


def test_the_committed_audit_is_what_the_code_renders():
    committed = audit.OUTPUT.read_text(encoding="utf-8")
    assert committed == audit.render(), "docs/replies.md out of date: run `make replies` and review the diff"


def test_a_reply_cannot_exist_without_a_source():
    with pytest.raises(ValueError):
        Reply("Bonjour", [])


def test_every_answer_prints_its_source():
    """An answer of the FAQ or about a mailbox ends with « Source : … »; only the assistant's own
    conversation turns (greeting, form questions) print none."""
    silent = {"accueil", "message préparé annulé"} | {q for q in QUESTIONS if q.startswith("question du formulaire")}
    for question, label, reply in ROWS:
        if question in silent and not any(s.kind == "demo" for s in reply.sources):
            continue
        if question == "check_migration_status" and label.endswith("sans adresse"):
            assert reply.text.startswith("Je ne peux indiquer l'état de la migration qu'avec l'adresse")
            continue  # asks for the address: the assistant's own turn
        assert reply.rendered.split("\n")[-1].startswith(SOURCE_PREFIX), (question, label, reply.rendered[-200:])


def test_a_mailbox_state_says_where_it_comes_from():
    for question, label, reply in ROWS:
        shows_state = not question.startswith(("parler à une personne", "message préparé"))
        if label.endswith(", démo") and shows_state and any(s.kind in ("registry", "demo") for s in reply.sources):
            assert reply.text.startswith(DEMO_WARNING) and "données de démonstration" in reply.source_line, (question, label)
        if label.endswith(", import") and any(s.kind == "registry" for s in reply.sources):
            assert "d'après le registre de migration (import de registre.csv du " in reply.source_line
        if "registre vide" in label or "registre injoignable" in label:
            assert "je ne connais pas l'état" in reply.text.lower() or "registry" not in {s.kind for s in reply.sources}


def test_oui_or_non_only_answers_a_yes_no_question():
    for question, _label, reply in ROWS:
        first = reply.text.split()[0].strip(",.:;!").lower()
        if first in ("oui", "non"):
            assert question == "faq_what_changes — keep_old_password", (question, reply.text[:80])


def test_no_broken_sentence_or_link():
    for question, label, reply in ROWS:
        text = reply.rendered
        assert "None" not in text and "{" not in text and "}" not in text, (question, label)
        assert "](#)" not in text and "webmail@" not in text, (question, label)  # the FAQ's broken links
        assert not re.search(r"(^|\n)(?!https://)[a-zàâéèêîôûç]", text), (question, label, text[:120])  # no cut sentence
        assert not any("  " in line for line in text.split("\n")), (question, label)


def test_after_the_campaign_2024_dates_are_not_in_the_present_or_future():
    for question, label, reply in ROWS:
        if label.startswith("campagne terminée"):
            for sentence in re.split(r"(?<=[.:;])\s", reply.text):
                if "2024" in sentence:
                    assert not re.search(r"\b(est envoyé|sont envoyés|seront|sera envoyé|vont migrer|migrent|court jusqu)",
                                         sentence), (question, label, sentence)


def test_enseignement_be_never_after_the_campaign():
    for question, label, reply in ROWS:
        if label.startswith("campagne terminée") and "BMA@enseignement.be" in reply.text:
            pytest.fail(f"{question} / {label}: Enseignement.be offered after the campaign")


def test_a_migration_date_is_never_shown_before_email_3_announced_it():
    for question, label, reply in ROWS:
        if any(f", {phase}," in label for phase in ("not_started", "announced", "password_sent")):
            assert "migration prévue" not in reply.text and "est prévue le" not in reply.text, (question, label)


def test_one_email_named_one_email_searched():
    for question, label, reply in ROWS:
        if "Cherchez d'abord ces e-mails" in reply.text:
            assert "e-mail n°4" in reply.text, (question, label)


def test_facts_in_replies_are_the_catalogues():
    emails = {c.email for c in facts.CONTACTS.values()}
    for _question, _label, reply in ROWS:
        for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", reply.text):
            assert email in emails or email.endswith("@" + facts.ADDRESS_DOMAIN), email
        for url in re.findall(r"https?://\S+", reply.text):
            assert url.rstrip(").") in (facts.FORM_MODE, facts.FORM_HORS_MODE) or url.startswith("mailto"), url
