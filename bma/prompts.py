"""What the forms ask, and the few fixed turns spoken by actions (no Rasa import)."""
from __future__ import annotations

from bma import facts
from bma.replies import Q_CONTACTS, Q_HOW, Q_STATUS, Reply

ASK = {
    "bma_address": Reply(
        f"Quelle est l'adresse de votre BMA ? Elle s'écrit {facts.ADDRESS_PATTERNS['ec']} (école) ou "
        f"{facts.ADDRESS_PATTERNS['po']} (pouvoir organisateur). N'indiquez jamais de mot de passe.",
        [("Je ne la connais pas", "/deny")],
    ),
    "ticket_last_name": Reply(
        "Je prépare votre message pour le bon service. Quel est votre nom de famille ?",
        [("Annuler", "/deny")],
    ),
    "ticket_first_name": Reply("Et votre prénom ?", [("Annuler", "/deny")]),
    "ticket_description": Reply(
        "Décrivez votre problème en une phrase (sans jamais indiquer de mot de passe).",
        [("Annuler", "/deny")],
    ),
}

GREETING = Reply(
    "Bonjour ! Je suis l'assistant automatique (pas une personne) de la migration des boîtes mail "
    "administratives (BMA) vers la nouvelle interface. Je réponds aux questions de la FAQ officielle et, avec "
    "l'adresse de votre BMA, je vous dis où en est votre boîte. Je ne vous demanderai jamais de mot de passe : "
    "ne l'écrivez jamais ici.",
    [Q_STATUS, Q_HOW, ("Mot de passe perdu", "/faq_lost_new_password")],
)

TICKET_CANCELLED = Reply("D'accord, je n'envoie rien. Que puis-je faire d'autre pour vous ?", [Q_STATUS, Q_HOW])

DEFAULT_FALLBACK = Reply(
    "Je n'ai pas compris votre demande. Pour une question sur la migration de votre BMA, contactez "
    f"{facts.SGNE.name} :\n{facts.contact_lines(facts.SGNE)}",
    [Q_STATUS, Q_CONTACTS],
)
