"""The answers about passwords (no Rasa import): the new password lost (FAQ §6), the old one lost
(§7), and what they say once the campaign is over or when nothing was sent (§3, §8)."""
from __future__ import annotations

import datetime as dt

from bma import facts
from bma.facts import ENSEIGNEMENT_BE, ETNIC, SGNE, contact_lines, french_date
from bma.phases import (
    CampaignPeriod,
    Phase,
)
from bma.replies import (
    Q_CONTACTS,
    Q_HOW,
    Q_NEW_PASSWORD,
    Q_OLD_PASSWORD,
    Q_STATUS,
    Q_TICKET,
    Reply,
    faq,
)
from bma.situation import (
    Lookup,
    Situation,
    contact_block,
    contact_inline,
    details_reminder,
    situated,
    tense,
)


def campaign_over_recovery(s: Situation) -> str:
    """« adressez-vous au Service Desk de l'ETNIC : … » — why, by the date or by the registry (§3)."""
    if s.calendar is CampaignPeriod.OVER:
        since = f"depuis la fin de la période de migration (annoncée pour le {french_date(facts.CAMPAIGN_END)})"
    else:
        since = "toutes les boîtes du registre de la migration ayant migré"
    return (
        f"adressez-vous au Service Desk de l'ETNIC : {since}, c'est lui qui gère les demandes de récupération "
        f"des mots de passe. Il n'est plus nécessaire de contacter le service Enseignement.be.\n"
        f"{contact_lines(ETNIC)}\n{details_reminder()}"
    )


def not_migrated_yet(s: Situation) -> str:
    """After the campaign, an answer that does not know the mailbox: the case of a box not migrated yet."""
    if s.lookup is Lookup.FOUND:
        return ""
    return ("\n\nSi votre boîte n'a pas encore migré, l'équipe migration du SGNE peut vous renseigner sur sa situation "
            "(« Contacter quelqu'un »).")


def not_started_after_campaign_text(s: Situation) -> str:
    return (
        f"D'après le registre, la migration de {s.mailbox.address} n'a pas commencé, alors que la période de "
        f"migration annoncée par la FAQ s'est terminée le {french_date(facts.CAMPAIGN_END)}. Pour connaître sa "
        f"situation exacte, contactez {SGNE.name} {contact_inline(SGNE)}.\n{details_reminder()}"
    )


def beyond_calendar_note(s: Situation, reply: Reply) -> Reply:
    """A mailbox on its way later than the FAQ's calendar: say so; the SGNE knows its situation."""
    if s.lookup is Lookup.FOUND and s.beyond_faq_calendar:
        reply.text += (
            "\n\nLe registre indique pour votre boîte des étapes plus tardives que le calendrier de la FAQ (migration "
            f"annoncée du {facts.CAMPAIGN_START:%d/%m/%Y} au {facts.CAMPAIGN_END:%d/%m/%Y}) : l'équipe migration du SGNE "
            "peut vous renseigner sur sa situation exacte."
        )
        reply.with_sources(*faq(4))
    return reply


def nothing_sent_text(s: Situation) -> str:
    end = facts.EMAIL1_WINDOWS[s.mailbox.kind][1]
    return (
        f"Selon le registre, aucun e-mail de migration n'a été envoyé à {s.mailbox.address}, alors que la période "
        f"d'envoi du premier e-mail aux {facts.KIND_LABELS_PLURAL[s.mailbox.kind]} s'est terminée le "
        f"{french_date(end)}. {contact_block(SGNE)}\n{details_reminder()}"
    )


# --- Section 6: lost the new password -----------------------------------------------------

def _new_password_forms(in_mode: bool | None) -> str:
    mode = (
        f"Vous êtes connu dans MODE : complétez ce formulaire\n{facts.FORM_MODE}\n"
        f"Si vous avez oublié vos identifiants Cerbère EDU personnels, contactez le Service Desk de l'ETNIC "
        f"{contact_inline(ETNIC)}."
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
    mailbox, phase = s.mailbox, s.phase
    if s.lookup is Lookup.FOUND and s.nothing_sent:
        return situated(s, Reply(nothing_sent_text(s), [Q_TICKET, Q_CONTACTS], faq(6, 8)))
    if s.lookup is Lookup.FOUND and s.not_started_after_campaign:
        return situated(s, Reply(not_started_after_campaign_text(s), [Q_TICKET, Q_STATUS], faq(4, 9)))
    if s.general_after_campaign:
        if s.lookup is Lookup.FOUND:  # migrated
            lead = (
                f"Votre boîte a migré le {french_date(mailbox.dates.migration_date)}. Votre mot de passe est celui "
                f"de l'e-mail n°2 du {french_date(mailbox.dates.email2_date)}, rappelé dans l'e-mail n°4, la nuit "
                "de la migration : cherchez d'abord ces e-mails (pensez aux courriers indésirables)."
            )
        else:
            lead = ("Le nouveau mot de passe a été envoyé dans l'e-mail n°2 et rappelé dans l'e-mail n°4, la nuit "
                    "de la migration : cherchez d'abord ces e-mails (pensez aux courriers indésirables).")
        text = f"{lead}\n\nSi vous avez égaré ce mot de passe, {campaign_over_recovery(s)}{not_migrated_yet(s)}"
        return situated(s, Reply(text, [Q_TICKET, Q_STATUS, Q_CONTACTS], faq(3, 5, 6)))
    if s.lookup is not Lookup.FOUND:
        text = (
            f"Le nouveau mot de passe {tense(s.calendar, 'se trouvera', 'se trouve', 'se trouve')} dans l'e-mail n°2 ; "
            f"l'e-mail n°3 {tense(s.calendar, 'contiendra', 'contient', 'contient')} le lien vers la nouvelle "
            "interface. Si vous avez égaré ce mot de passe :\n"
            + _new_password_forms(None)
        )
        return situated(s, Reply(text, buttons, faq(6)))
    if phase in (Phase.NOT_STARTED, Phase.ANNOUNCED):
        text = (
            f"Aucun nouveau mot de passe n'a encore été envoyé à {mailbox.address} : il arrivera avec "
            f"l'e-mail n°2, {facts.EMAIL_WHEN[2]}."
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
        return situated(s, beyond_calendar_note(s, Reply(text, [Q_HOW, Q_STATUS, Q_OLD_PASSWORD], faq(5, 6))))
    sent = mailbox.dates.email2_date
    if phase is Phase.MIGRATED:
        lead = (
            f"Votre boîte a migré le {french_date(mailbox.dates.migration_date)}. Votre mot de passe est celui "
            f"de l'e-mail n°2 du {french_date(sent)}, rappelé dans l'e-mail n°4, la nuit de la migration. "
            "Cherchez d'abord ces e-mails (pensez aux courriers indésirables)."
        )
    else:
        lead = (f"Votre nouveau mot de passe vous a été envoyé dans l'e-mail n°2 du {french_date(sent)}. "
                "Cherchez d'abord cet e-mail (pensez aux courriers indésirables).")
    text = f"{lead} Si vous avez égaré ce mot de passe :\n" + _new_password_forms(mailbox.in_mode)
    return situated(s, beyond_calendar_note(s, Reply(text, [Q_TICKET, Q_STATUS, Q_CONTACTS], faq(5, 6))))


# --- Section 7: lost the old password -------------------------------------------------------

BROWSER_STEPS = (
    "Si le mot de passe de votre BMA est encore enregistré dans votre navigateur, vous pouvez le retrouver "
    "(procédure indicative : les menus varient selon la version, et le navigateur peut demander le mot de "
    "passe de votre session) :\n"
    "- Edge : Paramètres > Profils > Mots de passe\n"
    "- Firefox : Paramètres > Vie privée et sécurité > Mots de passe enregistrés\n"
    "- Chrome : Paramètres > Saisie automatique et mots de passe > Gestionnaire de mots de passe\n"
    "- Opera : Paramètres > Saisie automatique > Mots de passe\n"
    f"Cherchez « {facts.ADDRESS_DOMAIN} » dans la liste."
)
NO_PASSWORD_AT_ALL = "Si vous n'avez plus du tout de mot de passe pour accéder à votre BMA"


def lost_old_password(s: Situation) -> Reply:
    buttons = [Q_NEW_PASSWORD, Q_STATUS, Q_CONTACTS]
    mailbox, phase = s.mailbox, s.phase
    if s.lookup is Lookup.FOUND and s.nothing_sent:
        text = f"{BROWSER_STEPS}\n\n{nothing_sent_text(s)}"
        return situated(s, Reply(text, [Q_TICKET, Q_CONTACTS], faq(7, 8)))
    if s.lookup is Lookup.FOUND and s.not_started_after_campaign:
        return situated(s, Reply(not_started_after_campaign_text(s), [Q_TICKET, Q_STATUS], faq(4, 9)))
    if s.general_after_campaign:
        if s.lookup is Lookup.FOUND:  # migrated
            lead = (
                f"Votre boîte a migré le {french_date(mailbox.dates.migration_date)} : l'ancien mot de passe ne sert "
                "plus. Connectez-vous avec le nouveau, reçu dans l'e-mail n°2 et rappelé dans l'e-mail n°4."
            )
        else:
            lead = ("Une fois votre boîte migrée, l'ancien mot de passe ne sert plus : la nouvelle interface utilise "
                    "le mot de passe de l'e-mail n°2, rappelé dans l'e-mail n°4.")
        text = f"{lead}\n\nSi vous avez égaré ce mot de passe, {campaign_over_recovery(s)}{not_migrated_yet(s)}"
        return situated(s, Reply(text, [Q_TICKET, Q_NEW_PASSWORD, Q_STATUS], faq(3, 5, 7)))
    new_password_elsewhere = (
        f"Le nouveau mot de passe, lui, {tense(s.calendar, 'arrivera', 'arrive', 'arrive')} dans l'e-mail n°2 ; "
        "s'il est égaré, choisissez « Nouveau mot de passe perdu »."
    )
    if s.lookup is not Lookup.FOUND and s.period is CampaignPeriod.BEFORE and s.lookup is not Lookup.NOT_FOUND:
        text = (
            f"{BROWSER_STEPS}\n\nLa migration des BMA n'a pas encore commencé (les e-mails seront envoyés à partir du "
            f"{french_date(facts.FIRST_EMAILS_FROM)}). {NO_PASSWORD_AT_ALL}, écrivez au service Enseignement.be : "
            f"{facts.mailto(ENSEIGNEMENT_BE)}\n{details_reminder()}"
        )
        return situated(s, Reply(text, buttons, faq(5, 7)))
    if s.lookup is not Lookup.FOUND:
        text = (
            f"{BROWSER_STEPS}\n\n{NO_PASSWORD_AT_ALL} :\n"
            f"- si la migration de votre boîte a commencé, contactez {SGNE.name} {contact_inline(SGNE)} ;\n"
            "- si la migration n'a pas encore commencé (et seulement dans ce cas), écrivez au service "
            f"Enseignement.be à {facts.mailto(ENSEIGNEMENT_BE)}.\n{details_reminder()}\n\n{new_password_elsewhere}"
        )
        return situated(s, Reply(text, buttons, faq(7)))
    if phase is Phase.NOT_STARTED:
        text = (
            f"{BROWSER_STEPS}\n\nLa migration de {mailbox.address} n'a pas encore commencé. {NO_PASSWORD_AT_ALL}, "
            f"écrivez au service Enseignement.be : {facts.mailto(ENSEIGNEMENT_BE)}\n{details_reminder()}"
        )
        return situated(s, Reply(text, [Q_TICKET, Q_HOW, Q_STATUS], faq(7)))
    sections = (7,)
    if phase is Phase.MIGRATED:
        lead = (
            f"Votre boîte a migré le {french_date(mailbox.dates.migration_date)} : l'ancien mot de passe ne sert "
            "plus. Connectez-vous avec le nouveau, reçu dans l'e-mail n°2 et rappelé dans l'e-mail n°4."
        )
        sections = (5, 7)
    elif phase is Phase.ANNOUNCED:
        lead = (
            f"La migration de {mailbox.address} a commencé. Votre nouveau mot de passe arrivera avec l'e-mail "
            f"n°2, {facts.EMAIL_WHEN[2]}."
        )
    else:
        lead = (
            f"La migration de {mailbox.address} a commencé. Un nouveau mot de passe vous a été envoyé dans "
            f"l'e-mail n°2 du {french_date(mailbox.dates.email2_date)}."
        )
    text = (
        f"{lead}\n\n{NO_PASSWORD_AT_ALL}, contactez {SGNE.name} :\n{contact_lines(SGNE)}\n{details_reminder()}"
        + ("" if phase is Phase.MIGRATED else f"\n\n{BROWSER_STEPS}")
    )
    return situated(s, beyond_calendar_note(s, Reply(text, [Q_TICKET, Q_NEW_PASSWORD, Q_STATUS], faq(*sections))))


# --- Section 8: no e-mail received ------------------------------------------------------------
