"""The answer-level verdicts of the sealed NLU gate (evaluation/sealed.py, scripts/nlu_sealed_gate.py), on made-up decisions."""
from evaluation.sealed import judge

NEW = ("faq_lost_new_password", None)
NO_MAIL = ("faq_no_email_received", None)
STORAGE = ("faq_what_changes", "storage")


def test_the_needed_answer_is_answered():
    assert judge([NEW], [{"topic": "ask_bma_address"}, {"topic": "faq_lost_new_password"}]) == "answered"


def test_how_to_migrate_and_the_steps_serve_each_other():
    assert judge([("faq_migration_steps", None)], [{"topic": "faq_how_to_migrate"}]) == "answered"


def test_a_sub_answer_of_section_3_must_be_the_one_asked():
    assert judge([STORAGE], [{"topic": "faq_what_changes", "sub": "storage"}]) == "answered"
    assert judge([STORAGE], [{"topic": "faq_what_changes", "sub": "forwarding"}]) == "confident_wrong"


def test_a_question_the_faq_does_not_answer_needs_the_honest_reply():
    assert judge([("faq_not_covered", None)], [{"topic": "faq_what_changes", "sub": "not_in_faq"}]) == "answered"
    assert judge([("faq_not_covered", None)], [{"topic": "faq_migration_steps"}]) == "confident_wrong"
    # and the other way round: a detail of the new box the FAQ does not give, answered « not covered »
    assert judge([("faq_what_changes", "not_in_faq")], [{"topic": "faq_not_covered"}]) == "answered"
    assert judge([("faq_what_changes", "not_in_faq")], [{"topic": "faq_what_changes", "sub": "storage"}]) == "confident_wrong"
    assert judge([("faq_what_changes", "storage")], [{"topic": "faq_not_covered"}]) == "confident_wrong"


def test_two_questions_need_both_answers_or_the_second_one_click_away():
    assert judge([NEW, NO_MAIL], [{"topic": "faq_lost_new_password"}]) == "other"
    offered = [{"topic": "faq_lost_new_password"}, {"topic": "second_question", "offers": ["/faq_no_email_received"]}]
    assert judge([NEW, NO_MAIL], offered) == "offered"
    assert judge([NEW, NO_MAIL], [{"topic": "faq_lost_new_password"}, {"topic": "faq_no_email_received"}]) == "answered"


def test_a_clarification_is_not_confidently_wrong():
    clarify = [{"topic": "clarify", "offers": ["/faq_lost_old_password", "/faq_lost_new_password", "/deny"]}]
    assert judge([NEW], clarify) == "offered"
    assert judge([NO_MAIL], clarify) == "other"


def test_another_topics_answer_is_confidently_wrong():
    assert judge([NEW], [{"topic": "ask_bma_address"}, {"topic": "faq_lost_old_password"}]) == "confident_wrong"
