"""FAQ section 3 (« Qu'est-ce qui change ? »): six sub-answers, chosen from the question's words
or from a quick reply's ``change_topic`` entity (no Rasa import)."""
from __future__ import annotations

import re

from bma import facts
from bma.answers import Situation
from bma.replies import Q_CONTACTS, Q_NEW_PASSWORD, Q_OLD_PASSWORD, Q_STATUS, Q_WHAT_CHANGES, Reply, what_changes_button
from bma.text import plain


CHANGE_TOPIC_WORDS = (
    # Checked in order: the most specific words first.
    ("forwarding", r"redirig|redirect|redirection|forward|transf[eé]r|faire suivre|renvoi automatique"),
    ("storage", r"stockage|capacit|place|quota|espace|pleine|taille|plus grande|combien de go|pi[eè]ces? jointes?"),
    ("outlook_web", r"outlook|application|appli|navigateur|interface web|webmail|sur le web|consulter|lire (mes|les) (e-?)?mails"),
    ("contact_point", r"qui g[eè]re|point de contact|qui s'occupe|qui contacter|enseignement\.be|etnic|contact"),
    ("new_password", r"mot de passe|mdp|password|code d'acc"),
    ("address_unchanged", r"adresse|ec\d|po\d|adm\.cfwb"),
)
CHANGE_TOPICS = [topic for topic, _ in CHANGE_TOPIC_WORDS] + ["overview"]


def change_topic(text: str) -> str:
    """Which sub-answer of section 3 a question asks for (``overview`` when unclear)."""
    lowered = plain(text)
    for topic, words in CHANGE_TOPIC_WORDS:
        if re.search(words, lowered):
            return topic
    return "overview"


def what_changes(s: Situation, topic: str) -> Reply:
    storage = f"une capacité de stockage {facts.STORAGE_FACTOR_TEXT} supérieure"
    answers_by_topic = {
        "overview": Reply(
            "Votre adresse mail administrative ne change pas. Ce qui change :\n"
            "1. un nouveau mot de passe pour la nouvelle interface, envoyé par l'e-mail n°2 ;\n"
            "2. un nouveau point de contact pour la gestion des BMA ;\n"
            "3. les redirections automatiques sont déconseillées ;\n"
            f"4. {storage}, et l'accès par le web ou par Outlook.",
            [what_changes_button("Le nouveau mot de passe", "new_password"),
             what_changes_button("Qui contacter désormais ?", "contact_point"),
             what_changes_button("Les redirections", "forwarding")],
        ),
        "address_unchanged": Reply(
            f"Votre adresse ne change pas : {facts.ADDRESS_PATTERNS['ec']} ou {facts.ADDRESS_PATTERNS['po']} "
            "reste identique après la migration.",
            [what_changes_button("Et le mot de passe ?", "new_password"), Q_WHAT_CHANGES],
        ),
        "new_password": Reply(
            "Oui, toutes les BMA reçoivent un nouveau mot de passe pour la nouvelle interface (une leçon "
            "de la phase pilote). Il arrive dans l'e-mail n°2, une semaine après l'e-mail n°1 : conservez "
            "cet e-mail précieusement, vous en aurez besoin pour vous connecter.",
            [Q_NEW_PASSWORD, Q_OLD_PASSWORD, Q_STATUS],
        ),
        "contact_point": Reply(
            "Le service Enseignement.be gère les BMA qui n'ont pas encore migré, jusqu'à la fin de la "
            "période de migration. Une fois votre boîte migrée, c'est le Service Desk de l'ETNIC qui gère "
            "les demandes de récupération des mots de passe : inutile alors de contacter Enseignement.be "
            "pour votre accès.",
            [Q_CONTACTS, Q_STATUS],
        ),
        "forwarding": Reply(
            "Les redirections automatiques (« forward ») vers une autre boîte sont déconseillées dans la "
            "nouvelle interface : elles posent des problèmes de sécurité et de confidentialité des données. "
            f"Elles ne sont plus utiles pour gagner de la place : la nouvelle boîte a {storage}.",
            [what_changes_button("Plus de stockage ?", "storage"),
             what_changes_button("Utiliser Outlook ?", "outlook_web")],
        ),
        "storage": Reply(
            f"La nouvelle BMA a {storage} à l'ancienne : plus besoin de rediriger vos e-mails ailleurs "
            "faute de place.",
            [what_changes_button("Les redirections", "forwarding"),
             what_changes_button("Utiliser Outlook ?", "outlook_web")],
        ),
        "outlook_web": Reply(
            "Après la migration, vous consultez votre BMA au choix par une interface web (le lien est dans "
            "l'e-mail n°3) ou par une application de bureau comme Outlook. Vous vous connectez avec le mot "
            "de passe de l'e-mail n°2.",
            [Q_NEW_PASSWORD, Q_CONTACTS],
        ),
    }
    return answers_by_topic.get(topic, answers_by_topic["overview"])


