"""One desk per case: what to do and whom to contact, by question and mailbox phase (no Rasa import).

The single table behind the answers' contacts, the hand-off and the prepared message (ticket),
from the official FAQ:
- lost **new** password → the MODE / hors MODE form, otherwise the ETNIC Service Desk (§6);
- lost **old** password → the SGNE migration team once the migration has started, the service
  Enseignement.be before, and only then (§7);
- no e-mail received → the SGNE migration team (§8);
- the migration process → SGNE; technical problems, Cerbère EDU → ETNIC; « j'ai encore des
  questions » → both, each with its remit (§9).
The README's table is printed from this one (``python -m bma.desks``) and a test keeps them equal.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from bma.facts import ENSEIGNEMENT_BE, ETNIC, SGNE, Contact
from bma.phases import Phase
from bma.text import plain

# Columns of the table: no mailbox known (no address given, or the registry is down), an address
# that is not in the registry, then the phases of a known mailbox.
GENERAL = "general"
NOT_FOUND = "not_found"
COLUMNS = (GENERAL, NOT_FOUND, *(p.value for p in Phase if p is not Phase.UNKNOWN))
COLUMN_LABELS_FR = {
    GENERAL: "sans adresse",
    NOT_FOUND: "adresse absente du registre",
    Phase.NOT_STARTED.value: "pas commencée",
    Phase.ANNOUNCED.value: "annoncée (e-mail n°1)",
    Phase.PASSWORD_SENT.value: "mot de passe envoyé (e-mail n°2)",
    Phase.SCHEDULED.value: "planifiée (e-mail n°3)",
    Phase.MIGRATED.value: "migrée",
}

# Why this desk, completing « … car {why} » in the prepared message.
WHY = {
    "sgne": "elle répond aux questions sur le processus de migration des BMA",
    "etnic": "il s'occupe des soucis techniques, des identifiants Cerbère EDU et des nouveaux mots de passe égarés",
    "enseignement_be": "il gère l'accès aux BMA dont la migration n'a pas encore commencé",
}
TECHNICAL_WORDS = (
    "cerbere", "outlook", "technique", "bug", "erreur", "plante", "bloque", "fonctionne pas", "marche pas",
    "synchro", "smartphone", "gsm", "iphone", "android", "configur", "parametr", "imap", "smtp", "navigateur",
    "affich", "lent", "piece jointe", "pieces jointes", "boite pleine", "quota", "identifiant", "connexion",
    "connecter", "acceder", "acces",
)


@dataclass(frozen=True)
class Case:
    todo: str  # French, for the README table: what to do
    contacts: tuple[Contact, ...]  # the contacts the answer gives, in this order
    ticket: Contact | None  # where a prepared message goes; None: by its wording (technical → ETNIC, else SGNE)


BOTH = (SGNE, ETNIC)
INFORMATION = Case("l'information de la FAQ", (), None)
NEW_PASSWORD_WAIT = Case("attendre l'e-mail n°2 ; sinon ETNIC", (ETNIC,), ETNIC)
NEW_PASSWORD_FORM = Case("formulaire MODE / hors MODE ; sinon ETNIC", (ETNIC,), ETNIC)
OLD_PASSWORD_STARTED = Case("navigateur ; sinon SGNE", (SGNE,), SGNE)
NO_EMAIL = Case("vérifier les indésirables ; sinon SGNE", (SGNE,), SGNE)
NO_EMAIL_WAIT = Case("attendre la fin de la période ; ensuite SGNE", (SGNE,), SGNE)
STATUS = Case("l'état de la boîte", (), None)
REMITS = Case("processus : SGNE ; technique : ETNIC", BOTH, None)


def _row(general: Case, not_found: Case, **phases: Case) -> dict[str, Case]:
    row = {GENERAL: general, NOT_FOUND: not_found}
    row.update({phase.value: phases.get(phase.value, general) for phase in Phase if phase is not Phase.UNKNOWN})
    return row


def _information_row() -> dict[str, Case]:
    return _row(INFORMATION, INFORMATION)


TABLE: dict[str, dict[str, Case]] = {
    "faq_bma_definition": _information_row(),
    "faq_migration_reason": _information_row(),
    "faq_what_changes": _information_row(),
    "faq_migration_steps": _information_row(),
    "faq_how_to_migrate": _information_row(),
    "faq_lost_new_password": _row(
        Case("formulaire MODE / hors MODE ; sinon ETNIC", (ETNIC,), ETNIC),
        Case("vérifier l'adresse (SGNE) ; formulaires ; sinon ETNIC", (SGNE, ETNIC), ETNIC),
        not_started=NEW_PASSWORD_WAIT, announced=NEW_PASSWORD_WAIT, password_sent=NEW_PASSWORD_FORM,
        scheduled=NEW_PASSWORD_FORM, migrated=NEW_PASSWORD_FORM,
    ),
    "faq_lost_old_password": _row(
        Case("navigateur ; migration commencée : SGNE ; pas commencée : Enseignement.be",
             (SGNE, ENSEIGNEMENT_BE), SGNE),
        Case("vérifier l'adresse (SGNE) ; navigateur ; SGNE ou Enseignement.be",
             (SGNE, ENSEIGNEMENT_BE), SGNE),
        not_started=Case("navigateur ; sinon Enseignement.be", (ENSEIGNEMENT_BE,), ENSEIGNEMENT_BE),
        announced=OLD_PASSWORD_STARTED, password_sent=OLD_PASSWORD_STARTED, scheduled=OLD_PASSWORD_STARTED,
        migrated=OLD_PASSWORD_STARTED,
    ),
    "faq_no_email_received": _row(
        Case("période d'envoi passée sans e-mail : SGNE", (SGNE,), SGNE),
        Case("vérifier l'adresse ; SGNE", (SGNE,), SGNE),
        not_started=NO_EMAIL_WAIT,
        announced=NO_EMAIL, password_sent=NO_EMAIL, scheduled=NO_EMAIL, migrated=NO_EMAIL,
    ),
    "check_migration_status": _row(
        Case("donner l'adresse de la BMA", (), None),
        Case("vérifier l'adresse ; SGNE", (SGNE,), SGNE),
        not_started=STATUS, announced=STATUS, password_sent=STATUS, scheduled=STATUS, migrated=REMITS,
    ),
    "faq_more_questions": _row(REMITS, REMITS),
    "faq_not_covered": _row(
        Case("la FAQ ne répond pas : processus : SGNE ; technique : ETNIC", BOTH, None),
        Case("la FAQ ne répond pas : processus : SGNE ; technique : ETNIC", BOTH, None),
    ),
}
TOPIC_INTENTS = tuple(TABLE)


def column(phase: Phase | None, address_not_found: bool = False) -> str:
    if address_not_found:
        return NOT_FOUND
    return GENERAL if phase is None or phase is Phase.UNKNOWN else phase.value


def case(intent: str | None, phase: Phase | None, address_not_found: bool = False) -> Case | None:
    """The row's cell for ``intent`` (None when the intent asks no FAQ question)."""
    row = TABLE.get(intent or "")
    return row[column(phase, address_not_found)] if row else None


def is_technical(text: str) -> bool:
    words = plain(text)
    return any(word in words for word in TECHNICAL_WORDS)


def ticket_desk(intent: str | None, phase: Phase | None, description: str = "") -> Contact:
    """Where the prepared message goes: the table's desk, or by its wording when the table leaves it open."""
    cell = case(intent, phase)
    if cell and cell.ticket:
        return cell.ticket
    return ETNIC if is_technical(description) else SGNE


@dataclass(frozen=True)
class Route:
    """Where a prepared message goes, and why."""

    contact: Contact
    reason: str  # French, completes « … car {reason} »


def route(intent: str | None, phase: Phase | None, description: str = "") -> Route:
    """The desk for a prepared message after a question ``intent`` about a mailbox in ``phase``."""
    contact = ticket_desk(intent, phase, description)
    return Route(contact, WHY[contact.key])


def handoff_contacts(intent: str | None, phase: Phase | None, address_not_found: bool = False) -> tuple[Contact, ...]:
    """Whom a person asking for a human should contact, from the question they asked last."""
    cell = case(intent, phase, address_not_found)
    if cell and cell.contacts:
        return cell.contacts
    if cell and cell.ticket:
        return (cell.ticket,)
    return BOTH


def _desk_names(contacts: tuple[Contact, ...]) -> str:
    names = {"sgne": "SGNE", "etnic": "ETNIC", "enseignement_be": "Enseignement.be"}
    return ", ".join(names[c.key] for c in contacts) or "—"


QUESTION_LABELS_FR = {
    "faq_bma_definition": "Qu'est-ce qu'une BMA ? (§1)", "faq_migration_reason": "Pourquoi ? (§2)",
    "faq_what_changes": "Qu'est-ce qui change ? (§3)", "faq_migration_steps": "Les étapes (§4)",
    "faq_how_to_migrate": "Que dois-je faire ? (§5)", "faq_lost_new_password": "Nouveau mot de passe perdu (§6)",
    "faq_lost_old_password": "Ancien mot de passe perdu (§7)", "faq_no_email_received": "Aucun e-mail reçu (§8)",
    "check_migration_status": "Où en est ma boîte ?", "faq_more_questions": "J'ai encore des questions (§9)",
    "faq_not_covered": "Question que la FAQ ne traite pas",
}


def markdown_table() -> str:
    """The README table: question × situation → what to do, contacts given, where a prepared message goes."""
    lines = ["| question | situation de la boîte | que faire | contacts donnés | message préparé → |",
             "|---|---|---|---|---|"]
    for intent, row in TABLE.items():
        groups: list[tuple[Case, list[str]]] = []
        for col in COLUMNS:
            for cell, cols in groups:
                if cell == row[col]:
                    cols.append(COLUMN_LABELS_FR[col])
                    break
            else:
                groups.append((row[col], [COLUMN_LABELS_FR[col]]))
        for number, (cell, cols) in enumerate(groups):
            situation = "toutes" if len(cols) == len(COLUMNS) else ", ".join(cols)
            ticket = _desk_names((cell.ticket,)) if cell.ticket else "selon le message (technique → ETNIC, sinon SGNE)"
            label = QUESTION_LABELS_FR[intent] if number == 0 else ""
            lines.append(f"| {label} | {situation} | {cell.todo} | {_desk_names(cell.contacts)} | {ticket} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
