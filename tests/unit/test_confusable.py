"""Close confusable pairs get « Vouliez-vous dire… » with exactly those two (bma/confusable.py, bma/labels.py)."""
from bma.confusable import is_close_pair
from bma.labels import candidate_buttons


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
