"""FAQ section 3 (« Qu'est-ce qui change ? »): its sub-answers, chosen from the question's words
or from a quick reply's ``change_topic`` entity (no Rasa import).

A sub-answer is given only when it answers the question: a question on a detail the FAQ does not
give (the size of attachments, a capacity in gigabytes, configuring a phone) gets « la FAQ ne le
précise pas » with the desk that can answer, not the nearest sub-answer.
"""
from __future__ import annotations

import re

from bma import facts
from bma.answers import Situation, contact_block
from bma.phases import CampaignPeriod
from bma.replies import (
    Q_CONTACTS,
    Q_NEW_PASSWORD,
    Q_OLD_PASSWORD,
    Q_STATUS,
    Q_TICKET,
    Q_WHAT_CHANGES,
    Reply,
    faq,
    what_changes_button,
)
from bma.text import plain

# Details the FAQ does not give, all technical (§9: the ETNIC Service Desk).
NOT_IN_FAQ_WORDS = (
    # Attachments only with a size or a limit (« la taille des pièces jointes »): a full box « because of
    # attachments » asks about capacity.
    r"(taille|poids|limite|max|lourde?s?|volumineuse?s?)\W+(\w+\W+){0,3}pi[eè]ces? jointes?|"
    r"pi[eè]ces? jointes?\W+(\w+\W+){0,3}(taille|poids|limite|max|lourde?s?|volumineuse?s?)|"
    r"taille (max|limite|des)|limite de taille|poids (max|des)|"
    r"combien de (go|giga|mo|mega)|\d+ ?(go|gb|mo|mb)\b|en (go|giga)|"
    r"configur|param[eè]tr|iphone|android|smartphone|gsm|tablette|imap|smtp|pop3|"
    # A box or an address for other people than the school's or the PO's (pupils, each teacher).
    r"\b(eleves|enseignants|professeurs|profs|instituteurs|institutrices|educateurs|chaque (prof|enseignant|membre))\b"
    r"\W+(\w+\W+){0,6}(une|leur|leurs|sa|son|propre|chacun|chacune) (\w+ )?(adresses?|boites?|comptes?)\b"
)
PASSWORD_WORDS = r"(mot de passe|mdp|password|code d'acc)"
CHANGE_TOPIC_WORDS = (
    # Checked in order: the most specific words first.
    ("forwarding", r"redirig|redirect|redirection|forward|transfer|faire suivre|renvoi automatique|"
                   r"\brenvoi(e|ent|s)? (tout|tous|toutes|les|nos|mes|des)\b|\brenvoyer (tout|tous|toutes|les|nos|mes)\b|vers une autre (boite|adresse)|"
                   r"\b(renvoye|renvoyes|renvoyee|renvoyees|renvoie|renvoient) (automatiquement )?(vers|sur) (l'adresse|la boite|une adresse|une boite|nos|mes|gmail|outlook)"),
    ("not_in_faq", NOT_IN_FAQ_WORDS + r"|thunderbird|serveur (entrant|sortant|de messagerie|a entrer|mail)|"
                   r"quel serveur|deux facteurs|double authentification|authentification forte|\b2fa\b|\bmfa\b"),
    ("keep_old_password", r"^(?=.*" + PASSWORD_WORDS + r").*?((garde|conserve|reutilise|remettre|reprendre|continuer|utiliser encore|utiliser toujours|"
                          r"encoder|retaper|employer)\w*\b.{0,40}\b(ancien|meme|actuel|habituel|d'avant|precedent|smail)|"
                          r"(ancien|meme|habituel) " + PASSWORD_WORDS
                          + r".{0,40}(reste|restera|valable|garde|marche|fonctionne)|" + PASSWORD_WORDS
                          + r" (actuel|habituel|d'avant|de tous les jours|de maintenant|courant)\b.{0,40}"
                          r"(reste|restera|valable|marche|fonctionne|encore)|" + PASSWORD_WORDS
                          + r".{0,80}\b(le|la) (garder|conserver)\b|(ne pas|pas) (changer|modifier) (de|le|mon|notre) "
                          + PASSWORD_WORDS + r"|" + PASSWORD_WORDS + r" (actuel|habituel|d'avant)\w* (conserv|gard)|"
                          r"meme " + PASSWORD_WORDS + r" qu'avant)"),
    ("address_unchanged", r"(nouvelle|autre) adr?ess?e|changer d'adr?ess?e|changement d'adr?ess?e|"
                          r"adr?ess?e (change|changera|va[- ]t[- ]elle changer|va changer|reste|restera|sera)|"
                          r"adr?ess?e\b(\W+\w+){1,4}\W+(change|changera|va[- ]t[- ]elle changer|va changer|restera)\b"),
    ("storage", r"stockage|stokage|storage|capacit|place|quota|espace|esapce|pleine|plus grande?\b|satur|trop petite"),
    ("outlook_web", r"outlook|application|appli|navigateur|interface web|webmail|sur le web|consulter|ecran|"
                    r"a quoi (ressemble|ressemblera)|lire (mes|les) (e-?)?mails|logiciel|client (e-?)?mail|"
                    r"client de messagerie|programme (de )?(courrier|messagerie|mail)"),
    ("contact_point", r"qui gere|point de contact|qui s'occupe|qui (se )?charge|qui contacter|quel service|"
                      r"(m'adresse|m'adresser|s'adresser|dois-je m'adresser|adresser) a qui|a qui (m'adresser|s'adresser)|"
                      r"enseignement\.be|etnic|\bcontacter\b|nouveau contact|nouvel interlocuteur|contact pour (la gestion|les bma)|"
                      r"\b(appelle|appeler|telephone|ecris|ecrire) (a )?qui\b|qui (appeler|aide|aidera)|\bsupport\b|vers quel service|"
                      r"interlocuteur|qui (traite|traitera|va traiter|va gerer|gerera|s'en occupe|s'en occupera)\b|"
                      r"\ba qui\b(\W+\w+){1,3}\W+(m'adresser|s'adresser|nous adresser|ecrire|envoyer|demander)\b"),
    ("new_password", PASSWORD_WORDS),
    ("address_unchanged", r"adr?ess?e|ec\d|po\d|adm\.cfwb"),
)
CHANGE_TOPICS = list(dict.fromkeys(topic for topic, _ in CHANGE_TOPIC_WORDS)) + ["overview"]


# The quick reply that opens one sub-answer (a second question in a message: its sub-answer one click away).
SUB_ANSWER_LABELS = {
    "address_unchanged": "Mon adresse change-t-elle ?", "new_password": "Le nouveau mot de passe",
    "keep_old_password": "Garder l'ancien mot de passe ?", "contact_point": "Qui contacter désormais ?",
    "forwarding": "Les redirections", "storage": "Plus de stockage ?", "outlook_web": "Utiliser Outlook ?",
}


def topic_button(topic: str) -> tuple[str, str]:
    return what_changes_button(SUB_ANSWER_LABELS[topic], topic)


def sub_answer_button(text: str) -> tuple[str, str] | None:
    """The button of the sub-answer of section 3 that ``text`` asks for, if one is named."""
    topic = change_topic(text)
    return topic_button(topic) if topic in SUB_ANSWER_LABELS else None


def change_topic(text: str) -> str:
    """Which sub-answer of section 3 a question asks for (``overview`` when unclear)."""
    lowered = plain(text)
    for topic, words in CHANGE_TOPIC_WORDS:
        if re.search(words, lowered):
            return topic
    return "overview"


def contact_point_text(s: Situation) -> str:
    if s.period is CampaignPeriod.OVER:
        why = ("La période de migration est terminée" if s.calendar is CampaignPeriod.OVER
               else "Toutes les boîtes du registre de la migration ont migré")
        return (
            f"{why} : c'est désormais le Service Desk de l'ETNIC qui gère les demandes de récupération des mots de "
            "passe des BMA. Il n'est plus nécessaire de contacter le service Enseignement.be pour votre accès. "
            f"Contactez le Service Desk de l'ETNIC :\n{facts.contact_lines(facts.ETNIC)}"
        )
    return (
        "Le service Enseignement.be s'occupe de la gestion des BMA qui n'ont pas encore migré, jusqu'à la fin de "
        "la période de migration. Lorsque toutes les BMA auront migré, c'est le Service Desk de l'ETNIC qui gèrera "
        "les demandes de récupération des mots de passe. Une fois votre boîte migrée, il n'est plus nécessaire de "
        "contacter le service Enseignement.be pour votre accès."
    )


def what_changes(s: Situation, topic: str) -> Reply:
    storage = f"une capacité de stockage {facts.STORAGE_FACTOR_TEXT} supérieure"
    over = s.period is CampaignPeriod.OVER
    address = "Votre adresse, elle, n'a pas changé." if over else "Votre adresse, elle, ne change pas."
    if over:
        new_password = (
            "À la suite des enseignements de la phase pilote, chaque BMA reçoit un nouveau mot de passe pour la "
            "nouvelle interface par l'e-mail n°2 ; il est rappelé dans l'e-mail n°4, la nuit de sa migration."
        )
        keep = f"Non : le mot de passe change. {new_password} Une fois la boîte migrée, l'ancien mot de passe ne sert plus."
    else:
        new_password = (
            "À la suite des enseignements de la phase pilote, toutes les BMA reçoivent un nouveau mot de passe pour "
            f"la nouvelle interface. Il arrive dans l'e-mail n°2, {facts.EMAIL_WHEN[2]} : conservez cet e-mail "
            "précieusement, vous en aurez besoin pour vous connecter."
        )
        keep = (f"Non : votre mot de passe change. {new_password} Jusqu'à la migration de votre boîte, vous continuez "
                "à l'utiliser comme d'habitude, avec votre mot de passe actuel.")
    if topic == "keep_old_password":
        return Reply(f"{keep} {address}", [Q_NEW_PASSWORD, Q_OLD_PASSWORD, Q_STATUS],
                     faq(3, 5))
    if topic == "not_in_faq":
        return Reply(
            "La FAQ officielle ne précise pas ce point. Pour une question technique sur votre boîte mail "
            f"administrative, {contact_block(facts.ETNIC).replace('Contactez', 'contactez', 1)}\n\n"
            f"Ce que la FAQ dit de la nouvelle boîte : {storage} à l'ancienne, et l'accès par une interface web "
            "ou par une application de bureau comme Outlook.",
            [Q_TICKET, Q_CONTACTS], faq(2, 3, 9),
        )
    answers_by_topic = {
        "overview": Reply(
            "Votre adresse mail administrative ne change pas. Ce qui change :\n"
            "1. un nouveau mot de passe pour la nouvelle interface, envoyé par l'e-mail n°2 ;\n"
            "2. un nouveau point de contact pour la gestion des BMA ;\n"
            "3. les redirections automatiques sont déconseillées ;\n"
            f"4. {storage}, et l'accès par le web ou par Outlook.",
            [topic_button("new_password"), topic_button("contact_point"), topic_button("forwarding")],
            faq(2, 3),
        ),
        "address_unchanged": Reply(
            f"Votre adresse ne change pas : {facts.ADDRESS_PATTERNS['ec']} ou {facts.ADDRESS_PATTERNS['po']} "
            "reste identique après la migration. Le mot de passe, lui, change : la nouvelle interface a le sien, "
            "envoyé par l'e-mail n°2.",
            [what_changes_button("Et le mot de passe ?", "new_password"), Q_WHAT_CHANGES], faq(3),
        ),
        # Told of a new password, users ask next whether they may keep theirs: that answer one click away.
        "new_password": Reply(new_password, [topic_button("keep_old_password"), Q_NEW_PASSWORD, Q_OLD_PASSWORD, Q_STATUS],
                              faq(3, 5)),
        "contact_point": Reply(contact_point_text(s), [Q_CONTACTS, Q_STATUS], faq(3)),
        "forwarding": Reply(
            "Les redirections automatiques (« forward ») vers une autre boîte sont déconseillées dans la "
            "nouvelle interface : elles peuvent poser des problèmes de sécurité et de confidentialité des données. "
            f"Elles ne sont plus utiles pour gagner de la place : la nouvelle boîte a {storage}.",
            [topic_button("storage"), topic_button("outlook_web")],
            faq(3),
        ),
        "storage": Reply(
            f"La nouvelle BMA a {storage} à l'ancienne : il n'est donc plus nécessaire de rediriger vos e-mails vers "
            "une autre boîte par manque de place.",
            [topic_button("forwarding"), topic_button("outlook_web")],
            faq(2, 3),
        ),
        "outlook_web": Reply(
            "Après la migration, vous consultez votre BMA au choix par une interface web (le lien est dans "
            "l'e-mail n°3) ou par une application de bureau comme Outlook. Vous vous connectez avec le mot "
            "de passe de l'e-mail n°2.",
            [Q_NEW_PASSWORD, Q_CONTACTS], faq(2, 5),
        ),
    }
    return answers_by_topic.get(topic, answers_by_topic["overview"])

