"""Follow-ups keep the topic (no Rasa import): « et pour un PO ? », « et après ? », « et si je ne
l'ai pas reçu ? » are answered from the topic answered last (the slot ``topic``), unless their own
words name another FAQ topic."""
from __future__ import annotations

import re

from bma.replies import ASSISTANT, Q_CONTACTS, Q_HOW, Q_STATUS, Reply
from bma.text import plain

FOLLOW_UP = "follow_up"
TOPICS = frozenset({
    "faq_bma_definition", "faq_migration_reason", "faq_what_changes", "faq_migration_steps", "faq_how_to_migrate",
    "faq_lost_new_password", "faq_lost_old_password", "faq_no_email_received", "faq_more_questions",
    "faq_not_covered", "check_migration_status"})
NOT_RECEIVED = re.compile(r"\b(pas|jamais|rien|aucun|toujours pas)\b.{0,25}\b(recu|eu|arrive|re[cç]oi)")
LOST = re.compile(r"\b(perdu|oubli|egare|supprime|efface|jete|plus retrouv|retrouve pas|ne trouve pas)")
OLD = re.compile(r"\bancien")
NEW = re.compile(r"\bnouveau|\bnouvelle")
PASSWORD_NAMED = re.compile(r"\b(ancien|nouveau)\b.{0,6}\b(mot de passe|mdp|code)")
# After these answers, a lost « it » is the new password of e-mail n°2 (§5, §6).
ABOUT_THE_EMAILS = {"faq_how_to_migrate", "faq_migration_steps", "faq_what_changes", "faq_no_email_received"}

UNCLEAR = Reply(
    "Pouvez-vous préciser votre question ? Je réponds aux questions sur la migration de votre BMA.",
    [Q_HOW, Q_STATUS, Q_CONTACTS], [ASSISTANT],
)


def resolve(previous: str | None, text: str) -> str | None:
    """The FAQ topic a follow-up asks about, or None when there is no topic to follow."""
    words = plain(text)
    if NOT_RECEIVED.search(words):
        return "faq_no_email_received"
    if PASSWORD_NAMED.search(words):  # « et pour l'ancien mot de passe ? » whatever came before
        return "faq_lost_old_password" if OLD.search(words) else "faq_lost_new_password"
    if previous in ("faq_lost_new_password", "faq_lost_old_password") or LOST.search(words):
        if OLD.search(words):
            return "faq_lost_old_password"
        if NEW.search(words):
            return "faq_lost_new_password"
        if LOST.search(words) and previous in ABOUT_THE_EMAILS:
            return "faq_lost_new_password"
    return previous if previous in TOPICS else None
