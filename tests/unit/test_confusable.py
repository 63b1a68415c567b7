"""Close confusable pairs get « Vouliez-vous dire… » with exactly those two (bma/confusable.py, bma/labels.py)."""
from bma.confusable import disputed, is_close_pair
from bma.labels import buttons_for, candidate_buttons


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_a_close_confusable_pair_is_detected():
    assert is_close_pair(ranking(("faq_lost_new_password", 0.48), ("faq_lost_old_password", 0.45), ("greet", 0.02)))


def test_a_distant_pair_or_an_unrelated_one_is_not():
    assert not is_close_pair(ranking(("faq_lost_new_password", 0.8), ("faq_lost_old_password", 0.15)))
    assert not is_close_pair(ranking(("faq_lost_new_password", 0.45), ("greet", 0.44)))


def test_the_fallback_entry_of_the_ranking_is_ignored():
    assert is_close_pair(ranking(("nlu_fallback", 0.48), ("faq_lost_new_password", 0.48), ("faq_lost_old_password", 0.45)))


def test_two_buttons_for_the_pair():
    buttons = candidate_buttons(ranking(("faq_lost_new_password", 0.48), ("faq_lost_old_password", 0.45),
                                        ("faq_no_email_received", 0.06)), limit=2)
    assert [payload for _, payload in buttons] == ["/faq_lost_new_password", "/faq_lost_old_password"]


ASKABLE = frozenset({"faq_lost_new_password", "faq_no_email_received", "faq_how_to_migrate", "faq_migration_steps"})


def same_answer(a, b):
    return a == b or {a, b} == {"faq_how_to_migrate", "faq_migration_steps"}


def test_a_second_opinion_is_heard_when_the_best_is_unsure_and_it_names_another_answer():
    unsure = ranking(("faq_lost_new_password", 0.62), ("faq_no_email_received", 0.2))
    assert disputed(unsure, "faq_no_email_received", ASKABLE, same_answer) == "faq_no_email_received"
    assert disputed(unsure, "out_of_scope", ASKABLE, same_answer) is None  # not offered
    assert disputed([{"name": "nlu_fallback", "confidence": 0.62}, *unsure], "faq_no_email_received", ASKABLE,
                    same_answer) == "faq_no_email_received"


def test_a_second_opinion_is_not_heard_when_sure_agreeing_or_off_topic():
    assert disputed(ranking(("faq_lost_new_password", 0.8), ("faq_no_email_received", 0.1)), "faq_no_email_received",
                    ASKABLE, same_answer) is None  # at the threshold: sure enough
    assert disputed(ranking(("faq_lost_new_password", 0.5)), "faq_lost_new_password", ASKABLE, same_answer) is None
    assert disputed(ranking(("faq_how_to_migrate", 0.5)), "faq_migration_steps", ASKABLE, same_answer) is None  # same answer
    assert disputed(ranking(("greet", 0.5)), "faq_lost_new_password", ASKABLE, same_answer) is None
    assert disputed(ranking(("faq_lost_new_password", 0.5)), "thanks", ASKABLE, same_answer) is None
    assert disputed(ranking(("faq_lost_new_password", 0.7)), "faq_no_email_received", ASKABLE, same_answer, below=0.6) is None
    assert disputed([], "faq_lost_new_password", ASKABLE, same_answer) is None


def test_the_chosen_intents_become_their_buttons_in_order_out_of_scope_left_to_none_of_these():
    assert [p for _, p in buttons_for(["faq_no_email_received", "faq_lost_new_password"])] == [
        "/faq_no_email_received", "/faq_lost_new_password"]
    assert [p for _, p in buttons_for(["faq_what_changes", "out_of_scope"])] == ["/faq_what_changes"]
