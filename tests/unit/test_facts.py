"""The catalogue matches the official FAQ, and nothing the bot says states another fact."""
import datetime as dt
import re
from pathlib import Path

import yaml

from bma import answers, desks, facts, intents, prompts, secrets, tickets, what_changes
from bma.answers import Lookup, Situation
from bma.mailbox import Mailbox
from bma.phases import MailboxDates

ROOT = Path(__file__).resolve().parents[2]
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_RE = re.compile(r"\+32 \(0\)\d+ \d+(?:\.\d+)*")
URL_RE = re.compile(r"https?://[^\s)\]]+")


def test_contacts_are_in_the_faq(faq_text):
    for contact in facts.CONTACTS.values():
        assert contact.email in faq_text
        if contact.phone:
            assert contact.phone in faq_text
    assert facts.FORM_MODE in faq_text.replace("\\_", "_")
    assert facts.FORM_HORS_MODE in faq_text.replace("\\_", "_")


def test_dates_and_figures_are_in_the_faq(faq_text):
    assert "Entre le 01/10/24 et le 30/11/24" in faq_text
    assert facts.CAMPAIGN_START.strftime("%d/%m/%Y") in faq_text
    assert facts.CAMPAIGN_END.strftime("%d/%m/%Y") in faq_text
    assert "Environ 3500 boîtes" in faq_text and facts.MAILBOX_COUNT_TEXT == "environ 3500 boîtes"
    assert "multipliée par 25" in faq_text and "25 fois" in faq_text
    assert "entre le 7 et le 31 octobre 2024" in faq_text
    assert facts.EMAIL1_WINDOWS["po"] == (dt.date(2024, 10, 7), dt.date(2024, 10, 31))
    assert "entre le 4 et le 30 novembre 2024" in faq_text
    assert facts.EMAIL1_WINDOWS["ec"] == (dt.date(2024, 11, 4), dt.date(2024, 11, 30))
    assert "à partir du 4 octobre 2024" in faq_text and dt.date(2024, 10, 4) == facts.FIRST_EMAILS_FROM
    assert "Entre 3 et 12 semaines" in faq_text and facts.EMAIL3_DELAY_WEEKS == (3, 12)


def _all_bot_texts() -> list[str]:
    texts = []
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for variations in domain["responses"].values():
        texts += [v["text"] for v in variations]
    mailboxes = [
        Mailbox("ec000001@adm.cfwb.be", "ec", "000001", True, MailboxDates(dt.date(2024, 11, 4), dt.date(2024, 11, 11), dt.date(2024, 12, 2), dt.date(2024, 12, 9))),
        Mailbox("po000003@adm.cfwb.be", "po", "000003", False, MailboxDates()),
    ]
    for today in ("2024-09-01", "2024-10-15", "2024-11-05", "2024-11-12", "2024-12-05", "2026-11-27"):
        day = dt.date.fromisoformat(today)
        situations = [Situation(day), Situation(day, Lookup.NOT_FOUND, "ec9@adm.cfwb.be"), Situation(day, Lookup.UNAVAILABLE, "ec9@adm.cfwb.be")]
        situations += [Situation(day, Lookup.FOUND, m.address, m) for m in mailboxes]
        for situation in situations:
            texts += [answer(situation).text for answer in intents.GENERAL_ANSWERS.values()]
            texts += [what_changes.what_changes(situation, topic).text for topic in what_changes.CHANGE_TOPICS]
        for contacts in ((facts.SGNE,), (facts.ETNIC,), (facts.ENSEIGNEMENT_BE,), (facts.SGNE, facts.ETNIC)):
            texts.append(answers.handoff(Situation(day), contacts, not_understood=True).text)
    texts += [reply.text for reply in prompts.ASK.values()]
    texts += [prompts.DEFAULT_FALLBACK.text, prompts.TICKET_CANCELLED.text, prompts.GREETING.text]
    for contact in facts.CONTACTS.values():
        draft = tickets.draft(route=desks.Route(contact, "raison"), last_name="Dupont", first_name="Anne",
                              address="ec000001@adm.cfwb.be", description="Aucun e-mail reçu")
        texts.append(tickets.reply(draft, 12).text)
    return texts


def _channel_and_page_texts() -> list[str]:
    """What the channels, the web page and the widget can show besides the answers."""
    from channels import guard, web
    from web.app import render_index

    texts = [guard.EMPTY_FR, guard.TOO_LONG_FR, guard.NOT_TEXT_FR, secrets.WARNING_FR, web.FAILURE_FR]
    for demo in (False, True):
        texts.append(re.sub(r"<[^>]+>", " ", render_index(demo)))
    texts += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "web/static").glob("*.js"))]
    return texts


def test_the_page_and_the_channels_state_only_catalogued_facts():
    emails = {c.email.lower() for c in facts.CONTACTS.values()}
    phones = {c.phone for c in facts.CONTACTS.values() if c.phone}
    dates = {facts.CAMPAIGN_START.strftime("%d/%m/%Y"), facts.CAMPAIGN_END.strftime("%d/%m/%Y")}
    texts = _channel_and_page_texts()
    joined = "\n".join(texts)
    assert "{{" not in joined  # every placeholder of the page filled
    for text in texts:
        for email in EMAIL_RE.findall(text):
            assert "XXXXXX" in email or email.lower() in emails, email
        for phone in PHONE_RE.findall(text):
            assert phone in phones, phone
        for date in re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text):
            assert date in dates, date
    assert facts.SGNE.email in joined and facts.ADDRESS_PATTERNS["ec"] in joined and facts.CAMPAIGN_START.strftime("%d/%m/%Y") in joined


def test_every_contact_link_and_phone_the_bot_states_is_in_the_catalogue():
    emails = {c.email.lower() for c in facts.CONTACTS.values()}
    phones = {c.phone for c in facts.CONTACTS.values() if c.phone}
    urls = {facts.FORM_MODE, facts.FORM_HORS_MODE}
    texts = _all_bot_texts()
    assert len(texts) > 200
    seen_emails, seen_phones, seen_urls = set(), set(), set()
    for text in texts:
        for email in EMAIL_RE.findall(text):
            if "XXXXXX" in email or re.fullmatch(r"(ec|po)\d+@adm\.cfwb\.be", email):
                continue
            assert email.lower() in emails, (email, text)
            seen_emails.add(email.lower())
        for phone in PHONE_RE.findall(text):
            assert phone in phones, (phone, text)
            seen_phones.add(phone)
        for url in URL_RE.findall(text):
            assert url in urls, (url, text)
            seen_urls.add(url)
    # Every catalogued contact is actually given somewhere.
    assert seen_emails == emails and seen_phones == phones and seen_urls == urls


def test_no_broken_link_is_ever_shown():
    for text in _all_bot_texts():
        assert "webmail@adm" not in text
        assert "](#)" not in text


def test_french_dates():
    assert facts.french_date(dt.date(2024, 11, 5)) == "5 novembre 2024"
    assert facts.french_date(dt.date(2024, 10, 1)) == "1er octobre 2024"
