"""FAQ section 3 (« Qu'est-ce qui change ? »): its sub-answers, chosen from the question's words
or from a quick reply's ``change_topic`` entity (no Rasa import).

A sub-answer is given only when it answers the question: a question on a detail the FAQ does not
give (the size of attachments, a capacity in gigabytes, configuring a phone) gets « la FAQ ne le
précise pas » with the desk that can answer, not the nearest sub-answer.
"""
from __future__ import annotations

from bma import facts
from bma.answers import Situation, contact_block
from bma.change_topics import (  # noqa: F401 (CHANGE_TOPICS: read as what_changes.CHANGE_TOPICS)
    CHANGE_TOPICS,
    change_topic,
)
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

