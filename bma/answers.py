"""What the assistant says: the FAQ's answers in French, by topic, date, period and mailbox state.

Pure Python (no Rasa import). Every fact comes from ``bma.facts``; every desk from ``bma.desks``;
every reply declares its sources (``bma.replies``). A state-dependent answer always says where the
state comes from: the registry's import, or the demonstration data; with no registry, it says it
does not know the state and gives what the FAQ says for each case.

By job: the situation and the shared phrasings in bma/situation.py, the password answers (§6, §7)
in bma/passwords.py; their names are importable from here too.
"""
from __future__ import annotations

from bma import desks, facts
from bma.facts import ETNIC, SGNE, contact_lines, french_date
from bma.passwords import (  # noqa: F401  (re-exported: bma.answers is the answers' one entry)
    BROWSER_STEPS,
    NO_PASSWORD_AT_ALL,
    _new_password_forms,
    beyond_calendar_note,
    campaign_over_recovery,
    lost_new_password,
    lost_old_password,
    not_migrated_yet,
    not_started_after_campaign_text,
    nothing_sent_text,
)
from bma.phases import (
    CampaignPeriod,
    Phase,
    WindowStatus,
    email1_window_status,
)
from bma.replies import (
    ASSISTANT,
    Q_CONTACTS,
    Q_HOW,
    Q_NEW_PASSWORD,
    Q_NO_EMAIL,
    Q_REASON,
    Q_STATUS,
    Q_STEPS,
    Q_TICKET,
    Q_WHAT_CHANGES,
    Reply,
    faq,
    registry,
)
from bma.situation import (  # noqa: F401  (re-exported: bma.answers is the answers' one entry)
    DEMO_WARNING,
    Lookup,
    Situation,
    contact_block,
    contact_inline,
    desk_case,
    desk_where,
    desks_named,
    details_reminder,
    lower_first,
    situated,
    state_note,
    tense,
)


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
