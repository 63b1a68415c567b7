"""Which sub-answer of FAQ section 3 a question asks for, from its words (no import but bma.text):
read by the answers (bma/what_changes.py) and by the classifier, which asks no « Vouliez-vous
dire… » between section 3 and « not in the FAQ » for a detail the FAQ does not give (both give the
same honest reply). The model hash covers this file (Makefile, MODEL_FILES)."""
from __future__ import annotations

import re

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


def change_topic(text: str) -> str:
    """Which sub-answer of section 3 a question asks for (``overview`` when unclear)."""
    lowered = plain(text)
    for topic, words in CHANGE_TOPIC_WORDS:
        if re.search(words, lowered):
            return topic
    return "overview"
