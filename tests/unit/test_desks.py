"""One desk per case: every question × every phase walked through the desk table (actions/desks.py),
the answers, the quick replies, the hand-off and the prepared message (ticket) — and the README's
table is the code's."""
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
    """Every column: no address, registry down, unknown address, each phase of ec/po, MODE or not."""
    for today in ("2024-09-20", "2024-10-15", "2024-11-20", "2026-11-29"):
        day = dt.date.fromisoformat(today)
        yield Situation(day)
        yield Situation(day, Lookup.UNAVAILABLE, "ec000009@adm.cfwb.be")
        yield Situation(day, Lookup.NOT_FOUND, "ec000009@adm.cfwb.be")
        for kind in ("ec", "po"):  # nothing sent: window ahead, open, over
            mailbox = Mailbox(f"{kind}000003@adm.cfwb.be", kind, "000003", True, NOTHING)
            yield Situation(day, Lookup.FOUND, mailbox.address, mailbox)
    for kind, (dates, days) in DAYS.items():
        for in_mode in (True, False):
            mailbox = Mailbox(f"{kind}000123@adm.cfwb.be", kind, "000123", in_mode, dates)
            for today in days:
                yield Situation(dt.date.fromisoformat(today), Lookup.FOUND, mailbox.address, mailbox)


def replies_for(intent, situation):
    if intent == "faq_what_changes":
        return [what_changes.what_changes(situation, topic) for topic in what_changes.CHANGE_TOPICS]
    if intent in ("faq_more_questions", "faq_not_covered"):
        return [intents.GENERAL_ANSWERS[intent](situation, technical_first=t) for t in (False, True)]
    return [intents.GENERAL_ANSWERS[intent](situation)]


def desk_emails(text):
    return {e for e in EMAIL_RE.findall(text) if e in DESK_EMAILS}


CASES = [(intent, s) for intent in desks.TABLE for s in situations()]


def test_the_table_covers_every_question_of_the_answers():
    assert set(desks.TABLE) == set(intents.GENERAL_ANSWERS)
    assert len(CASES) >= 11 * 40


@pytest.mark.parametrize("intent, situation", CASES, ids=[f"{i}-{s.lookup.value}-{s.phase}-{s.today}" for i, s in CASES])
def test_answers_give_exactly_the_tables_contacts(intent, situation):
    cell = desks.case(intent, situation.phase, situation.lookup is Lookup.NOT_FOUND)
    for reply in replies_for(intent, situation):
        assert desk_emails(reply.text) == {c.email for c in cell.contacts}, (cell, reply.text)
        assert reply.buttons, reply.text  # never a dead end


@pytest.mark.parametrize("intent, situation", CASES, ids=[f"{i}-{s.lookup.value}-{s.phase}-{s.today}" for i, s in CASES])
def test_the_prepared_message_goes_to_the_tables_desk(intent, situation):
    cell = desks.case(intent, situation.phase)
    for description, open_desk in (("je ne sais pas quoi faire", facts.SGNE), ("Outlook affiche une erreur", facts.ETNIC)):
        desk = desks.route(intent, situation.phase, description).contact
        assert desk == (cell.ticket or open_desk)
    for reply in replies_for(intent, situation):
        if Q_TICKET in reply.buttons and cell.ticket:
            # The desk the answer names is the one the prepared message goes to.
            assert cell.ticket.email in reply.text


@pytest.mark.parametrize("intent", [*desks.TABLE, None, "human_handoff"])
def test_handoff_names_the_desk_of_the_question_asked_last(intent):
    for situation in situations():
        contacts = desks.handoff_contacts(intent, situation.phase, situation.lookup is Lookup.NOT_FOUND)
        reply = answers.handoff(situation, contacts, not_understood=False)
        expected = {c.email for c in contacts} | ({facts.SGNE.email} if situation.lookup is Lookup.NOT_FOUND else set())
        assert desk_emails(reply.text) == expected, reply.text
        cell = desks.case(intent, situation.phase, situation.lookup is Lookup.NOT_FOUND)
        if cell and cell.contacts:
            assert contacts == cell.contacts


def test_faq_rules_hold_in_the_table():
    sgne, etnic, ens = facts.SGNE, facts.ETNIC, facts.ENSEIGNEMENT_BE
    for phase in Phase:
        if phase is Phase.UNKNOWN:
            continue
        assert desks.case("faq_lost_new_password", phase).ticket is etnic  # §6
        assert desks.case("faq_lost_old_password", phase).ticket is (ens if phase is Phase.NOT_STARTED else sgne)  # §7
        assert desks.case("faq_no_email_received", phase).ticket is sgne  # §8
        assert set(desks.case("faq_more_questions", phase).contacts) == {sgne, etnic}  # §9: both
    assert ens not in {c for row in desks.TABLE.values() for col, cell in row.items()
                       if col not in (desks.GENERAL, desks.NOT_FOUND, Phase.NOT_STARTED.value) for c in cell.contacts}


def test_readme_shows_the_code_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert desks.markdown_table() in readme, "README out of date: paste `python -m bma.desks`"
