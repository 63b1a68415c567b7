"""The facts of the official FAQ (« FAQ BMA : migration SMAIL2 », October 2024).

One source of truth: every contact, link, date and figure the assistant states is
written here once. Answers, domain responses and tests read them from here.
No Rasa import.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FAQ_TITLE = "FAQ BMA : migration SMAIL2"
FAQ_EDITION = "octobre 2024"

# Campaign (FAQ intro and section 4): weekly batches from 01/10/2024 to 30/11/2024.
CAMPAIGN_START = dt.date(2024, 10, 1)
CAMPAIGN_END = dt.date(2024, 11, 30)
# Section 5: the migration e-mails are sent from 4 October 2024.
FIRST_EMAILS_FROM = dt.date(2024, 10, 4)
MAILBOX_COUNT_TEXT = "environ 3500 boîtes"
STORAGE_FACTOR = 25  # « capacité de stockage 25 fois supérieure »
STORAGE_FACTOR_TEXT = "25 fois"

# Section 8: window in which each kind receives e-mail n°1.
EMAIL1_WINDOWS = {
    "po": (dt.date(2024, 10, 7), dt.date(2024, 10, 31)),
    "ec": (dt.date(2024, 11, 4), dt.date(2024, 11, 30)),
}
# Section 5: e-mail 2 one week after e-mail 1; e-mail 3 between 3 and 12 weeks later.
EMAIL2_DELAY_DAYS = 7
EMAIL3_DELAY_WEEKS = (3, 12)
# The latest e-mail n°3 these rules allow: the last e-mail n°1 (30/11/2024), e-mail n°2 a week later,
# e-mail n°3 at most 12 weeks after that. A mailbox still on its way later is outside the FAQ's calendar.
LATEST_EMAIL3 = (max(end for _, end in EMAIL1_WINDOWS.values()) + dt.timedelta(days=EMAIL2_DELAY_DAYS)
                 + dt.timedelta(weeks=EMAIL3_DELAY_WEEKS[1]))

ADDRESS_DOMAIN = "adm.cfwb.be"
ADDRESS_PATTERNS = {"ec": "ecXXXXXX@adm.cfwb.be", "po": "poXXXXXX@adm.cfwb.be"}
KIND_LABELS = {"ec": "établissement scolaire", "po": "pouvoir organisateur"}
KIND_LABELS_PLURAL = {"ec": "établissements scolaires", "po": "pouvoirs organisateurs"}


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    email: str
    phone: str | None
    remit: str  # what the FAQ gives this desk, completing « Pour {remit}, contactez … »


SGNE = Contact(
    key="sgne",
    name="l'équipe migration du SGNE (Service général du Numérique éducatif)",
    email="migrationbma@cfwb.be",
    phone="+32 (0)2 413.3090",
    remit="toute question sur le processus de migration de votre boîte mail administrative",  # §9
)
ETNIC = Contact(
    key="etnic",
    name="le Service Desk de l'ETNIC",
    email="support@etnic.be",
    phone="+32 (0)2 800.1010",
    # §9, and §3: once every BMA has migrated, the recovery of passwords.
    remit="tout souci technique en rapport avec votre boîte mail administrative ou vos identifiants Cerbère EDU personnels",
)
ENSEIGNEMENT_BE = Contact(
    key="enseignement_be",
    name="le service Enseignement.be",
    email="BMA@enseignement.be",
    phone=None,
    remit="l'accès aux BMA qui n'ont pas encore migré, jusqu'à la fin de la période de migration",  # §3, §7
)
CONTACTS = {c.key: c for c in (SGNE, ETNIC, ENSEIGNEMENT_BE)}

# What to mention when contacting a desk (sections 6, 7).
CONTACT_DETAILS_TO_GIVE = "vos nom, prénom et adresse mail administrative concernée"

# Why a desk (§3, §6 to §9): clauses completing « {Desk} : {why}. » and « Votre demande relève {du desk} :
# {why}. »; by question where the FAQ gives a question-specific reason.
DESK_REASONS = {
    "sgne": "elle répond aux questions sur le processus de migration des BMA",
    "etnic": "il répond aux soucis techniques liés à votre boîte et à vos identifiants Cerbère EDU personnels",
    "enseignement_be": "il gère l'accès aux BMA dont la migration n'a pas encore commencé, et seulement dans ce cas",
}
DESK_REASONS_BY_QUESTION = {
    ("etnic", "faq_lost_new_password"): "la FAQ l'indique si vous avez égaré le nouveau mot de passe et ne savez pas "
    "quoi faire après les formulaires MODE / hors MODE",
    ("sgne", "faq_lost_old_password"): "elle vous aide si la migration de votre boîte a commencé et que vous n'avez "
    "plus de mot de passe pour y accéder",
    ("sgne", "faq_no_email_received"): "elle vous aide si vous n'avez reçu aucun e-mail de la migration durant la "
    "période qui vous concerne",
}
ETNIC_REASON_AFTER_CAMPAIGN = "il gère désormais les demandes de récupération des mots de passe des boîtes migrées"
SGNE_REASON_NOTHING_SENT = ("selon le registre, aucun e-mail de migration n'a été envoyé à votre boîte alors que la période "
                    "d'envoi du premier e-mail est terminée : elle peut vous renseigner")

# Section 6: forms to recover the new password.
FORM_HORS_MODE = "https://www.enseignement.cfwb.be/eforms/portal/rest/start/smail2_hors_mode"
FORM_MODE = "https://www.enseignement.cfwb.be/eforms/portal/rest/start/smail2_mode"
HORS_MODE_EXAMPLES = (
    "ESAHR, centres de dépaysement, CAF, CTA, enseignement supérieur, homes, internats, "
    "CPMS, Service PSE, etc."
)

# The four e-mails of section 5: what each holds, and when it comes.
EMAILS = {
    1: "Rappel de la procédure, dates, accompagnement et supports (tutoriels, FAQ, contacts)",
    2: "Envoi du nouveau mot de passe pour la nouvelle interface",
    3: "Confirmation de la migration avec sa date et le lien vers la nouvelle interface",
    4: "E-mail de clôture, qui rappelle le mot de passe de l'e-mail n°2",
}
EMAIL_WHEN = {
    2: "une semaine après l'e-mail n°1",
    3: "entre 3 et 12 semaines plus tard",
    4: "la nuit de la migration",
}
EMAIL_COUNT = len(EMAILS)
# Section 5: « Dans l'intervalle, vous pouvez continuer à utiliser votre boîte actuelle comme d'habitude. »
KEEP_USING_CURRENT_BOX = "Dans l'intervalle, vous continuez à utiliser votre boîte actuelle comme d'habitude."

# Links that the FAQ publishes broken (see docs/content-notes.md): never shown.
# - Section 1 « https://www.webmail@adm.cfwb.be » is not a valid URL.
# - Sections 3 and 7 use « # » placeholders for « voir ci-dessous », the Cerbère infographic
#   and the four browser procedures: the assistant gives the steps itself instead.

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


def email_line(number: int) -> str:
    """« E-mail n°2 (une semaine après l'e-mail n°1) : envoi du nouveau mot de passe… »."""
    when = f" ({EMAIL_WHEN[number]})" if number in EMAIL_WHEN else ""
    return f"E-mail n°{number}{when} : {EMAILS[number][0].lower()}{EMAILS[number][1:]}"


def french_date(day: dt.date) -> str:
    """« 5 novembre 2024 », « 1er octobre 2024 »."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_FR[day.month - 1]} {day.year}"


# Where each answer comes from (FAQ sections, numbered as in the FAQ's table of contents; 0 is the
# unnumbered introduction).
FAQ_SECTIONS = {
    0: "Introduction (le calendrier de la migration et le remplacement du serveur SMAIL2)",
    1: "Qu'est-ce qu'une boîte mail administrative (BMA) ?",
    2: "Pourquoi cette migration ?",
    3: "Qu'est-ce qui change pour moi ? Qu'est-ce qui ne va pas changer ?",
    4: "Quelles sont les différentes étapes de la migration ?",
    5: "Qu'est-ce que je dois faire pour migrer ma boîte ?",
    6: "Que faire si j'ai perdu le nouveau mot de passe ?",
    7: "Que faire si je n'ai plus mon ancien mot de passe d'accès à la BMA ?",
    8: "Que faire si je n'ai reçu aucun e-mail concernant la migration ?",
    9: "J'ai encore des questions",
}
FAQ_SOURCE_NAME = f"FAQ BMA ({FAQ_EDITION})"


def mailto(contact: Contact) -> str:
    return f"[{contact.email}](mailto:{contact.email})"


def contact_lines(contact: Contact) -> str:
    """The contact in the house form: e-mail as a link, phone in the FAQ's format."""
    lines = [f"- par e-mail : {mailto(contact)}"]
    if contact.phone:
        lines.append(f"- par téléphone : {contact.phone}")
    return "\n".join(lines)
