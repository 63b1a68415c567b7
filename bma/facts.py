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


SGNE = Contact(
    key="sgne",
    name="l'équipe migration du SGNE (Service général du Numérique éducatif)",
    email="migrationbma@cfwb.be",
    phone="+32 (0)2 413.3090",
)
ETNIC = Contact(
    key="etnic",
    name="le Service Desk de l'ETNIC",
    email="support@etnic.be",
    phone="+32 (0)2 800.1010",
)
ENSEIGNEMENT_BE = Contact(
    key="enseignement_be",
    name="le service Enseignement.be",
    email="BMA@enseignement.be",
    phone=None,
)
CONTACTS = {c.key: c for c in (SGNE, ETNIC, ENSEIGNEMENT_BE)}

# What to mention when contacting a desk (sections 6, 7).
CONTACT_DETAILS_TO_GIVE = "vos nom, prénom et adresse mail administrative concernée"

# Section 6: forms to recover the new password.
FORM_HORS_MODE = "https://www.enseignement.cfwb.be/eforms/portal/rest/start/smail2_hors_mode"
FORM_MODE = "https://www.enseignement.cfwb.be/eforms/portal/rest/start/smail2_mode"
HORS_MODE_EXAMPLES = (
    "ESAHR, centres de dépaysement, CAF, CTA, enseignement supérieur, homes, internats, "
    "CPMS, Service PSE"
)

# The four e-mails of section 5.
EMAILS = {
    1: "Rappel de la procédure, dates, accompagnement et supports (tutoriels, FAQ, contacts)",
    2: "Envoi du nouveau mot de passe pour la nouvelle interface (une semaine après l'e-mail n°1)",
    3: "Confirmation de la migration avec sa date et le lien vers la nouvelle interface "
    "(entre 3 et 12 semaines plus tard)",
    4: "E-mail de clôture, la nuit de la migration, qui rappelle le mot de passe de l'e-mail n°2",
}

# Links that the FAQ publishes broken (see README, « Content notes »): never shown.
# - Section 1 « https://www.webmail@adm.cfwb.be » is not a valid URL.
# - Sections 3 and 7 use « # » placeholders for « voir ci-dessous », the Cerbère infographic
#   and the four browser procedures: the assistant gives the steps itself instead.

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


def french_date(day: dt.date) -> str:
    """« 5 novembre 2024 », « 1er octobre 2024 »."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_FR[day.month - 1]} {day.year}"


def mailto(contact: Contact) -> str:
    return f"[{contact.email}](mailto:{contact.email})"


def contact_lines(contact: Contact) -> str:
    """The contact in the house form: e-mail as a link, phone in the FAQ's format."""
    lines = [f"- par e-mail : {mailto(contact)}"]
    if contact.phone:
        lines.append(f"- par téléphone : {contact.phone}")
    return "\n".join(lines)
