"""One desk per case: every question × every mailbox situation × every period (before, during, after
the campaign) walked through the desk table (bma/desks.py), the answers, the quick replies, the
hand-off and the prepared message (ticket) — and the table of docs/desks.md is the code's."""
import datetime as dt
import re
from pathlib import Path

import pytest

from bma import answers, desks, facts, intents, what_changes
from bma.answers import Lookup, Situation
from bma.mailbox import Mailbox
from bma.phases import MailboxDates, Phase
from bma.replies import Q_TICKET

ROOT = Path(__file__).resolve().parents[2]
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DESK_EMAILS = {c.email for c in facts.CONTACTS.values()}
EC = MailboxDates(dt.date(2024, 11, 4), dt.date(2024, 11, 11), dt.date(2024, 12, 2), dt.date(2024, 12, 9))
PO = MailboxDates(dt.date(2024, 10, 7), dt.date(2024, 10, 14), dt.date(2024, 11, 4), dt.date(2024, 11, 11))
NOTHING = MailboxDates()
# (kind, dates, reference days): each phase, and for « not started » each e-mail-1 window state.
DAYS = {
    "ec": (EC, ["2024-11-01", "2024-11-05", "2024-11-20", "2024-12-03", "2024-12-10"]),
    "po": (PO, ["2024-10-01", "2024-10-08", "2024-10-20", "2024-11-05", "2024-11-12"]),
}


def situations():
    """Every column × period: no address, registry down or empty, unknown address, nothing sent, each
    phase of ec/po (MODE, hors MODE, unknown), before, during and after the campaign — after by its
    end date, and by every mailbox of the registry having migrated (§3)."""
    for today in ("2024-09-20", "2024-10-15", "2024-11-20", "2026-11-29"):
        day = dt.date.fromisoformat(today)
        for all_migrated in ((None, True) if today == "2024-11-20" else (None,)):
            yield Situation(day, all_migrated=all_migrated)
            yield Situation(day, Lookup.UNAVAILABLE, "ec000009@adm.cfwb.be", all_migrated=all_migrated)
            yield Situation(day, Lookup.NO_REGISTRY, "ec000009@adm.cfwb.be", all_migrated=all_migrated)
            yield Situation(day, Lookup.NOT_FOUND, "ec000009@adm.cfwb.be", all_migrated=all_migrated)
            for kind in ("ec", "po"):  # nothing sent: window ahead, open, over
                mailbox = Mailbox(f"{kind}000003@adm.cfwb.be", kind, "000003", True, NOTHING)
                yield Situation(day, Lookup.FOUND, mailbox.address, mailbox, all_migrated=all_migrated)
    for kind, (dates, days) in DAYS.items():
        for in_mode in (True, False, None):
            mailbox = Mailbox(f"{kind}000123@adm.cfwb.be", kind, "000123", in_mode, dates)
            for today in [*days, "2026-12-06"]:
                for all_migrated in (None, True):
                    yield Situation(dt.date.fromisoformat(today), Lookup.FOUND, mailbox.address, mailbox,
                                    all_migrated=all_migrated)


def replies_for(intent, situation):
    if intent == "faq_what_changes":  # the sub-answers that name a desk are checked apart (below)
        return [what_changes.what_changes(situation, topic) for topic in what_changes.CHANGE_TOPICS
                if topic not in ("not_in_faq", "contact_point")]
    if intent in ("faq_more_questions", "faq_not_covered"):
        return [intents.GENERAL_ANSWERS[intent](situation, technical_first=t) for t in (False, True)]
    return [intents.GENERAL_ANSWERS[intent](situation)]


def desk_emails(text):
    return {e for e in EMAIL_RE.findall(text) if e in DESK_EMAILS}


CASES = [(intent, s) for intent in desks.TABLE for s in situations()]


def test_the_table_covers_every_question_of_the_answers():
    assert set(desks.TABLE) == set(intents.GENERAL_ANSWERS) == set(desks.TABLE_AFTER)
    assert len(CASES) >= 11 * 40
    walked = {(s.period, desks.column(s.phase, s.lookup is Lookup.NOT_FOUND, s.nothing_sent,
                                      answers.desk_where(s)["state_unknown"])) for s in situations()}
    assert {p for p, _ in walked} == set(desks.PERIODS)
    assert {c for _, c in walked} == set(desks.COLUMNS)


@pytest.mark.parametrize("intent, situation", CASES, ids=[f"{i}-{s.lookup.value}-{s.phase}-{s.today}" for i, s in CASES])
def test_answers_give_exactly_the_tables_contacts(intent, situation):
    cell = answers.desk_case(intent, situation)
    for reply in replies_for(intent, situation):
        assert desk_emails(reply.text) == {c.email for c in cell.contacts}, (cell, reply.text)
        assert reply.buttons, reply.text  # never a dead end


@pytest.mark.parametrize("intent, situation", CASES, ids=[f"{i}-{s.lookup.value}-{s.phase}-{s.today}" for i, s in CASES])
def test_the_prepared_message_goes_to_the_tables_desk(intent, situation):
    cell = desks.case(intent, situation.phase, **answers.desk_where(situation))
    for description, open_desk in (("je ne sais pas quoi faire", facts.SGNE), ("Outlook affiche une erreur", facts.ETNIC)):
        desk = desks.route(intent, situation.phase, description, **answers.desk_where(situation)).contact
        assert desk == (cell.ticket or open_desk)
    for reply in replies_for(intent, situation):
        if Q_TICKET in reply.buttons and cell.ticket:
            # The desk the answer names is the one the prepared message goes to.
            assert cell.ticket.email in reply.text


@pytest.mark.parametrize("intent", [*desks.TABLE, None, "human_handoff"])
def test_handoff_names_the_desk_of_the_question_asked_last(intent):
    for situation in situations():
        contacts = desks.handoff_contacts(intent, situation.phase, situation.lookup is Lookup.NOT_FOUND,
                                          **answers.desk_where(situation))
        reply = answers.handoff(situation, contacts, not_understood=False, intent=intent)
        expected = {c.email for c in contacts} | ({facts.SGNE.email} if situation.lookup is Lookup.NOT_FOUND else set())
        assert desk_emails(reply.text) == expected, reply.text
        cell = answers.desk_case(intent, situation) if intent else None
        if cell and cell.contacts:
            assert contacts == cell.contacts


def test_faq_rules_hold_in_the_table():
    sgne, etnic, ens = facts.SGNE, facts.ETNIC, facts.ENSEIGNEMENT_BE
    during, over = desks.PERIODS[1], desks.PERIODS[2]
    for phase in Phase:
        if phase is Phase.UNKNOWN:
            continue
        assert desks.case("faq_lost_new_password", phase, period=during).ticket is etnic  # §6
        assert desks.case("faq_lost_new_password", phase, period=during, nothing_sent=True).ticket is (
            sgne if phase is Phase.NOT_STARTED else etnic)  # §8: nothing sent, no password either
        assert desks.case("faq_lost_old_password", phase, period=during).ticket is (
            ens if phase is Phase.NOT_STARTED else sgne)  # §7
        assert desks.case("faq_no_email_received", phase, period=during).ticket is sgne  # §8
        for period in desks.PERIODS:
            assert set(desks.case("faq_more_questions", phase, period=period).contacts) == {sgne, etnic}  # §9: both
        # §3: once the campaign is over, password recovery goes to the ETNIC Service Desk; a mailbox the
        # registry shows still on its way (e-mails sent, not migrated) is a process question: the SGNE.
        for intent in desks.PASSWORD_INTENTS:
            if phase is Phase.MIGRATED:
                assert desks.case(intent, phase, period=over).contacts == (etnic,)
            elif phase is Phase.NOT_STARTED:
                assert desks.case(intent, phase, period=over).contacts == (sgne,)
            else:  # still on its way: the campaign's rule for its phase
                assert desks.case(intent, phase, period=over) == desks.case(intent, phase, period=during)
            assert desks.case(intent, None, period=over).contacts == (etnic,)
    # Enseignement.be only for a mailbox whose migration has not started, and never after the campaign.
    assert ens not in {c for row in desks.TABLE.values() for col, cell in row.items()
                       if col not in (desks.GENERAL, desks.STATE_UNKNOWN, desks.NOT_FOUND, desks.NOTHING_SENT,
                                      Phase.NOT_STARTED.value)
                       for c in cell.contacts}
    assert ens not in {c for row in desks.TABLE_AFTER.values() for cell in row.values() for c in cell.contacts}


@pytest.mark.parametrize("today, all_migrated, expected", [
    ("2024-09-30", None, "before"), ("2024-10-01", None, "during"), ("2024-11-30", None, "during"),
    ("2024-11-30", True, "over"), ("2024-12-01", None, "over"), ("2026-12-06", False, "over"),
])
def test_the_period_follows_the_date_and_the_registry(today, all_migrated, expected):
    assert desks.period_of(dt.date.fromisoformat(today), all_migrated).value == expected


def test_the_docs_show_the_code_table():
    # « One desk per case » (moved out of the README, issue #23); the README links to it.
    page = (ROOT / "docs" / "desks.md").read_text(encoding="utf-8")
    assert desks.markdown_table() in page, "docs/desks.md out of date: paste `python -m bma.desks`"
    assert "docs/desks.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("situation", list(situations())[:40:3])
def test_what_changes_sub_answers_that_name_a_desk(situation):
    # A detail the FAQ does not give is technical (§9): the ETNIC Service Desk, nobody else.
    assert desk_emails(what_changes.what_changes(situation, "not_in_faq").text) == {facts.ETNIC.email}
    # The new point of contact (§3): after the campaign, the ETNIC Service Desk with its address.
    expected = {facts.ETNIC.email} if situation.over else set()
    assert desk_emails(what_changes.what_changes(situation, "contact_point").text) == expected


@pytest.mark.parametrize("text, first", [
    ("le téléphone de l'ETNIC ?", facts.ETNIC), ("numéro du service desk", facts.ETNIC),
    ("comment joindre l'équipe migration du SGNE", facts.SGNE), ("j'ai encore une question", facts.SGNE),
    ("Outlook affiche une erreur", facts.ETNIC),
])
def test_the_desk_asked_for_comes_first(text, first):
    assert desks.desk_first(text) is first
    reply = answers.more_questions(Situation(dt.date(2026, 12, 6)), technical_first=first is facts.ETNIC)
    assert reply.text.index(first.email) < reply.text.index((facts.SGNE if first is facts.ETNIC else facts.ETNIC).email)
