"""What the assistant says: the FAQ's answers in French, by topic, date and mailbox state.

Pure Python (no Rasa import). Every fact comes from ``bma.facts``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from bma import desks, facts
from bma.facts import ENSEIGNEMENT_BE, ETNIC, SGNE, contact_lines, french_date
from bma.mailbox import Mailbox
from bma.phases import (
    CampaignPeriod,
    Phase,
    WindowStatus,
    campaign_period,
    email1_window_status,
)
from bma.replies import (
    Q_CONTACTS,
    Q_HOW,
    Q_NEW_PASSWORD,
    Q_NO_EMAIL,
    Q_OLD_PASSWORD,
    Q_REASON,
    Q_STATUS,
    Q_STEPS,
    Q_TICKET,
    Q_WHAT_CHANGES,
    Reply,
)


class Lookup(str, Enum):
    NO_ADDRESS = "no_address"  # the user gave none (or declined)
    FOUND = "found"
    NOT_FOUND = "not_found"  # well-formed, but not in the registry
    UNAVAILABLE = "unavailable"  # the registry could not be read


@dataclass(frozen=True)
class Situation:
    today: dt.date
    lookup: Lookup = Lookup.NO_ADDRESS
    address: str | None = None
    mailbox: Mailbox | None = None

    @property
    def period(self) -> CampaignPeriod:
        return campaign_period(self.today)

    @property
    def phase(self) -> Phase | None:
        return self.mailbox.phase(self.today) if self.mailbox else None


def tense(period: CampaignPeriod, before: str, during: str, over: str) -> str:
    return {CampaignPeriod.BEFORE: before, CampaignPeriod.DURING: during, CampaignPeriod.OVER: over}[period]


def details_reminder() -> str:
    return f"Précisez bien {facts.CONTACT_DETAILS_TO_GIVE}."


def contact_block(contact: facts.Contact, why: str | None = None) -> str:
    head = f"Contactez {contact.name}"
    head += f" ({why}) :" if why else " :"
    return f"{head}\n{contact_lines(contact)}"


# --- Sections 1, 2, 4, 5: the same for everybody (tense follows the date) ---------------

def bma_definition(s: Situation) -> Reply:
    text = (
        "La BMA (boîte mail administrative) est la boîte mail de votre école ou de votre "
        "pouvoir organisateur, fournie par l'Administration générale de l'Enseignement. "
        "C'est la seule adresse que l'Administration emploie pour vous contacter : vous y recevez "
        "les circulaires et les informations de l'Administration.\n\n"
        f"- Écoles : {facts.ADDRESS_PATTERNS['ec']}\n"
        f"- Pouvoirs organisateurs : {facts.ADDRESS_PATTERNS['po']}\n\n"
        "Les X sont les chiffres du numéro FASE de votre établissement."
    )
    return Reply(text, [Q_REASON, Q_WHAT_CHANGES, Q_STATUS])


def migration_reason(s: Situation) -> Reply:
    server = tense(
        s.period,
        "L'ancien serveur SMAIL2 est vétuste : il va être remplacé",
        "L'ancien serveur SMAIL2 est vétuste : il est remplacé",
        "L'ancien serveur SMAIL2 était vétuste : il a été remplacé",
    )
    text = (
        f"{server} par une infrastructure Microsoft Exchange, avec une sécurité renforcée. "
        "L'ancienne infrastructure ne répondait plus aux besoins des usagers ni aux contraintes "
        "de sécurité actuelles.\n\nAutres avantages :\n"
        "- consulter la boîte par une interface web ou par une application comme Outlook ;\n"
        f"- une capacité de stockage multipliée par {facts.STORAGE_FACTOR} ;\n"
        "- une boîte mail plus conviviale."
    )
    return Reply(text, [Q_WHAT_CHANGES, Q_STEPS, Q_HOW])


def migration_steps(s: Situation) -> Reply:
    start, end = facts.CAMPAIGN_START.strftime("%d/%m/%Y"), facts.CAMPAIGN_END.strftime("%d/%m/%Y")
    lead = tense(
        s.period,
        f"{facts.MAILBOX_COUNT_TEXT.capitalize()} vont migrer, en lots hebdomadaires du {start} au {end}.",
        f"{facts.MAILBOX_COUNT_TEXT.capitalize()} migrent, en lots hebdomadaires du {start} au {end}.",
        f"La migration d'{facts.MAILBOX_COUNT_TEXT} s'est faite en lots hebdomadaires à partir du {start} ; "
        f"la FAQ en annonçait la fin pour le {end}. La date de migration de chaque boîte figure dans son e-mail n°3.",
    )
    text = (
        f"{lead} Procéder par lots évite de surcharger les serveurs et répartit les demandes "
        "d'aide au Service Desk de l'ETNIC, qui accompagne les gestionnaires de BMA.\n\n"
        "Chaque boîte reçoit 4 e-mails du SGNE :\n"
        + "\n".join(f"{n}. {facts.EMAILS[n]}" for n in sorted(facts.EMAILS))
    )
    return Reply(text, [Q_HOW, Q_STATUS, Q_NO_EMAIL])


def how_to_migrate(s: Situation) -> Reply:
    lead = tense(
        s.period,
        "Vous n'avez rien à faire tant que vous n'avez pas reçu d'e-mail du SGNE (Service général "
        f"du Numérique éducatif). Les e-mails seront envoyés à partir du {french_date(facts.FIRST_EMAILS_FROM)} "
        "à votre adresse mail administrative actuelle.",
        "Vous n'avez rien à faire tant que vous n'avez pas reçu d'e-mail du SGNE (Service général "
        f"du Numérique éducatif). Les e-mails sont envoyés depuis le {french_date(facts.FIRST_EMAILS_FROM)} "
        "à votre adresse mail administrative actuelle.",
        "Chaque étape a fait l'objet d'un e-mail du SGNE (Service général du Numérique éducatif), "
        f"envoyé à partir du {french_date(facts.FIRST_EMAILS_FROM)} à votre adresse mail administrative.",
    )
    text = (
        f"{lead}\n\n"
        "1. E-mail n°1 : la procédure, les dates, l'accompagnement et les supports (tutoriels, FAQ, contacts).\n"
        "2. E-mail n°2, une semaine plus tard : votre nouveau mot de passe. Conservez cet e-mail précieusement.\n"
        "3. E-mail n°3, entre 3 et 12 semaines plus tard : la date de la migration et le lien vers "
        "la nouvelle interface ; cliquez sur ce lien et connectez-vous avec le mot de passe de l'e-mail n°2.\n"
        "4. E-mail n°4, la nuit de la migration : l'e-mail de clôture, qui rappelle votre mot de passe.\n\n"
        "Dans l'intervalle, vous continuez à utiliser votre boîte actuelle comme d'habitude."
    )
    return Reply(text, [Q_STATUS, Q_NEW_PASSWORD, Q_NO_EMAIL])


# --- Section 6: lost the new password -----------------------------------------------------

def _new_password_forms(in_mode: bool | None) -> str:
    mode = (
        f"Vous êtes connu dans MODE : complétez ce formulaire\n{facts.FORM_MODE}\n"
        "Si vous avez oublié vos identifiants Cerbère EDU personnels, le Service Desk de l'ETNIC vous aide."
    )
    hors_mode = (
        f"Vous n'êtes pas connu dans MODE ({facts.HORS_MODE_EXAMPLES}) : complétez ce formulaire\n"
        f"{facts.FORM_HORS_MODE}"
    )
    doubt = (
        "Si vous ne savez pas quoi faire, contactez le Service Desk de l'ETNIC :\n"
        f"{contact_lines(ETNIC)}\n{details_reminder()}"
    )
    if in_mode is True:
        return f"{mode}\n\n{doubt}"
    if in_mode is False:
        return f"{hors_mode}\n\n{doubt}"
    return f"1. {hors_mode}\n2. {mode}\n3. {doubt}"


def lost_new_password(s: Situation) -> Reply:
    buttons = [Q_OLD_PASSWORD, Q_STATUS, Q_CONTACTS]
    if s.lookup is not Lookup.FOUND:
        text = (
            "Le nouveau mot de passe se trouve dans l'e-mail n°2 ; l'e-mail n°3 contient le lien vers "
            "la nouvelle interface. Si vous avez égaré ce mot de passe :\n"
            + _new_password_forms(None)
        )
        return _with_lookup_note(s, Reply(text, buttons))
    mailbox, phase = s.mailbox, s.phase
    if phase in (Phase.NOT_STARTED, Phase.ANNOUNCED):
        text = (
            f"Aucun nouveau mot de passe n'a encore été envoyé à {mailbox.address} : il arrivera avec "
            "l'e-mail n°2, une semaine après l'e-mail n°1."
        )
        if phase is Phase.ANNOUNCED:
            expected = mailbox.dates.email1_date + dt.timedelta(days=facts.EMAIL2_DELAY_DAYS)
            text += (
                f" Votre e-mail n°1 date du {french_date(mailbox.dates.email1_date)} ; "
                f"attendez l'e-mail n°2 vers le {french_date(expected)}."
            )
        text += (
            "\n\nSi vous ne savez pas quoi faire, contactez le Service Desk de l'ETNIC :\n"
            f"{contact_lines(ETNIC)}\n{details_reminder()}"
        )
        return Reply(text, [Q_HOW, Q_STATUS, Q_OLD_PASSWORD])
    sent = mailbox.dates.email2_date
    if phase is Phase.MIGRATED:
        lead = (
            f"Votre boîte a migré le {french_date(mailbox.dates.migration_date)}. Votre mot de passe est celui "
            f"de l'e-mail n°2 du {french_date(sent)}, rappelé dans l'e-mail n°4, la nuit de la migration."
        )
    else:
        lead = f"Votre nouveau mot de passe vous a été envoyé dans l'e-mail n°2 du {french_date(sent)}."
    text = (
        f"{lead} Cherchez d'abord ces e-mails (pensez aux courriers indésirables). "
        "Si vous avez égaré ce mot de passe :\n" + _new_password_forms(mailbox.in_mode)
    )
    return Reply(text, [Q_TICKET, Q_STATUS, Q_CONTACTS])


# --- Section 7: lost the old password -------------------------------------------------------

BROWSER_STEPS = (
    "Si le mot de passe est encore enregistré dans votre navigateur :\n"
    "- Edge : Paramètres > Profils > Mots de passe\n"
    "- Firefox : Paramètres > Vie privée et sécurité > Mots de passe enregistrés\n"
    "- Chrome : Paramètres > Saisie automatique et mots de passe > Gestionnaire de mots de passe\n"
    "- Opera : Paramètres > Saisie automatique > Gestionnaire de mots de passe\n"
    "Cherchez « adm.cfwb.be » dans la liste."
)


def lost_old_password(s: Situation) -> Reply:
    buttons = [Q_NEW_PASSWORD, Q_STATUS, Q_CONTACTS]
    no_password = "Si vous n'avez plus du tout de mot de passe pour accéder à votre BMA"
    new_password_elsewhere = (
        "Le nouveau mot de passe, lui, arrive dans l'e-mail n°2 ; s'il est égaré, choisissez "
        "« Nouveau mot de passe perdu »."
    )
    if s.lookup is not Lookup.FOUND:
        text = (
            f"{BROWSER_STEPS}\n\n{no_password} :\n"
            f"- si la migration de votre boîte a commencé, contactez {SGNE.name} :\n{contact_lines(SGNE)}\n"
            "- si la migration n'a pas encore commencé (et seulement dans ce cas), écrivez au service "
            f"Enseignement.be : {facts.mailto(ENSEIGNEMENT_BE)}\n{details_reminder()}\n\n{new_password_elsewhere}"
        )
        return _with_lookup_note(s, Reply(text, buttons))
    mailbox, phase = s.mailbox, s.phase
    if phase is Phase.NOT_STARTED:
        text = (
            f"{BROWSER_STEPS}\n\nLa migration de {mailbox.address} n'a pas encore commencé : {no_password[3:]}, "
            f"écrivez au service Enseignement.be : {facts.mailto(ENSEIGNEMENT_BE)}\n{details_reminder()}"
        )
        return Reply(text, [Q_TICKET, Q_HOW, Q_STATUS])
    if phase is Phase.MIGRATED:
        lead = (
            f"Votre boîte a migré le {french_date(mailbox.dates.migration_date)} : l'ancien mot de passe ne sert "
            "plus. Connectez-vous avec le nouveau, reçu dans l'e-mail n°2 et rappelé dans l'e-mail n°4."
        )
    elif phase is Phase.ANNOUNCED:
        lead = (
            f"La migration de {mailbox.address} a commencé. Votre nouveau mot de passe arrivera avec l'e-mail "
            "n°2, une semaine après l'e-mail n°1."
        )
    else:
        lead = (
            f"La migration de {mailbox.address} a commencé. Un nouveau mot de passe vous a été envoyé dans "
            f"l'e-mail n°2 du {french_date(mailbox.dates.email2_date)}."
        )
    text = (
        f"{lead}\n\n{no_password}, contactez {SGNE.name} :\n{contact_lines(SGNE)}\n{details_reminder()}"
        + ("" if phase is Phase.MIGRATED else f"\n\n{BROWSER_STEPS}")
    )
    return Reply(text, [Q_TICKET, Q_NEW_PASSWORD, Q_STATUS])


# --- Section 8: no e-mail received ------------------------------------------------------------

def _windows_text() -> str:
    po_start, po_end = facts.EMAIL1_WINDOWS["po"]
    ec_start, ec_end = facts.EMAIL1_WINDOWS["ec"]
    return (
        f"- pouvoirs organisateurs : entre le {po_start.day} et le {french_date(po_end)} ;\n"
        f"- établissements scolaires : entre le {ec_start.day} et le {french_date(ec_end)}."
    )


def no_email_received(s: Situation) -> Reply:
    buttons = [Q_STATUS, Q_HOW, Q_CONTACTS]
    if s.lookup is not Lookup.FOUND:
        text = (
            f"Le premier e-mail de la migration est envoyé :\n{_windows_text()}\n"
            "Si vous ne l'avez pas reçu durant la période qui vous concerne (pensez aux courriers "
            f"indésirables), {contact_block(SGNE).replace('Contactez', 'contactez', 1)}"
        )
        return _with_lookup_note(s, Reply(text, buttons))
    mailbox = s.mailbox
    start, end = facts.EMAIL1_WINDOWS[mailbox.kind]
    who = facts.KIND_LABELS[mailbox.kind]
    whom = facts.KIND_LABELS_PLURAL[mailbox.kind]
    sent = mailbox.dates.email1_date
    if sent and sent <= s.today:
        text = (
            f"D'après le registre, l'e-mail n°1 a été envoyé à {mailbox.address} le {french_date(sent)}. "
            "Vérifiez vos courriers indésirables (spam) et les filtres de la boîte. "
            f"Toujours rien ? {contact_block(SGNE)}"
        )
        return Reply(text, [Q_STATUS, Q_TICKET, Q_HOW])
    window = email1_window_status(mailbox.kind, s.today)
    if_still_nothing = (
        f"Si vous ne l'avez pas reçu à la fin de cette période, {contact_block(SGNE).replace('Contactez', 'contactez', 1)}"
    )
    if window is WindowStatus.NOT_OPEN:
        text = (
            f"Pas d'inquiétude : pour un {who}, le premier e-mail est envoyé entre le "
            f"{french_date(start)} et le {french_date(end)}. Vous n'avez rien à faire d'ici là.\n\n{if_still_nothing}"
        )
        return Reply(text, [Q_HOW, Q_STEPS])
    if window is WindowStatus.OPEN:
        text = (
            f"Pas d'inquiétude : la période d'envoi du premier e-mail aux {whom} court jusqu'au "
            f"{french_date(end)}. Vous le recevrez d'ici là à {mailbox.address} ; vous n'avez rien à faire.\n\n"
            f"{if_still_nothing}"
        )
        return Reply(text, [Q_HOW, Q_STATUS])
    text = (
        f"La période d'envoi du premier e-mail aux {whom} s'est terminée le {french_date(end)} et le "
        f"registre n'indique aucun envoi à {mailbox.address}. {contact_block(SGNE)}\n{details_reminder()}"
    )
    return Reply(text, [Q_TICKET, Q_CONTACTS])


# --- Migration status ---------------------------------------------------------------------------

def migration_status(s: Situation) -> Reply:
    if s.lookup is not Lookup.FOUND:
        text = (
            "Je ne peux indiquer l'état de la migration qu'avec l'adresse de votre BMA "
            f"({facts.ADDRESS_PATTERNS['ec']} ou {facts.ADDRESS_PATTERNS['po']})."
        )
        return _with_lookup_note(s, Reply(text, [Q_STEPS, Q_NO_EMAIL, Q_CONTACTS]))
    mailbox, phase, dates = s.mailbox, s.phase, s.mailbox.dates
    known = [
        (n, day)
        for n, day in ((1, dates.email1_date), (2, dates.email2_date), (3, dates.email3_date))
        if day and day <= s.today
    ]
    lines = [f"- e-mail n°{n} envoyé le {french_date(day)}" for n, day in known]
    if phase is Phase.NOT_STARTED:
        lead = f"La migration de {mailbox.address} n'a pas encore commencé : aucun e-mail du SGNE n'a encore été envoyé."
        next_step = "Prochaine étape : l'e-mail n°1. Vous n'avez rien à faire d'ici là."
        buttons = [Q_NO_EMAIL, Q_HOW, Q_STEPS]
    elif phase is Phase.ANNOUNCED:
        lead = f"La migration de {mailbox.address} est annoncée : l'e-mail n°1 vous a été envoyé."
        next_step = "Prochaine étape : l'e-mail n°2 avec votre nouveau mot de passe, une semaine après l'e-mail n°1."
        buttons = [Q_HOW, Q_NEW_PASSWORD, Q_NO_EMAIL]
    elif phase is Phase.PASSWORD_SENT:
        lead = f"Votre nouveau mot de passe a été envoyé à {mailbox.address} (e-mail n°2)."
        next_step = (
            "Prochaine étape : l'e-mail n°3, avec la date de la migration et le lien vers la nouvelle "
            "interface. Conservez précieusement l'e-mail n°2."
        )
        buttons = [Q_NEW_PASSWORD, Q_HOW, Q_CONTACTS]
    elif phase is Phase.SCHEDULED:
        lead = (
            f"La migration de {mailbox.address} est planifiée le "
            f"{french_date(dates.migration_date)}." if dates.migration_date else
            f"La migration de {mailbox.address} est planifiée (e-mail n°3 reçu)."
        )
        next_step = (
            "Prochaine étape : la nuit de la migration, l'e-mail n°4 de clôture. Ensuite, connectez-vous "
            "à la nouvelle interface par le lien de l'e-mail n°3, avec le mot de passe de l'e-mail n°2."
        )
        buttons = [Q_NEW_PASSWORD, Q_WHAT_CHANGES, Q_CONTACTS]
    else:
        lead = f"{mailbox.address} a migré vers la nouvelle interface le {french_date(dates.migration_date)}."
        next_step = (
            "Connectez-vous par le lien de l'e-mail n°3 avec le mot de passe de l'e-mail n°2 (rappelé dans "
            f"l'e-mail n°4).\n\n{remits()}"
        )
        buttons = [Q_NEW_PASSWORD, Q_WHAT_CHANGES, Q_CONTACTS]
    text = lead
    if lines:
        text += "\n" + "\n".join(lines)
    if mailbox.dates.migration_date and phase is not Phase.MIGRATED and phase is not Phase.SCHEDULED:
        text += f"\n- migration prévue le {french_date(mailbox.dates.migration_date)}"
    text += f"\n\n{next_step}"
    return Reply(text, buttons)


def _with_lookup_note(s: Situation, reply: Reply) -> Reply:
    """Prefix a general answer with why it is general (unknown address, registry down)."""
    if s.lookup is Lookup.NOT_FOUND:
        reply.text = (
            f"Je ne trouve pas {s.address} dans le registre de la migration. Vérifiez l'adresse ; "
            f"si elle est correcte, contactez {SGNE.name} : {facts.mailto(SGNE)} ou {SGNE.phone}.\n\n"
            f"En attendant, la réponse générale :\n{reply.text}"
        )
    elif s.lookup is Lookup.UNAVAILABLE:
        reply.text = (
            "Je ne peux pas consulter l'état de votre boîte pour le moment ; voici la procédure générale.\n\n"
            + reply.text
        )
    return reply


# --- Section 9 / human hand-off: routed by topic and state ----------------------------------------

REMIT_SGNE = "Pour toute question sur le processus de migration de votre boîte"
REMIT_ETNIC = "Pour tout souci technique avec votre BMA ou vos identifiants Cerbère EDU personnels"


def remits(technical_first: bool = False) -> str:
    """Both desks of section 9, each with its remit."""
    blocks = [f"{REMIT_SGNE}, contactez {SGNE.name} :\n{contact_lines(SGNE)}",
              f"{REMIT_ETNIC}, contactez {ETNIC.name} :\n{contact_lines(ETNIC)}"]
    return "\n\n".join(reversed(blocks) if technical_first else blocks)


def more_questions(s: Situation, technical_first: bool = False) -> Reply:
    return _with_lookup_note(s, Reply(remits(technical_first), [Q_TICKET, Q_STATUS, Q_HOW]))


def not_covered(s: Situation, technical_first: bool = False) -> Reply:
    """A question about the migration that the official FAQ does not answer: say so, name who can."""
    text = "La FAQ officielle de la migration ne répond pas à cette question. Une personne pourra vous renseigner.\n\n"
    return Reply(text + remits(technical_first), [Q_TICKET, Q_CONTACTS, Q_HOW])


def handoff(s: Situation, contacts: tuple, not_understood: bool) -> Reply:
    """The desk(s) for the question asked last, each with its remit (``desks.handoff_contacts``)."""
    lead = (
        "Je n'arrive pas à répondre à votre question : une personne pourra vous aider."
        if not_understood else "Je vous oriente vers une personne."
    )
    if set(contacts) == {SGNE, ETNIC}:
        body = remits(technical_first=contacts[0] is ETNIC)
    else:
        body = "\n\n".join(
            f"Contactez {c.name}, car {desks.WHY[c.key]} :\n{contact_lines(c)}" for c in contacts
        ) + f"\n{details_reminder()}"
    return _with_lookup_note(s, Reply(f"{lead}\n\n{body}", [Q_TICKET, Q_STATUS]))


def address_problem(check) -> str:
    """Why the text is not a BMA address, with a suggestion for near-misses."""
    pattern = f"{facts.ADDRESS_PATTERNS['ec']} (école) ou {facts.ADDRESS_PATTERNS['po']} (pouvoir organisateur)"
    if check.problem == "near_miss" and check.suggestion:
        return (
            f"Cette adresse semble incomplète. Vouliez-vous dire {check.suggestion.address} ? "
            f"Une BMA s'écrit {pattern}. Renvoyez l'adresse complète, ou « non » pour continuer sans."
        )
    if check.problem == "other_email":
        return (
            f"Ce n'est pas une adresse de BMA : elle s'écrit {pattern}, les X étant votre numéro FASE. "
            "Renvoyez-la, ou « non » pour continuer sans."
        )
    return f"Je n'ai pas trouvé d'adresse de BMA dans votre message. Elle s'écrit {pattern}."
