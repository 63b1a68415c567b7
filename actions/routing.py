"""Which desk answers which problem (FAQ sections 3, 6, 7 and 9), with the reason.

No Rasa import. The three desks:
- SGNE migration team: the migration process (and, once it started, a lost new password);
- ETNIC Service Desk: technical problems, Cerbère EDU, and password recovery after migration;
- service Enseignement.be: BMA access before the migration started (and only then).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from actions.facts import ENSEIGNEMENT_BE, ETNIC, SGNE, Contact
from actions.phases import Phase


@dataclass(frozen=True)
class Route:
    contact: Contact
    reason: str  # French, completes « … car {reason} »
    topic: str  # "technical", "access", "process"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


TECHNICAL_RE = re.compile(
    r"cerbere|outlook|technique|bug|erreur|plant|bloqu|fonctionne pas|marche pas|synchro|"
    r"smartphone|gsm|iphone|android|configur|parametr|imap|smtp|navigateur|affich|lent|"
    r"piece jointe|pj|pieces jointes|boite pleine|quota|identifiant"
)
ACCESS_RE = re.compile(
    r"mot de passe|mdp|password|acces|acceder|connecter|connexion|login|me connecte|entrer dans"
)


def classify_topic(text: str) -> str:
    plain = _plain(text or "")
    if TECHNICAL_RE.search(plain):
        return "technical"
    if ACCESS_RE.search(plain):
        return "access"
    return "process"


def route(text: str, phase: Phase | None) -> Route:
    """The desk for a question ``text`` about a mailbox in ``phase`` (None: unknown)."""
    topic = classify_topic(text)
    if topic == "technical":
        return Route(ETNIC, "il s'occupe des soucis techniques et des identifiants Cerbère EDU", topic)
    if topic == "access":
        if phase is Phase.NOT_STARTED:
            return Route(
                ENSEIGNEMENT_BE,
                "il gère l'accès aux BMA dont la migration n'a pas encore commencé",
                topic,
            )
        if phase is Phase.MIGRATED:
            return Route(
                ETNIC,
                "votre boîte a migré : la récupération des mots de passe relève désormais de l'ETNIC",
                topic,
            )
        if phase in (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED):
            return Route(
                SGNE,
                "la migration de votre boîte a commencé et c'est elle qui vous a envoyé le nouveau mot de passe",
                topic,
            )
        return Route(
            ETNIC,
            "sans connaître l'état de votre boîte, le Service Desk de l'ETNIC peut vous orienter",
            topic,
        )
    if phase is Phase.MIGRATED:
        return Route(ETNIC, "votre boîte a migré : l'ETNIC assure désormais le support", topic)
    return Route(SGNE, "elle répond aux questions sur le processus de migration des BMA", topic)
