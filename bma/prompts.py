"""What the forms ask, and the few fixed turns spoken by actions (no Rasa import)."""
from __future__ import annotations

from bma import facts
from bma.replies import ASSISTANT, DEMO, Q_CONTACTS, Q_HOW, Q_NEW_PASSWORD, Q_OLD_PASSWORD, Q_STATUS, Reply, Source, faq

ASK = {
    "bma_address": Reply(
        f"Quelle est l'adresse de votre BMA ? Elle s'écrit {facts.ADDRESS_PATTERNS['ec']} (école) ou "
        f"{facts.ADDRESS_PATTERNS['po']} (pouvoir organisateur). N'indiquez jamais de mot de passe.",
        [("Je ne la connais pas", "/deny")], [ASSISTANT],
    ),
    "ticket_last_name": Reply(
        "Je prépare votre message pour le bon service. Quel est votre nom de famille ?",
        [("Annuler", "/deny")], [ASSISTANT],
    ),
    "ticket_first_name": Reply("Quel est votre prénom ?", [("Annuler", "/deny")], [ASSISTANT]),
    "ticket_description": Reply(
        "Décrivez votre problème en une phrase (sans jamais indiquer de mot de passe).",
        [("Annuler", "/deny")], [ASSISTANT],
    ),
}

GREETING_TEXT = (
    "Bonjour. Je suis l'assistant automatique (pas une personne) de la migration des boîtes mail "
    "administratives (BMA) vers la nouvelle interface. Je réponds aux questions de la FAQ officielle et, avec "
    "l'adresse de votre BMA, je consulte le registre de la migration pour vous dire où en est votre boîte. "
    "Je ne vous demanderai jamais de mot de passe : ne l'écrivez jamais ici."
)
# « Mot de passe perdu » is two questions in the FAQ (§6, §7): the user chooses.
GREETING_BUTTONS = [Q_STATUS, Q_HOW, Q_NEW_PASSWORD, Q_OLD_PASSWORD]
GREETING = Reply(GREETING_TEXT, GREETING_BUTTONS, [ASSISTANT])
DEMO_NOTE = (
    "Attention : ce service utilise des données de démonstration. L'état des boîtes qu'il "
    "indique est fictif ; ce n'est pas celui de votre boîte."
)
DEMO_SOURCE = Source("demo", DEMO)


def greeting(demo: bool) -> Reply:
    """The greeting; with demonstration data in the registry, it says so first."""
    if demo:
        return Reply(f"{GREETING_TEXT}\n\n{DEMO_NOTE}", GREETING_BUTTONS, [DEMO_SOURCE])
    return GREETING


TICKET_CANCELLED = Reply(
    "Entendu, je ne prépare pas de message. Que puis-je faire d'autre pour vous ?", [Q_STATUS, Q_HOW], [ASSISTANT]
)

DEFAULT_FALLBACK = Reply(
    "Je n'ai pas compris votre demande. Pour une question sur la migration de votre BMA, contactez "
    f"{facts.SGNE.name} :\n{facts.contact_lines(facts.SGNE)}",
    [Q_STATUS, Q_CONTACTS], faq(9),
)
