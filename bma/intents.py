"""The intent contract: every intent of domain.yml, once, with what the assistant does with it
(no Rasa import). The « Vouliez-vous dire… » labels, the answers by intent and the set of questions
that need the mailbox's address are derived from this table; ``tests/unit/test_intents.py`` fails
when domain.yml, the rules, the desk table (``bma.desks``) or this table disagree.

Adding an FAQ topic: docs/developers.md, « Adding an FAQ topic ».
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bma import answers, what_changes
from bma.replies import Reply


@dataclass(frozen=True)
class Intent:
    label: str | None  # the « Vouliez-vous dire » button (None: never offered)
    answer: Callable[..., Reply] | None = None  # the FAQ answer (action_answer_faq), by situation
    needs_address: bool = False  # the address form runs first, then the answer fits the mailbox


INTENTS: dict[str, Intent] = {
    # FAQ topics, answered by action_answer_faq
    "faq_bma_definition": Intent("Qu'est-ce qu'une BMA ?", answers.bma_definition),
    "faq_migration_reason": Intent("Pourquoi cette migration ?", answers.migration_reason),
    "faq_what_changes": Intent("Qu'est-ce qui change ?", lambda s: what_changes.what_changes(s, "overview")),
    "faq_migration_steps": Intent("Les étapes de la migration", answers.migration_steps),
    "faq_how_to_migrate": Intent("Que dois-je faire pour migrer ?", answers.how_to_migrate),
    "faq_lost_new_password": Intent("J'ai perdu le nouveau mot de passe", answers.lost_new_password, True),
    "faq_lost_old_password": Intent("Je n'ai plus mon ancien mot de passe", answers.lost_old_password, True),
    "faq_no_email_received": Intent("Je n'ai reçu aucun e-mail", answers.no_email_received, True),
    "faq_more_questions": Intent("Contacter l'équipe migration ou l'ETNIC", answers.more_questions),
    "faq_not_covered": Intent("Une autre question sur la migration", answers.not_covered),
    "check_migration_status": Intent("Où en est ma boîte ?", answers.migration_status, True),
    # « et pour un PO ? », « et après ? »: the topic answered last (bma/follow_up.py), by action_answer_faq
    "follow_up": Intent(None),
    # Conversation
    "greet": Intent("Dire bonjour"),
    "goodbye": Intent("Terminer la conversation"),
    "thanks": Intent("Remercier"),
    "affirm": Intent(None),
    "deny": Intent(None),
    "bot_challenge": Intent("Qui êtes-vous ?"),
    "human_handoff": Intent("Parler à une personne"),
    "request_ticket": Intent("Préparer un message pour le support"),
    "inform": Intent(None),
    "out_of_scope": Intent(None),
}

GENERAL_ANSWERS: dict[str, Callable[..., Reply]] = {name: i.answer for name, i in INTENTS.items() if i.answer}
STATE_DEPENDENT = frozenset(name for name, i in INTENTS.items() if i.needs_address)
INTENT_LABELS: dict[str, tuple[str, str]] = {name: (i.label, f"/{name}") for name, i in INTENTS.items() if i.label}
