"""What the assistant says: the FAQ's answers in French, by topic, date, period and mailbox state.

Pure Python (no Rasa import). Every fact comes from ``bma.facts``; every desk from ``bma.desks``;
every reply declares its sources (``bma.replies``). A state-dependent answer always says where the
state comes from: the registry's import, or the demonstration data; with no registry, it says it
does not know the state and gives what the FAQ says for each case.
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
    ASSISTANT,
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
    faq,
    registry,
)


class Lookup(str, Enum):
    NO_ADDRESS = "no_address"  # the user gave none (or declined)
    FOUND = "found"
    NOT_FOUND = "not_found"  # well-formed, but not in the registry
    UNAVAILABLE = "unavailable"  # the registry could not be read
    NO_REGISTRY = "no_registry"  # the registry holds no mailbox at all: the state is unknown


@dataclass(frozen=True)
class Situation:
    today: dt.date
    lookup: Lookup = Lookup.NO_ADDRESS
    address: str | None = None
    mailbox: Mailbox | None = None
    all_migrated: bool | None = None  # has every mailbox of the registry migrated? None: unknown

    @property
    def period(self) -> CampaignPeriod:
        return desks.period_of(self.today, self.all_migrated)

    @property
    def calendar(self) -> CampaignPeriod:
        """The campaign's period by the date alone: the tense of what is said follows it."""
        return campaign_period(self.today)

    @property
    def phase(self) -> Phase | None:
        return self.mailbox.phase(self.today) if self.mailbox else None

    @property
    def nothing_sent(self) -> bool:
        """A known mailbox to which nothing was sent although its e-mail-1 window is over (§8)."""
        return (self.mailbox is not None and self.phase is Phase.NOT_STARTED
                and email1_window_status(self.mailbox.kind, self.today) is WindowStatus.CLOSED)

    @property
    def over(self) -> bool:
        return self.period is CampaignPeriod.OVER

    @property
    def in_progress(self) -> bool:
        """A known mailbox on its way: e-mails sent, not migrated yet (its phase's rules apply)."""
        return self.phase in (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED)

    @property
    def not_started_after_campaign(self) -> bool:
        """Not started although the campaign is over, yet not « nothing sent » (the registry says every
        box migrated, or e-mail 1 is planned after the FAQ's windows): a question for the SGNE (§9)."""
        return self.over and self.phase is Phase.NOT_STARTED and not self.nothing_sent

    @property
    def general_after_campaign(self) -> bool:
        """After the campaign, with no mailbox on its way: the §3 rule (ETNIC) applies."""
        return self.over and not (self.lookup is Lookup.FOUND and (self.in_progress or self.phase is Phase.NOT_STARTED))

    @property
    def beyond_faq_calendar(self) -> bool:
        """A mailbox still on its way later than the FAQ's rules allow (e-mail n°3 at the latest on
        ``facts.LATEST_EMAIL3``)."""
        return self.in_progress and self.today > facts.LATEST_EMAIL3


def desk_case(intent: str, s: Situation) -> desks.Case | None:
    """The desk table's cell for ``intent`` in this situation."""
    return desks.case(intent, s.phase, s.lookup is Lookup.NOT_FOUND, **desk_where(s))


def desks_named(intent: str | None, s: Situation) -> tuple[facts.Contact, ...]:
    """The desks the table gives for ``intent`` in this situation (what a reply's decision records)."""
    cell = desk_case(intent or "", s)
    return cell.contacts if cell else ()


def desk_where(s: Situation) -> dict:
    """The situation as the desk table reads it (period, nothing sent, state unknown)."""
    return {"period": s.period, "nothing_sent": s.nothing_sent,
            "state_unknown": s.lookup in (Lookup.UNAVAILABLE, Lookup.NO_REGISTRY)}


def tense(period: CampaignPeriod, before: str, during: str, over: str) -> str:
    return {CampaignPeriod.BEFORE: before, CampaignPeriod.DURING: during, CampaignPeriod.OVER: over}[period]


def details_reminder() -> str:
    return f"Précisez bien {facts.CONTACT_DETAILS_TO_GIVE}."


def contact_block(contact: facts.Contact, why: str | None = None) -> str:
    head = f"Contactez {contact.name}"
    head += f" ({why}) :" if why else " :"
    return f"{head}\n{contact_lines(contact)}"


def contact_inline(contact: facts.Contact) -> str:
    """« par e-mail à [x](mailto:x) ou par téléphone au +32 … » in one sentence."""
    phone = f" ou par téléphone au {contact.phone}" if contact.phone else ""
    return f"par e-mail à {facts.mailto(contact)}{phone}"


def lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


# --- Where the state comes from -----------------------------------------------------------------

DEMO_WARNING = (
    "Attention, données de démonstration : l'état ci-dessous vient des données de démonstration "
    "du registre, pas d'une vraie boîte."
)


def state_note(s: Situation) -> str | None:
    """Why a state-dependent answer is general, or that its state is demonstration data."""
    if s.lookup is Lookup.NOT_FOUND:
        return (
            f"Je ne trouve pas {s.address} dans le registre de la migration. Vérifiez l'adresse ; "
            f"si elle est correcte, contactez {SGNE.name} : {facts.mailto(SGNE)} ou {SGNE.phone}.\n\n"
            "En attendant, voici ce que prévoit la FAQ :"
        )
    if s.lookup is Lookup.UNAVAILABLE:
        return ("Je ne peux pas consulter le registre de la migration pour le moment : je ne connais pas l'état "
                "de votre boîte. Voici ce que prévoit la FAQ dans chaque cas.")
    if s.lookup is Lookup.NO_REGISTRY:
        return ("Le registre de la migration n'est pas chargé ici : je ne connais pas l'état de votre boîte. "
                "Voici ce que prévoit la FAQ dans chaque cas.")
    if s.lookup is Lookup.FOUND and s.mailbox.demo:
        return DEMO_WARNING
    return None


def situated(s: Situation, reply: Reply) -> Reply:
    """A state-dependent answer: the note on where its state comes from, and the registry as a source."""
    note = state_note(s)
    if note:
        reply.text = f"{note}\n\n{reply.text}"
    if s.lookup is Lookup.FOUND:
        reply.with_sources(registry(s.mailbox.provenance))
    return reply


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
    return Reply(text, [Q_REASON, Q_WHAT_CHANGES, Q_STATUS], faq(1))


def migration_reason(s: Situation) -> Reply:
    server = tense(
        s.calendar,
        "L'ancien serveur SMAIL2 est vétuste : il va être remplacé",
        "L'ancien serveur SMAIL2 est vétuste : il est remplacé",
        "L'ancien serveur SMAIL2 était vétuste : il a été remplacé",
    )
    text = (
        f"{server} par une infrastructure Exchange, avec une sécurité renforcée. "
        f"L'ancienne infrastructure {tense(s.calendar, 'ne répond plus', 'ne répond plus', 'ne répondait plus')} aux "
        "besoins des usagers ni aux contraintes de sécurité actuelles.\n\nAutres avantages :\n"
        "- consulter la boîte par une interface web ou par une application de bureau comme Outlook ;\n"
        f"- une capacité de stockage multipliée par {facts.STORAGE_FACTOR} ;\n"
        "- une boîte mail conviviale."
    )
    return Reply(text, [Q_WHAT_CHANGES, Q_STEPS, Q_HOW], faq(0, 2))


def email_sequence() -> str:
    return "\n".join(f"{n}. {facts.email_line(n)}" for n in sorted(facts.EMAILS))


def migration_steps(s: Situation) -> Reply:
    start, end = facts.CAMPAIGN_START.strftime("%d/%m/%Y"), facts.CAMPAIGN_END.strftime("%d/%m/%Y")
    count = facts.MAILBOX_COUNT_TEXT
    lead = tense(
        s.calendar,
        f"{count.capitalize()} doivent migrer, en lots hebdomadaires du {start} au {end}.",
        f"{count.capitalize()} migrent, en lots hebdomadaires du {start} au {end}.",
        f"La migration d'{count} s'est faite en lots hebdomadaires à partir du {start} ; "
        f"la FAQ en annonçait la fin pour le {end}. La date de migration de chaque boîte figure dans son e-mail n°3.",
    )
    why = tense(
        s.calendar,
        "Procéder par lots évite de surcharger les serveurs et répartit les demandes d'aide au Service Desk "
        "de l'ETNIC, qui accompagne les gestionnaires de BMA.",
        "Procéder par lots évite de surcharger les serveurs et répartit les demandes d'aide au Service Desk "
        "de l'ETNIC, qui accompagne les gestionnaires de BMA.",
        "Procéder par lots a permis de ne pas surcharger les serveurs et de répartir les demandes d'aide au "
        "Service Desk de l'ETNIC, qui accompagnait les gestionnaires de BMA.",
    )
    text = f"{lead} {why}\n\nChaque boîte reçoit {facts.EMAIL_COUNT} e-mails du SGNE :\n{email_sequence()}"
    return Reply(text, [Q_HOW, Q_STATUS, Q_NO_EMAIL], faq(4, 5))


def how_to_migrate(s: Situation) -> Reply:
    first = french_date(facts.FIRST_EMAILS_FROM)
    lead = tense(
        s.calendar,
        "Vous n'avez rien à faire tant que vous n'avez pas reçu d'e-mail du SGNE (Service général "
        f"du Numérique éducatif). Les e-mails seront envoyés à partir du {first} "
        "à votre adresse mail administrative actuelle.",
        "Vous n'avez rien à faire tant que vous n'avez pas reçu d'e-mail du SGNE (Service général "
        f"du Numérique éducatif). Les e-mails sont envoyés depuis le {first} "
        "à votre adresse mail administrative actuelle.",
        "Chaque étape a fait l'objet d'un e-mail du SGNE (Service général du Numérique éducatif), "
        f"envoyé à partir du {first} à votre adresse mail administrative.",
    )
    connect = ("Pour vous connecter à la nouvelle interface, cliquez sur le lien de l'e-mail n°3 et utilisez le "
               "mot de passe de l'e-mail n°2.")
    if s.period is CampaignPeriod.OVER:
        text = f"{lead}\n\n{email_sequence()}\n\n{connect}"
        return Reply(text, [Q_STATUS, Q_NEW_PASSWORD, Q_NO_EMAIL], faq(5))
    text = (
        f"{lead}\n\n{email_sequence()}\n\nConservez précieusement l'e-mail n°2. {connect}\n\n"
        f"{facts.KEEP_USING_CURRENT_BOX}\n\nPériodes d'envoi du premier e-mail :\n{_windows_text()}"
    )
    return Reply(text, [Q_STATUS, Q_NEW_PASSWORD, Q_NO_EMAIL], faq(5, 8))


# --- After the campaign: password recovery at the ETNIC Service Desk (§3) ---------------------------

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

def _windows_text() -> str:
    po_start, po_end = facts.EMAIL1_WINDOWS["po"]
    ec_start, ec_end = facts.EMAIL1_WINDOWS["ec"]
    return (
        f"- pouvoirs organisateurs : entre le {po_start.day} et le {french_date(po_end)} ;\n"
        f"- établissements scolaires : entre le {ec_start.day} et le {french_date(ec_end)}."
    )


def registry_emails(s: Situation) -> str:
    """The e-mails the registry records as sent by the reference date, one line each."""
    dates = s.mailbox.dates
    sent = [(n, day) for n, day in ((1, dates.email1_date), (2, dates.email2_date), (3, dates.email3_date))
            if day and day <= s.today]
    return "\n".join(f"- e-mail n°{n} envoyé le {french_date(day)}" for n, day in sent)


def no_email_received(s: Situation) -> Reply:
    buttons = [Q_STATUS, Q_HOW, Q_CONTACTS]
    if s.lookup is not Lookup.FOUND:
        text = (
            f"Périodes d'envoi du premier e-mail de la migration :\n{_windows_text()}\n"
            "Si vous ne l'avez pas reçu durant la période qui vous concerne (pensez aux courriers "
            f"indésirables), {lower_first(contact_block(SGNE))}"
        )
        return situated(s, Reply(text, buttons, faq(8)))
    mailbox = s.mailbox
    start, end = facts.EMAIL1_WINDOWS[mailbox.kind]
    who = facts.KIND_LABELS[mailbox.kind]
    whom = facts.KIND_LABELS_PLURAL[mailbox.kind]
    sent = mailbox.dates.email1_date
    if sent and sent <= s.today:
        lines = registry_emails(s)
        if s.phase is Phase.MIGRATED:
            lines += f"\n- e-mail n°4 (clôture) la nuit de la migration, le {french_date(mailbox.dates.migration_date)}"
        several = lines.count("\n") > 0
        text = (
            f"D'après le registre, {'ces e-mails ont été envoyés' if several else 'cet e-mail a été envoyé'} à "
            f"{mailbox.address} :\n{lines}\n\nSi vous ne {'les' if several else 'le'} retrouvez pas (pensez aux "
            f"courriers indésirables et aux filtres de la boîte), {lower_first(contact_block(SGNE))}"
        )
        return situated(s, Reply(text, [Q_STATUS, Q_TICKET, Q_HOW], faq(5, 8)))
    window = email1_window_status(mailbox.kind, s.today)
    if_still_nothing = (
        f"Si vous ne l'avez pas reçu à la fin de cette période, {lower_first(contact_block(SGNE))}"
    )
    if window is WindowStatus.NOT_OPEN:
        text = (
            f"Pour un {who}, le premier e-mail sera envoyé entre le "
            f"{french_date(start)} et le {french_date(end)}. Vous n'avez rien à faire d'ici là.\n\n{if_still_nothing}"
        )
        return situated(s, Reply(text, [Q_HOW, Q_STEPS], faq(5, 8)))
    if window is WindowStatus.OPEN:
        text = (
            f"La période d'envoi du premier e-mail aux {whom} court jusqu'au "
            f"{french_date(end)}. Il devrait vous parvenir d'ici là à {mailbox.address} ; vous n'avez rien à faire.\n\n"
            f"{if_still_nothing}"
        )
        return situated(s, Reply(text, [Q_HOW, Q_STATUS], faq(5, 8)))
    return situated(s, Reply(nothing_sent_text(s), [Q_TICKET, Q_CONTACTS], faq(8)))


# --- Migration status ---------------------------------------------------------------------------

def migration_status(s: Situation) -> Reply:
    if s.lookup is Lookup.NO_ADDRESS:
        text = (
            "Je ne peux indiquer l'état de la migration qu'avec l'adresse de votre BMA "
            f"({facts.ADDRESS_PATTERNS['ec']} ou {facts.ADDRESS_PATTERNS['po']}) : je consulte alors le registre "
            "de la migration."
        )
        return Reply(text, [Q_STEPS, Q_NO_EMAIL, Q_CONTACTS], [ASSISTANT])
    if s.lookup is not Lookup.FOUND:  # not in the registry, registry down or not loaded: never a guessed phase
        text = (
            "Vous pouvez situer votre boîte d'après les e-mails de la migration déjà reçus :\n"
            f"{email_sequence()}\n\n"
            f"Périodes d'envoi du premier e-mail :\n{_windows_text()}\n"
            "Si vous ne l'avez pas reçu durant la période qui vous concerne, "
            f"{lower_first(contact_block(SGNE))}"
        )
        return situated(s, Reply(text, [Q_NO_EMAIL, Q_HOW, Q_CONTACTS], faq(5, 8)))
    mailbox, phase, dates = s.mailbox, s.phase, s.mailbox.dates
    if s.nothing_sent:
        return situated(s, Reply(nothing_sent_text(s), [Q_TICKET, Q_CONTACTS], faq(8)))
    if s.not_started_after_campaign:
        return situated(s, Reply(not_started_after_campaign_text(s), [Q_TICKET, Q_CONTACTS], faq(4, 9)))
    known = [
        (n, day)
        for n, day in ((1, dates.email1_date), (2, dates.email2_date), (3, dates.email3_date))
        if day and day <= s.today
    ]
    lines = [f"- e-mail n°{n} envoyé le {french_date(day)}" for n, day in known]
    sections = (5,)
    if phase is Phase.NOT_STARTED:
        start, end = facts.EMAIL1_WINDOWS[mailbox.kind]
        lead = f"La migration de {mailbox.address} n'a pas encore commencé : aucun e-mail de la migration n'a été envoyé."
        next_step = (
            f"Prochaine étape : l'e-mail n°1, envoyé aux {facts.KIND_LABELS_PLURAL[mailbox.kind]} entre le "
            f"{french_date(start)} et le {french_date(end)}. Vous n'avez rien à faire d'ici là. Si vous ne l'avez pas "
            f"reçu à la fin de cette période, {lower_first(contact_block(SGNE))}"
        )
        sections = (5, 8)
        buttons = [Q_NO_EMAIL, Q_HOW, Q_STEPS]
    elif phase is Phase.ANNOUNCED:
        lead = f"La migration de {mailbox.address} est annoncée : l'e-mail n°1 vous a été envoyé."
        next_step = f"Prochaine étape : l'e-mail n°2 avec votre nouveau mot de passe, {facts.EMAIL_WHEN[2]}."
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
            f"La migration de {mailbox.address} est prévue le "
            f"{french_date(dates.migration_date)} (date annoncée par l'e-mail n°3)." if dates.migration_date else
            f"La migration de {mailbox.address} est prévue (e-mail n°3 envoyé)."
        )
        next_step = (
            "Prochaine étape : la nuit de la migration, l'e-mail n°4 de clôture. Ensuite, connectez-vous "
            "à la nouvelle interface par le lien de l'e-mail n°3, avec le mot de passe de l'e-mail n°2."
        )
        buttons = [Q_NEW_PASSWORD, Q_WHAT_CHANGES, Q_CONTACTS]
    else:
        lead = f"La boîte {mailbox.address} a migré vers la nouvelle interface le {french_date(dates.migration_date)}."
        next_step = (
            "Connectez-vous par le lien de l'e-mail n°3 avec le mot de passe de l'e-mail n°2 (rappelé dans "
            f"l'e-mail n°4).\n\n{remits()}"
        )
        buttons = [Q_NEW_PASSWORD, Q_WHAT_CHANGES, Q_CONTACTS]
        sections = (5, 9)
    text = lead
    if lines:
        text += "\n" + "\n".join(lines)
    text += f"\n\n{next_step}"
    return situated(s, beyond_calendar_note(s, Reply(text, buttons, faq(*sections))))


# --- Section 9 / human hand-off: routed by topic and state ----------------------------------------

def remits(first: facts.Contact = SGNE) -> str:
    """Both desks of section 9, each with its remit; ``first`` comes first."""
    order = (SGNE, ETNIC) if first is not ETNIC else (ETNIC, SGNE)
    return "\n\n".join(f"Pour {c.remit}, contactez {c.name} :\n{contact_lines(c)}" for c in order)


def more_questions(s: Situation, technical_first: bool = False) -> Reply:
    reply = Reply(remits(ETNIC if technical_first else SGNE), [Q_TICKET, Q_STATUS, Q_HOW], faq(9))
    if s.lookup is Lookup.NOT_FOUND:
        return situated(s, reply)
    return reply


def not_covered(s: Situation, technical_first: bool = False) -> Reply:
    """A question about the migration that the official FAQ does not answer: say so, name who can."""
    text = ("La FAQ officielle de la migration ne répond pas à cette question. Les services ci-dessous pourront "
            "vous renseigner.\n\n")
    return Reply(text + remits(ETNIC if technical_first else SGNE), [Q_TICKET, Q_CONTACTS, Q_HOW], faq(9))


def desk_sections(intent: str | None, s: Situation, contacts: tuple) -> tuple[int, ...]:
    """The FAQ sections that send this question, in this situation, to these desks."""
    if s.nothing_sent:
        return (8,)
    if s.lookup is Lookup.FOUND and s.not_started_after_campaign:
        return (4, 9)
    sections = {"faq_lost_new_password": {6}, "faq_lost_old_password": {7}, "faq_no_email_received": {8}}.get(
        intent or "", {9})
    if s.general_after_campaign and intent in desks.PASSWORD_INTENTS and ETNIC in contacts:
        sections = {3}
    if s.lookup is Lookup.NOT_FOUND:
        sections.add(9)
    return tuple(sorted(sections))


def handoff(s: Situation, contacts: tuple, not_understood: bool, intent: str | None = None) -> Reply:
    """The desk(s) for the question asked last, each with why (``desks.handoff_contacts``, ``desks.why``)."""
    lead = "Je n'arrive pas à répondre à votre question." if not_understood else ""
    lead += " Voici les services à contacter :" if len(contacts) > 1 else " Voici le service à contacter :"
    lead = lead.strip()
    if s.lookup is Lookup.NOT_FOUND:
        lead = f"Je ne trouve pas {s.address} dans le registre de la migration : vérifiez l'adresse. {lead}"
    if set(contacts) == {SGNE, ETNIC} and not s.nothing_sent:
        body = remits(contacts[0])
    else:
        body = "\n\n".join(
            f"{c.name[0].upper()}{c.name[1:]} : {desks.why(c, intent, s.period, s.phase, s.nothing_sent)}.\n"
            f"{contact_lines(c)}" for c in contacts
        ) + f"\n{details_reminder()}"
    reply = Reply(f"{lead}\n\n{body}", [Q_TICKET, Q_STATUS], faq(*desk_sections(intent, s, contacts)))
    if s.lookup is Lookup.FOUND:
        reply.with_sources(registry(s.mailbox.provenance))
    return reply


def address_problem(check) -> str:
    """Why the text is not a BMA address, with a suggestion for near-misses (a turn of the
    address form: the assistant's own words, no fact of the FAQ beyond the address's shape)."""
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
