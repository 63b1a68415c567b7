"""French labels of the intents, for « Vouliez-vous dire… » (no Rasa import)."""
from __future__ import annotations

from actions.replies import Q_WHAT_CHANGES

# intent -> (label shown on the button, payload sent back)
INTENT_LABELS: dict[str, tuple[str, str]] = {
    "faq_bma_definition": ("Qu'est-ce qu'une BMA ?", "/faq_bma_definition"),
    "faq_migration_reason": ("Pourquoi cette migration ?", "/faq_migration_reason"),
    "faq_what_changes": Q_WHAT_CHANGES,
    "faq_migration_steps": ("Les étapes de la migration", "/faq_migration_steps"),
    "faq_how_to_migrate": ("Que dois-je faire pour migrer ?", "/faq_how_to_migrate"),
    "faq_lost_new_password": ("J'ai perdu le nouveau mot de passe", "/faq_lost_new_password"),
    "faq_lost_old_password": ("Je n'ai plus mon ancien mot de passe", "/faq_lost_old_password"),
    "faq_no_email_received": ("Je n'ai reçu aucun e-mail", "/faq_no_email_received"),
    "faq_more_questions": ("Contacter l'équipe migration ou l'ETNIC", "/faq_more_questions"),
    "faq_not_covered": ("Une autre question sur la migration", "/faq_not_covered"),
    "check_migration_status": ("Où en est ma boîte ?", "/check_migration_status"),
    "human_handoff": ("Parler à une personne", "/human_handoff"),
    "bot_challenge": ("Qui êtes-vous ?", "/bot_challenge"),
    "greet": ("Dire bonjour", "/greet"),
    "thanks": ("Remercier", "/thanks"),
    "goodbye": ("Terminer la conversation", "/goodbye"),
    "request_ticket": ("Préparer un message pour le support", "/request_ticket"),
}
MAX_CANDIDATES = 3
# Candidates below this confidence are noise, not suggestions.
MIN_CANDIDATE_CONFIDENCE = 0.05


def candidate_buttons(intent_ranking: list[dict]) -> list[tuple[str, str]]:
    """Up to three labelled candidates from Rasa's ``intent_ranking``, best first."""
    buttons: list[tuple[str, str]] = []
    for candidate in intent_ranking:
        name = candidate.get("name")
        if name in INTENT_LABELS and (candidate.get("confidence") or 0) >= MIN_CANDIDATE_CONFIDENCE:
            buttons.append(INTENT_LABELS[name])
        if len(buttons) == MAX_CANDIDATES:
            break
    if not buttons:
        buttons = [INTENT_LABELS["faq_how_to_migrate"], INTENT_LABELS["check_migration_status"]]
    return buttons
