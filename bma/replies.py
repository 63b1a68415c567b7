"""The shape of an answer: French text plus quick replies (no Rasa import)."""
from __future__ import annotations

from dataclasses import dataclass, field

# Quick replies: intent payloads are deterministic (no NLU guess on a click).
Q_REASON = ("Pourquoi cette migration ?", "/faq_migration_reason")
Q_WHAT_CHANGES = ("Qu'est-ce qui change ?", "/faq_what_changes")


def what_changes_button(title: str, topic: str) -> tuple[str, str]:
    return (title, '/faq_what_changes{"change_topic": "%s"}' % topic)


Q_STEPS = ("Les étapes", "/faq_migration_steps")
Q_HOW = ("Que dois-je faire ?", "/faq_how_to_migrate")
Q_NEW_PASSWORD = ("Nouveau mot de passe perdu", "/faq_lost_new_password")
Q_OLD_PASSWORD = ("Ancien mot de passe perdu", "/faq_lost_old_password")
Q_NO_EMAIL = ("Je n'ai reçu aucun e-mail", "/faq_no_email_received")
Q_STATUS = ("Où en est ma boîte ?", "/check_migration_status")
Q_CONTACTS = ("Contacter quelqu'un", "/faq_more_questions")
Q_TICKET = ("Préparer mon message", "/request_ticket")
Q_NONE = ("Aucune de ces propositions", "/deny")


@dataclass
class Reply:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def as_buttons(self) -> list[dict]:
        return [{"title": title, "payload": payload} for title, payload in self.buttons]
