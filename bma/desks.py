"""One desk per case: what to do and whom to contact, by question, mailbox situation and period
(no Rasa import).

The single table behind the answers' contacts, the hand-off and the prepared message (ticket),
from the official FAQ:
- lost **new** password → the MODE / hors MODE form, otherwise the ETNIC Service Desk (§6);
- lost **old** password → the SGNE migration team once the migration has started, the service
  Enseignement.be before, and only then (§7);
- no e-mail received → the SGNE migration team (§8); a mailbox to which nothing was sent after its
  e-mail-1 window goes to the SGNE whatever its question (no e-mail, so no password either);
- the migration process → SGNE; technical problems, Cerbère EDU → ETNIC; « j'ai encore des
  questions » → both, each with its remit (§9).
The period matters (§3): Enseignement.be handles the BMA not yet migrated « jusqu'à la fin de la
période de migration », and « lorsque toutes les BMA auront migré, c'est le Service Desk de l'ETNIC
qui gèrera désormais les demandes de récupération des mots de passe ». Once the campaign is over
(after its announced end, or every mailbox of the registry migrated), password recovery goes to
the ETNIC Service Desk and Enseignement.be is never offered.
The table of docs/desks.md is printed from this one (``python -m bma.desks``) and a test keeps them equal.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass

from bma import facts
from bma.facts import CAMPAIGN_END, CAMPAIGN_START, ENSEIGNEMENT_BE, ETNIC, SGNE, Contact
from bma.phases import CampaignPeriod, Phase
from bma.text import plain

# Columns of the table: no mailbox known (no address given, or the registry is down), an address
# that is not in the registry, then the phases of a known mailbox.
GENERAL = "general"
NOT_FOUND = "not_found"
NOTHING_SENT = "nothing_sent"  # not started, and its e-mail-1 window is over (§8)
STATE_UNKNOWN = "state_unknown"  # an address, but the registry is empty or cannot be read
COLUMNS = (GENERAL, STATE_UNKNOWN, NOT_FOUND, NOTHING_SENT, *(p.value for p in Phase if p is not Phase.UNKNOWN))
COLUMN_LABELS_FR = {
    GENERAL: "sans adresse",
    STATE_UNKNOWN: "état inconnu (registre vide ou injoignable)",
    NOT_FOUND: "adresse absente du registre",
    NOTHING_SENT: "rien reçu, période d'envoi passée",
    Phase.NOT_STARTED.value: "pas commencée",
    Phase.ANNOUNCED.value: "annoncée (e-mail n°1)",
    Phase.PASSWORD_SENT.value: "mot de passe envoyé (e-mail n°2)",
    Phase.SCHEDULED.value: "planifiée (e-mail n°3)",
    Phase.MIGRATED.value: "migrée",
}

PERIODS = (CampaignPeriod.BEFORE, CampaignPeriod.DURING, CampaignPeriod.OVER)
PERIOD_LABELS_FR = {
    CampaignPeriod.BEFORE: "avant la campagne",
    CampaignPeriod.DURING: "pendant la campagne",
    CampaignPeriod.OVER: "campagne terminée",
}


def period_of(today: dt.date, all_migrated: bool | None = None) -> CampaignPeriod:
    """The campaign's period on ``today``: over after its announced end (§4) or once every mailbox
    of the registry has migrated (§3); ``all_migrated`` None when the registry cannot tell."""
    if today > CAMPAIGN_END or all_migrated:
        return CampaignPeriod.OVER
    return CampaignPeriod.BEFORE if today < CAMPAIGN_START else CampaignPeriod.DURING


# Why this desk (clauses of the FAQ, written in bma/facts.py): completes « {Desk} : {why}. » in the
# hand-off and « Votre demande relève {du desk} : {why}. » in the prepared message.
WHY = facts.DESK_REASONS
WHY_BY_QUESTION = facts.DESK_REASONS_BY_QUESTION
WHY_ETNIC_AFTER = facts.ETNIC_REASON_AFTER_CAMPAIGN
WHY_NOTHING_SENT = facts.SGNE_REASON_NOTHING_SENT
PASSWORD_INTENTS = ("faq_lost_new_password", "faq_lost_old_password")
TECHNICAL_WORDS = (
    "cerbere", "outlook", "technique", "bug", "erreur", "plante", "bloque", "fonctionne pas", "marche pas",
    "synchro", "smartphone", "gsm", "iphone", "android", "configur", "parametr", "imap", "smtp", "navigateur",
    "affich", "lent", "piece jointe", "pieces jointes", "boite pleine", "quota", "identifiant", "connexion",
    "connecter", "acceder", "acces",
)


@dataclass(frozen=True)
class Case:
    todo: str  # French, for the table of docs/desks.md: what to do
    contacts: tuple[Contact, ...]  # the contacts the answer gives, in this order
    ticket: Contact | None  # where a prepared message goes; None: by its wording (technical → ETNIC, else SGNE)


BOTH = (SGNE, ETNIC)
INFORMATION = Case("l'information de la FAQ", (), None)
NEW_PASSWORD_WAIT = Case("attendre l'e-mail n°2 ; sinon ETNIC", (ETNIC,), ETNIC)
NEW_PASSWORD_FORM = Case("formulaire MODE / hors MODE ; sinon ETNIC", (ETNIC,), ETNIC)
OLD_PASSWORD_STARTED = Case("navigateur ; sinon SGNE", (SGNE,), SGNE)
NO_EMAIL = Case("vérifier les indésirables ; sinon SGNE", (SGNE,), SGNE)
NO_EMAIL_WAIT = Case("attendre la fin de la période ; ensuite SGNE", (SGNE,), SGNE)
NOTHING_SENT_SGNE = Case("aucun e-mail envoyé, période passée : SGNE", (SGNE,), SGNE)
PASSWORD_ETNIC = Case("Service Desk de l'ETNIC (récupération des mots de passe)", (ETNIC,), ETNIC)
OLD_PASSWORD_ETNIC = Case("navigateur ; sinon Service Desk de l'ETNIC", (ETNIC,), ETNIC)
STATUS = Case("l'état de la boîte", (), None)
REMITS = Case("processus : SGNE ; technique : ETNIC", BOTH, None)


def _row(general: Case, not_found: Case, nothing_sent: Case | None = None, state_unknown: Case | None = None,
         **phases: Case) -> dict[str, Case]:
    row = {GENERAL: general, NOT_FOUND: not_found, STATE_UNKNOWN: state_unknown or general}
    row.update({phase.value: phases.get(phase.value, general) for phase in Phase if phase is not Phase.UNKNOWN})
    row[NOTHING_SENT] = nothing_sent or row[Phase.NOT_STARTED.value]
    return {column: row[column] for column in COLUMNS}


def _information_row() -> dict[str, Case]:
    return _row(INFORMATION, INFORMATION)


# Before and during the campaign (§3 to §9).
TABLE: dict[str, dict[str, Case]] = {
    "faq_bma_definition": _information_row(),
    "faq_migration_reason": _information_row(),
    "faq_what_changes": _information_row(),
    "faq_migration_steps": _information_row(),
    "faq_how_to_migrate": _information_row(),
    "faq_lost_new_password": _row(
        Case("formulaire MODE / hors MODE ; sinon ETNIC", (ETNIC,), ETNIC),
        Case("vérifier l'adresse (SGNE) ; formulaires ; sinon ETNIC", (SGNE, ETNIC), ETNIC),
        nothing_sent=NOTHING_SENT_SGNE,
        not_started=NEW_PASSWORD_WAIT, announced=NEW_PASSWORD_WAIT, password_sent=NEW_PASSWORD_FORM,
        scheduled=NEW_PASSWORD_FORM, migrated=NEW_PASSWORD_FORM,
    ),
    "faq_lost_old_password": _row(
        Case("navigateur ; migration commencée : SGNE ; pas commencée : Enseignement.be",
             (SGNE, ENSEIGNEMENT_BE), SGNE),
        Case("vérifier l'adresse (SGNE) ; navigateur ; SGNE ou Enseignement.be",
             (SGNE, ENSEIGNEMENT_BE), SGNE),
        nothing_sent=NOTHING_SENT_SGNE,
        not_started=Case("navigateur ; sinon Enseignement.be", (ENSEIGNEMENT_BE,), ENSEIGNEMENT_BE),
        announced=OLD_PASSWORD_STARTED, password_sent=OLD_PASSWORD_STARTED, scheduled=OLD_PASSWORD_STARTED,
        migrated=OLD_PASSWORD_STARTED,
    ),
    "faq_no_email_received": _row(
        Case("période d'envoi passée sans e-mail : SGNE", (SGNE,), SGNE),
        Case("vérifier l'adresse ; SGNE", (SGNE,), SGNE),
        nothing_sent=NOTHING_SENT_SGNE, not_started=NO_EMAIL_WAIT,
        announced=NO_EMAIL, password_sent=NO_EMAIL, scheduled=NO_EMAIL, migrated=NO_EMAIL,
    ),
    "check_migration_status": _row(
        Case("donner l'adresse de la BMA", (), None),
        Case("vérifier l'adresse ; SGNE", (SGNE,), SGNE),
        state_unknown=Case("se situer d'après les e-mails reçus ; aucun e-mail : SGNE", (SGNE,), SGNE),
        nothing_sent=NOTHING_SENT_SGNE,
        not_started=Case("attendre l'e-mail n°1 ; sinon SGNE", (SGNE,), SGNE), announced=STATUS, password_sent=STATUS, scheduled=STATUS, migrated=REMITS,
    ),
    "faq_more_questions": _row(REMITS, REMITS),
    "faq_not_covered": _row(
        Case("la FAQ ne répond pas : processus : SGNE ; technique : ETNIC", BOTH, None),
        Case("la FAQ ne répond pas : processus : SGNE ; technique : ETNIC", BOTH, None),
    ),
}
TOPIC_INTENTS = tuple(TABLE)

# Once the campaign is over (§3): password recovery goes to the ETNIC Service Desk, never to
# Enseignement.be; a mailbox that never received anything still goes to the SGNE (§8).
# After the campaign, a mailbox the registry shows still on its way (e-mails sent, not migrated)
# keeps the campaign's rules for its phase (§6, §7: SGNE once its migration has started); one whose
# migration has not started although the registry says every box migrated is a process question
# for the SGNE (§9). Enseignement.be is never offered.
NOT_STARTED_AFTER = Case("pas commencée après la campagne : SGNE", (SGNE,), SGNE)
IN_PROGRESS_PHASES = (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED)


def _after(intent: str, general: Case, not_found: Case) -> dict[str, Case]:
    campaign = TABLE[intent]
    return _row(general, not_found, nothing_sent=NOTHING_SENT_SGNE, not_started=NOT_STARTED_AFTER,
                **{phase.value: campaign[phase.value] for phase in IN_PROGRESS_PHASES})


TABLE_AFTER: dict[str, dict[str, Case]] = {
    **TABLE,
    "faq_lost_new_password": _after(
        "faq_lost_new_password", PASSWORD_ETNIC,
        Case("vérifier l'adresse (SGNE) ; Service Desk de l'ETNIC", (SGNE, ETNIC), ETNIC)),
    "faq_lost_old_password": _after(
        "faq_lost_old_password", OLD_PASSWORD_ETNIC,
        Case("vérifier l'adresse (SGNE) ; navigateur ; Service Desk de l'ETNIC", (SGNE, ETNIC), ETNIC)),
    "check_migration_status": {**TABLE["check_migration_status"], Phase.NOT_STARTED.value: NOT_STARTED_AFTER},
}


# Before the campaign no migration has started (§5: e-mails from 04/10/2024): the old password goes
# to Enseignement.be (§7) whatever the registry says.
OLD_PASSWORD_BEFORE = Case("navigateur ; sinon Enseignement.be (aucune migration commencée)",
                           (ENSEIGNEMENT_BE,), ENSEIGNEMENT_BE)
TABLE_BEFORE: dict[str, dict[str, Case]] = {
    **TABLE,
    "faq_lost_old_password": {**TABLE["faq_lost_old_password"], GENERAL: OLD_PASSWORD_BEFORE,
                              STATE_UNKNOWN: OLD_PASSWORD_BEFORE},
}


def table(period: CampaignPeriod) -> dict[str, dict[str, Case]]:
    return {CampaignPeriod.OVER: TABLE_AFTER, CampaignPeriod.BEFORE: TABLE_BEFORE}.get(period, TABLE)


def column(phase: Phase | None, address_not_found: bool = False, nothing_sent: bool = False,
           state_unknown: bool = False) -> str:
    if address_not_found:
        return NOT_FOUND
    if phase is None or phase is Phase.UNKNOWN:
        return STATE_UNKNOWN if state_unknown else GENERAL
    return NOTHING_SENT if nothing_sent and phase is Phase.NOT_STARTED else phase.value


def case(intent: str | None, phase: Phase | None, address_not_found: bool = False, *,
         period: CampaignPeriod, nothing_sent: bool = False, state_unknown: bool = False) -> Case | None:
    """The cell for ``intent`` (None when the intent asks no FAQ question)."""
    row = table(period).get(intent or "")
    return row[column(phase, address_not_found, nothing_sent, state_unknown)] if row else None


def is_technical(text: str) -> bool:
    words = plain(text)
    return any(word in words for word in TECHNICAL_WORDS)


NAMED_DESKS = (
    (ETNIC, re.compile(r"\betnic\b|service ?desk|support@etnic")),
    (SGNE, re.compile(r"\bsgne\b|equipe (de )?migration|migrationbma")),
    (ENSEIGNEMENT_BE, re.compile(r"enseignement\.be|bma@enseignement")),
)


def named_desk(text: str) -> Contact | None:
    """The one desk a question names (« le téléphone de l'ETNIC ? »), None when none or several."""
    words = plain(text)
    named = [contact for contact, pattern in NAMED_DESKS if pattern.search(words)]
    return named[0] if len(named) == 1 else None


def desk_first(text: str) -> Contact:
    """Which of the two desks of §9 comes first: the one the question names, else by its wording."""
    named = named_desk(text)
    if named in (SGNE, ETNIC):
        return named
    return ETNIC if is_technical(text) else SGNE


def ticket_desk(intent: str | None, phase: Phase | None, description: str = "", *, period: CampaignPeriod,
                nothing_sent: bool = False, state_unknown: bool = False) -> Contact:
    """Where the prepared message goes: the table's desk, or by its wording when the table leaves it open."""
    cell = case(intent, phase, period=period, nothing_sent=nothing_sent, state_unknown=state_unknown)
    if cell and cell.ticket:
        return cell.ticket
    return ETNIC if is_technical(description) else SGNE


@dataclass(frozen=True)
class Route:
    """Where a prepared message goes, why, and the FAQ sections that say so."""

    contact: Contact
    reason: str  # French, completes « Votre demande relève de … ({reason}) »
    sections: tuple[int, ...] = (9,)


def why(contact: Contact, intent: str | None, period: CampaignPeriod, phase: Phase | None = None,
        nothing_sent: bool = False) -> str:
    if nothing_sent and contact is SGNE:
        return WHY_NOTHING_SENT
    if _after_rule(contact, intent, period, phase):
        return WHY_ETNIC_AFTER
    return WHY_BY_QUESTION.get((contact.key, intent or ""), WHY[contact.key])


def route(intent: str | None, phase: Phase | None, description: str = "", *, period: CampaignPeriod,
          nothing_sent: bool = False, state_unknown: bool = False) -> Route:
    """The desk for a prepared message after a question ``intent`` about a mailbox in ``phase``."""
    contact = ticket_desk(intent, phase, description, period=period, nothing_sent=nothing_sent,
                          state_unknown=state_unknown)
    return Route(contact, why(contact, intent, period, phase, nothing_sent),
                 why_sections(contact, intent, period, phase, nothing_sent))


def _after_rule(contact: Contact, intent: str | None, period: CampaignPeriod, phase: Phase | None) -> bool:
    """§3's rule applies: the ETNIC for a password once the campaign is over, a box on its way aside."""
    return (contact is ETNIC and period is CampaignPeriod.OVER and intent in PASSWORD_INTENTS
            and phase not in (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED))


def why_sections(contact: Contact, intent: str | None, period: CampaignPeriod, phase: Phase | None = None,
                 nothing_sent: bool = False) -> tuple[int, ...]:
    """The FAQ sections behind ``why(…)``."""
    if nothing_sent and contact is SGNE:
        return (8,)
    if _after_rule(contact, intent, period, phase):
        return (3,)
    return {("etnic", "faq_lost_new_password"): (6,), ("sgne", "faq_lost_old_password"): (7,),
            ("sgne", "faq_no_email_received"): (8,), ("enseignement_be", "faq_lost_old_password"): (3, 7)
            }.get((contact.key, intent or ""), (7,) if contact is ENSEIGNEMENT_BE else (9,))


def handoff_contacts(intent: str | None, phase: Phase | None, address_not_found: bool = False, *,
                     period: CampaignPeriod, nothing_sent: bool = False, state_unknown: bool = False
                     ) -> tuple[Contact, ...]:
    """Whom a person asking for a human should contact, from the question they asked last."""
    cell = case(intent, phase, address_not_found, period=period, nothing_sent=nothing_sent,
                state_unknown=state_unknown)
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
    """The table of docs/desks.md: question × period × situation → what to do, contacts given, where a prepared
    message goes. Cells equal across periods or situations are grouped."""
    lines = ["| question | période | situation de la boîte | que faire | contacts donnés | message préparé → |",
             "|---|---|---|---|---|---|"]
    for intent in TABLE:
        groups: list[tuple[Case, list[str], list[str]]] = []
        for period in PERIODS:
            row = table(period)[intent]
            for col in COLUMNS:
                for cell, periods, cols in groups:
                    if cell == row[col] and (COLUMN_LABELS_FR[col] in cols or not periods or
                                             PERIOD_LABELS_FR[period] in periods):
                        if PERIOD_LABELS_FR[period] not in periods:
                            periods.append(PERIOD_LABELS_FR[period])
                        if COLUMN_LABELS_FR[col] not in cols:
                            cols.append(COLUMN_LABELS_FR[col])
                        break
                else:
                    groups.append((row[col], [PERIOD_LABELS_FR[period]], [COLUMN_LABELS_FR[col]]))
        for number, (cell, periods, cols) in enumerate(groups):
            situation = "toutes" if len(cols) == len(COLUMNS) else ", ".join(cols)
            when = "toutes" if len(periods) == len(PERIODS) else ", ".join(periods)
            ticket = _desk_names((cell.ticket,)) if cell.ticket else "selon le message (technique → ETNIC, sinon SGNE)"
            label = QUESTION_LABELS_FR[intent] if number == 0 else ""
            lines.append(f"| {label} | {when} | {situation} | {cell.todo} | {_desk_names(cell.contacts)} | {ticket} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
