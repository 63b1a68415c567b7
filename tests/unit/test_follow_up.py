"""Follow-ups keep the topic (bma/follow_up.py)."""
import pytest

from bma.follow_up import resolve


@pytest.mark.parametrize("previous, text, expected", [
    ("faq_how_to_migrate", "et pour un PO ?", "faq_how_to_migrate"),
    ("faq_migration_steps", "et après ?", "faq_migration_steps"),
    ("faq_lost_new_password", "et si je ne l'ai pas reçu ?", "faq_no_email_received"),
    ("faq_how_to_migrate", "et si je ne l'ai jamais reçu ?", "faq_no_email_received"),
    ("faq_lost_new_password", "et pour l'ancien ?", "faq_lost_old_password"),
    ("faq_no_email_received", "et pour l'ancien mot de passe ?", "faq_lost_old_password"),
    ("faq_lost_old_password", "et le nouveau ?", "faq_lost_new_password"),
    ("faq_how_to_migrate", "et si je l'ai supprimé ?", "faq_lost_new_password"),
    ("faq_what_changes", "et pour une école ?", "faq_what_changes"),
    ("check_migration_status", "et ensuite ?", "check_migration_status"),
    (None, "et pour un PO ?", None),
    ("greet", "et après ?", None),
])
def test_a_follow_up_keeps_or_names_the_topic(previous, text, expected):
    assert resolve(previous, text) == expected
