"""Password-like messages are masked; ordinary questions are not."""
from pathlib import Path

import pytest
import yaml

from bma.secrets import MASK, mask

PASSWORD_MESSAGES = [
    ("mon mot de passe est Ecole2024!", "Ecole2024!"),
    ("Mon mot de passe est Bruxelles#12", "Bruxelles#12"),
    ("mdp: azerty123", "azerty123"),
    ("mdp : soleil", "soleil"),
    ("MDP=Xk7#pQ2m", "Xk7#pQ2m"),
    ("le nouveau mot de passe : Tr0ub4dor&3", "Tr0ub4dor&3"),
    ("mot de passe = 'secret2024'", "secret2024"),
    ("password: hunter2", "hunter2"),
    ("voici mon password: P@ssw0rd", "P@ssw0rd"),
    ("pwd: lapin-bleu-42", "lapin-bleu-42"),
    ("mon mdp c'est Liege4000", "Liege4000"),
    ("le mdp est jT9$kLm2", "jT9$kLm2"),
    ("mon ancien mot de passe était Ecole_2019", "Ecole_2019"),
    ("code d'accès : 48Gh!2kd", "48Gh!2kd"),
    ("mot de passe: 123456", "123456"),
    ("mdp:ecole", "ecole"),
    ("Xk7#pQ2m9L", "Xk7#pQ2m9L"),
    ("aB3$dE6&gH", "aB3$dE6&gH"),
    ("Qw3rty!Uiop", "Qw3rty!Uiop"),
    ("voici : Zp9!vR2#tY", "Zp9!vR2#tY"),
    ("j'ai essayé mdp: Namur2023 mais ça ne marche pas", "Namur2023"),
    ("le mot de passe reçu est K8s!pL0q, il ne marche pas", None),
    ("mot de passe : «Mons-7000»", "Mons-7000"),
    ("Mot de passe: Charleroi6000$", "Charleroi6000$"),
    ("mon mot de passe est MaisonBleue2", "MaisonBleue2"),
    ("mot de passe => Az!9Az!9", "Az!9Az!9"),
    ("MDP : Ecole.Fond.42", "Ecole.Fond.42"),
    ("password = correcthorsebatterystaple", "correcthorsebatterystaple"),
    ("mdp: T3st!ng", "T3st!ng"),
    ("le code secret est 9f8G7h6J", "9f8G7h6J"),
    ("identifiant et mot de passe : ec001234 / Az3rty!!", "Az3rty!!"),
    ("mot de passe actuel est Wavre1300?", "Wavre1300?"),
]

ORDINARY_MESSAGES = [
    "j'ai perdu le nouveau mot de passe", "mon mot de passe est perdu", "mon mot de passe est oublié",
    "mon mot de passe est incorrect", "le mot de passe est expiré", "mon mdp est bloqué",
    "mot de passe oublié", "mdp perdu", "je n'ai plus mon ancien mot de passe", "le mot de passe ne marche pas",
    "où trouver le mot de passe ?", "mon mot de passe est dans le mail 2 ?", "mot de passe de la BMA",
    "comment changer de mot de passe", "le mot de passe est-il le même ?", "le mot de passe est envoyé quand ?",
    "ec001234@adm.cfwb.be", "EC001234@ADM.CFWB.BE", "po000123@adm.cfwb.be", "mon adresse est ec004567@adm.cfwb.be",
    "notre numéro FASE est 1234", "FASE 004567", "le FASE de l'école : 1234", "ec001234", "po000123",
    "le 15/11/2024", "2024-11-15", "migration le 18 novembre 2024", "j'ai reçu l'e-mail n°2 le 11/11/2024",
    "+32 (0)2 413.3090", "appeler le +32 (0)2 800.1010", "02 413 30 90", "0470/12.34.56",
    "bonjour", "merci beaucoup", "au revoir", "oui", "non", "je veux parler à un humain",
    "qu'est-ce qu'une BMA ?", "pourquoi cette migration ?", "qu'est-ce qui change pour moi ?",
    "quelles sont les étapes de la migration ?", "que dois-je faire pour migrer ma boîte ?",
    "je n'ai reçu aucun mail", "j'ai encore des questions", "où en est ma boîte ?",
    "https://www.enseignement.cfwb.be/eforms/portal/rest/start/smail2_mode",
    "migrationbma@cfwb.be", "support@etnic.be", "BMA@enseignement.be", "SMAIL2", "Exchange", "Outlook",
    "Cerbère EDU", "mon identifiant Cerbère ne marche pas", "la capacité est multipliée par 25",
    "environ 3500 boîtes", "entre le 7 et le 31 octobre 2024", "les écoles entre le 4 et le 30 novembre",
    "je suis la secrétaire de l'Athénée Royal de Liège", "Institut Saint-Joseph", "École fondamentale n°12",
    "notre PO est la Ville de Namur", "CPMS de Mons", "Internat autonome", "ESAHR Jodoigne",
    "j'ai un problème avec Outlook 365", "Windows 11", "iPhone 15", "Android 14",
    "le mail 3 contient un lien", "le mail n°4 est arrivé cette nuit", "j'ai cliqué sur le lien du mail 3",
    "ma boîte est pleine à 98%", "2 Go de pièces jointes", "mot de passe enregistré dans Firefox",
    "Edge > Paramètres > Profils > Mots de passe", "comment afficher un mot de passe dans Chrome",
    "Jean-François Dupont", "Marie-Claire Van den Bossche", "Dupont", "Anne",
    "nous n'avons rien reçu depuis le 04/11", "est-ce normal ?", "c'est urgent !!!",
    "le nouveau mot de passe arrive avec l'e-mail n°2", "mot de passe perdu pour ec000002@adm.cfwb.be",
    "statut de po000002@adm.cfwb.be", "quand migre ec000003@adm.cfwb.be ?",
    "je ne connais pas l'adresse", "/faq_lost_new_password", '/faq_what_changes{"change_topic": "storage"}',
    "/deny", "/request_ticket", "Prochaine étape ?", "J'ai oublié", "réinitialisation",
    "les redirections automatiques", "forward vers gmail", "Microsoft Exchange Online",
    "le 1er octobre", "30/11/24", "n°2", "FWB", "SGNE", "ETNIC", "MODE", "hors MODE",
    "mon mot de passe est le même qu'avant ?", "mon mot de passe est toujours valable ?",
]


@pytest.mark.parametrize("message, secret", PASSWORD_MESSAGES)
def test_password_like_messages_are_masked(message, secret):
    masked = mask(message)
    assert masked.found, message
    assert MASK in masked.text
    if secret:
        assert secret not in masked.text


def test_corpus_sizes():
    assert len(PASSWORD_MESSAGES) >= 30 and len(ORDINARY_MESSAGES) >= 100


@pytest.mark.parametrize("message", ORDINARY_MESSAGES)
def test_ordinary_messages_are_not_masked(message):
    masked = mask(message)
    assert not masked.found and masked.text == message


# Issue #22: weak passwords after a cue (the examples and the development cases; the
# independent corpus tests/corpora/passwords_weak.yml is the gate, read by test_weak_passwords).
WEAK_PASSWORDS = [
    ("mon mot de passe est bonjour", ["bonjour"]),
    ("mdp : Bonjour!", ["Bonjour!"]),
    ("mot de passe: correct horse battery staple", ["correct horse battery staple"]),
    ("mdp: 4821", ["4821"]),
    ("Mon code c'est 4821", ["4821"]),
    ("identifiant ec001234, mot de passe secretariat", ["secretariat"]),
    ("mdp namur", ["namur"]),
    ("le code PIN est 0000", ["0000"]),
    ("mot de passe : le petit chat gris", ["le petit chat gris"]),
    ("mdp = simple", ["simple"]),
    ("mon ancien mot de passe était direction et il ne passe plus", ["direction"]),
    ("MDP : MARIE", ["MARIE"]),
    ("password is welcome", ["welcome"]),
    ("mot de passe « maternelle »", ["maternelle"]),
    ("code d'accès 271104", ["271104"]),
    # Stop 26: shapes generalised from the first sealed corpus once it became development data.
    ("j'avais mis Ostende", ["Ostende"]),
    ("je tape namur et ça ne marche pas", ["namur"]),
    ("j'ai essayé letmein, welcome et password", ["letmein", "welcome", "password"]),
    ("mot de passe oublié... enfin non je crois que c'était hirondelle", ["hirondelle"]),
    ("Thomas1982 c'est mon mot de passe", ["Thomas1982"]),
    ("Lucie est mon mot de passe", ["Lucie"]),
    ("mon nouveau mot de passe est arlon et l'ancien était namur", ["arlon", "namur"]),
    ("mot de passe est Tournai depuis des années", ["Tournai"]),
    ("Mijn wachtwoord is fietsbel maar het werkt niet meer", ["fietsbel"]),
    ("mot de passe c'est Marie-Claire", ["Marie-Claire"]),
    ("mot de passe: cartable", ["cartable"]),
    ("mot de passe les gaufres de liège", ["les gaufres de liège"]),
    ("MOT DE PASSE : JE SUIS LA DIRECTRICE", ["JE SUIS LA DIRECTRICE"]),
    ("identifiants = ec000567@adm.cfwb.be + Banane", ["Banane"]),
    ("J'ai essayé mot de passe girafe puis mot de passe Girafe!", ["girafe", "Girafe!"]),
    ("mdp: trois petits cochons", ["trois petits cochons"]),
]
NOT_WEAK_PASSWORDS = [
    "mon mot de passe est perdu", "mon mdp est refusé depuis hier", "le mot de passe du mail n°2 ne marche pas",
    "mot de passe : je ne le retrouve plus", "mdp oublié svp", "mon code postal est 5000", "numéro FASE 4521",
    "le code d'erreur est 404", "mon mot de passe est le même qu'avant", "le mot de passe est celui du mail 2",
    "mot de passe incorrect, que faire ?", "mon mot de passe est trop long", "mdp de l'ancienne boîte",
    "le mot de passe a expiré le 12/11", "mon mot de passe est faux", "mot de passe bloqué après 3 essais",
    "quel est le mot de passe à utiliser ?", "mot de passe : aucune idée", "mon mot de passe ? je l'ai perdu",
    "mdp: celui de l'e-mail n°2", "mot de passe: toujours refusé", "le code de l'école est-il demandé ?",
    "mon mot de passe est valable pour toutes les boîtes", "mon mot de passe est noté dans un carnet au bureau",
    "le mot de passe transmis pour accéder à la nouvelle boîte", "le nouveau mdp est parti avec l'ancienne directrice",
    "on utilise Thunderbird depuis des années", "une migration entre octobre et novembre",
    "mot de passe ou itsme, que faut-il utiliser ?", "c'était un mot de passe que j'avais choisi moi-même",
    "Password rejected again.", "mot de passe incorrect, pourtant c'est bien celui-là",
    "Het wachtwoord was hetzelfde voor de school en de inrichtende macht.",
    "Le mot de passe apparaît en points noirs, comment le voir en clair ?",
    "Je préfère ne pas écrire mon mot de passe dans ce chat, qui dois-je appeler ?",
    "adresse, mot de passe, consultation : qu'est-ce qui change ?",
]


@pytest.mark.parametrize("message, secrets", WEAK_PASSWORDS)
def test_weak_passwords_after_a_cue_are_masked(message, secrets):
    masked = mask(message)
    assert masked.found, message
    for secret in secrets:
        assert secret not in masked.text, masked.text


@pytest.mark.parametrize("message", NOT_WEAK_PASSWORDS)
def test_words_about_a_password_are_not_masked(message):
    assert mask(message).text == message


# Shapes from the third development corpus (stop 28), and what must stay unmasked beside them.
@pytest.mark.parametrize("text, secret", [
    ("mot de pase : Papillon", "Papillon"),
    ("ec2828282@adm.cfwb.be = Théo", "Théo"),
    ("po6060606@adm.cfwb.be / 05041972", "05041972"),
    ("Je me connecte sur ec3456789@adm.cfwb.be avec Nala! mais Outlook me renvoie une erreur", "Nala"),
    ("Je crois que c'est Jodoigne le mot de passe, enfin c'était ça avant", "Jodoigne"),
    ("mon mot de passe (simple) ne fonctionne plus depuis hier", "simple"),
    ("code : 12 34 56", "12 34 56"),
    ("le mot de passe c'est ma date de mariage 25061994", "25061994"),
    ("j'ai pourtant tapé le mot de passe Garfield comme d'habitude", "Garfield"),
    ("ma phrase de passe c'est « il pleut sur Namur », elle est refusée", "il pleut sur Namur"),
])
def test_weak_shapes_of_the_third_corpus_are_masked(text, secret):
    assert secret not in mask(text).text


@pytest.mark.parametrize("text", [
    "code: 550 5.1.1 User unknown",
    "mot de passe refusé : « Nom d'utilisateur ou mot de passe incorrect »",
    "login/mot de passe refusés sur la nouvelle interface",
    "code: erreur",
    "mdp : trop court selon le message d'erreur",
    "mot de passe école refusé, mot de passe PO accepté",
    "mon mot de passe Twitter est piraté",
])
def test_descriptions_near_the_new_shapes_stay_as_typed(text):
    assert mask(text).text == text


# One fragment names « the password » in every pattern (bma.secrets.words.PASSWORD_NOUN): a typed
# « mot de pase » now works where only « mot de passe » did (cleft, apposition, value before the cue).
@pytest.mark.parametrize(("text", "secret"), [
    ("c'est tulipe mon mot de pase", "tulipe"),
    ("mon mo de passe, framboise, ne marche plus", "framboise"),
    ("tulipe est mon mot de pase", "tulipe"),
    ("ok, Nala comme mot de pase", "Nala"),
])
def test_a_misspelt_password_word_is_a_cue_in_every_pattern(text, secret):
    assert secret not in mask(text).text


@pytest.mark.parametrize("text", [
    "mon mot de pase est perdu",
    "c'est le mot de pase du mail 2 qui ne marche pas",
    "ce n'est pas mon mot de pase",
    # Dutch « en » is « and »: the word before it is no password.
    "ik ben mijn login en wachtwoord vergeten",
    "mijn gebruikersnaam en wachtwoord kloppen niet",
    "je n'ai plus mon login en password",
])
def test_a_misspelt_password_word_still_describes(text):
    assert mask(text).text == text


def development_corpus(number: int):
    """A development corpus of weak passwords, masked: (corpus, secrets, secrets left, ordinary
    messages masked, items with an address)."""
    corpus = yaml.safe_load((Path(__file__).parents[1] / "corpora" / "development" / f"passwords_weak_{number}.yml")
                            .read_text(encoding="utf-8"))
    secrets = [(item["text"], s) for item in corpus["secret_bearing"] for s in item["secrets"]]
    left = [(text, s) for text, s in secrets if s in mask(text).text]
    false = [item["text"] for item in corpus["ordinary"] if mask(item["text"]).found]
    addresses = [item for item in corpus["secret_bearing"] + corpus["ordinary"] if item.get("address")]
    return corpus, secrets, left, false, addresses


# --- development corpus 4 (stop 30): the rules measured on it, floors at today's measure ----------------
def test_the_fourth_weak_password_corpus():
    """417 weak secrets after cues and 527 ordinary messages written apart (read to write the stop-30
    rules: relative clauses, values before « = mon mdp », « comme mot de passe » after a state, English
    and Dutch « as password », typing verbs after fillers, quoted passphrases, appositions)."""
    corpus, secrets, left, false, addresses = development_corpus(4)
    assert len(secrets) == 417 and len(corpus["ordinary"]) == 527
    assert len(left) <= 25, left  # 50 before the stop-30 rules, 27 before stop 31
    assert len(false) <= 2, false  # 19 before
    assert all(item["address"] in mask(item["text"]).text for item in addresses)


@pytest.mark.parametrize(("text", "secret"), [
    ("Le mot de passe que la directrice m'a donné est Citadelle, mais Outlook dit non", "Citadelle"),
    ("le code à 6 chiffres qu'on a choisi est 280912.", "280912"),
    ("bateau = mon mot de passe", "bateau"),
    ("binche c mon mdp", "binche"),
    ("« Inès » c'est mon mot de passe actuel", "Inès"),
    ("Maison! est refusé comme mot de passe", "Maison!"),
    ("I typed football as password and it says incorrect", "football"),
    ("Ik gebruik appel als wachtwoord", "appel"),
    ("mon mot de passe habituel, coccinelle, et il ne passe plus", "coccinelle"),
    ("j'ai tout essayé : abeille, Abeille. Rien ne marche comme mot de passe", "Abeille"),
    ("Le mot de passe choisi (Trampoline) a été accepté", "Trampoline"),
    ("mdp : gaufrette 🙃 ça ne marche pas", "gaufrette"),
    ("un papier avec « mdp : Remplacement ». Rien d'autre.", "Remplacement"),
    ("code secret 3690", "3690"),
])
def test_stop_30_shapes_are_masked(text, secret):
    assert secret not in mask(text).text


@pytest.mark.parametrize(("text", "shown"), [
    ('"Inès c\'est mon mot de passe', '"[secret masqué] c\'est mon mot de passe'),  # an opening quote alone
    ('"Citadelle = mon mdp', '"[secret masqué] = mon mdp'),
])
def test_a_quote_without_its_closing_one_hides_the_whole_value(text, shown):
    assert mask(text).text == shown


@pytest.mark.parametrize("text", [
    "quel mot de passe faut-il mettre, l'ancien ou le nouveau ?",
    "Mon mot de passe, c'est l'ancien, je n'en ai pas d'autre.",
    "mot de passe : aidez-moi svp",
    "m.d.p. expiré",
    "Dag, mijn wachtwoord wordt geweigerd sinds de migratie naar Exchange.",
    "le mot de passe que vous m'avez envoyé est incorrect",
    "Je tape Entrée et rien ne se passe.",
    "j'ai essayé 10 mots de passe différents",
    "mdp : j'ai tout essayé",
    # a review with fresh eyes found these masked by a first version of the stop-30 rules
    'J\'ai essayé "Renvoyer le code" trois fois.',
    "J'ai choisi « Recevoir un SMS » mais le code n'arrive pas.",
    "Ma date de naissance est refusée comme mot de passe, c'est normal ?",
    "Le nom de l'école est refusé comme mot de passe",
    "L'ancien est refusé comme mot de passe",
    "Welke tekens mag ik gebruiken als wachtwoord?",
    "Can I use spaces as password",
    "I can't use my name as password",
    "Le mot de passe secrétariat fonctionne pas depuis lundi.",
    "Mot de passe administration 😭",
    "Le mot de passe Wifi (invités) ne marche pas",
    "Le code qu'on m'a envoyé par SMS ce matin est incomplet",
    "Désolée c mon mdp qui bloque encore",
    "Login = mon mdp ?",
    "J'ai voulu mettre Authenticator sur mon GSM, mot de passe refusé",
    "Mon mot de passe ? C'est Réglé.",
])
def test_stop_30_look_alikes_stay_as_typed(text):
    assert mask(text).text == text


@pytest.mark.parametrize("word", ["a" * 1000, "a" * 999 + "_b"])
def test_a_long_run_of_letters_after_a_cue_is_judged_without_backtracking(word):
    """The snake_case check (words.SNAKE_IDENTIFIER) backtracked cubically: 1 000 letters took ≈ 4 s,
    15 s for 1 500; only words with « _ » and at most 64 characters go through it now."""
    import time

    started = time.perf_counter()
    assert mask("mot de passe " + word).found
    assert time.perf_counter() - started < 1.0


# --- development corpus 5 (stop 31): the rules measured on it, floors at today's measure ----------------
def test_the_fifth_weak_password_corpus():
    """339 weak secrets and 477 ordinary messages written apart (read to write the stop-31 rules: the
    value after « changé le mdp en », a PIN in parentheses after its cue, « le même partout : X »,
    an address « et » a word, a passphrase before « c'est ma phrase de passe », typing verbs in the
    present and after a modal, SMS clause ends, other spellings of a found secret)."""
    corpus, secrets, left, false, addresses = development_corpus(5)
    assert len(secrets) == 339 and len(corpus["ordinary"]) == 477
    assert len(left) <= 10, left  # 33 before the stop-31 rules
    assert len(false) <= 1, false  # 9 before
    assert all(item["address"] in mask(item["text"]).text for item in addresses)
    once = [mask(item["text"]).text for item in corpus["secret_bearing"] + corpus["ordinary"]]
    assert [text for text in once if mask(text).text != text] == []  # masking a masked text changes nothing


@pytest.mark.parametrize(("text", "secret"), [
    ("j'ai changé le mot de passe en framboise la semaine passée", "framboise"),
    ("Le code reçu par SMS (418203) ne fonctionne plus", "418203"),
    ("j'utilise le même partout : Caramel!", "Caramel!"),
    ("je me connecte avec ec012345@adm.cfwb.be et girafe, c'est bien ça ?", "girafe"),
    ("la mer est calme ce soir — c'est ma phrase de passe", "la mer est calme ce soir"),
    ("Framboise, c'est ça mon mot de passe.", "Framboise"),
    ("pour le mot de passe, vous pouvez essayer avec tournesol", "tournesol"),
    ("quand je mets Noisette! ça dit trop court", "Noisette!"),
    ("mon mdp c pivoine mé sa marche pa", "pivoine"),
    ("mdp?? c'est mirabelle je crois", "mirabelle"),
    ("le mot de passe c'est toujours 'cantine' ?", "cantine"),
    ("J'AI TAPÉ BONSOIR ET ÇA MARCHE PAS", "BONSOIR"),
    ("j'ai mis 'le vent se lève' comme phrase secrète", "le vent se lève"),
    ("Le mot de passe que j'avais choisi était glycine mais il est refusé", "glycine"),
    ("mon mot de passe c'était Hérisson ou Herisson, je ne sais plus", "Herisson"),
    ("j'ai mis ma date de naissance : 03051972", "03051972"),
    # real passwords the first version of the stop-31 closed list left visible
    ("j'ai essayé manager et admin", "manager"),
    ("mot de passe : c'est la vie", "c'est la vie"),
    ("mon mot de passe est Dimanche", "Dimanche"),
])
def test_stop_31_shapes_are_masked(text, secret):
    assert secret not in mask(text).text


@pytest.mark.parametrize("text", [
    "Mot de passe: toujours le message d'erreur",
    "mdp : c'est la secrétaire qui l'a",
    "mot de passe provisoire : illisible sur mon écran",
    "Notre code établissement pour le CEB c'est 3012",
    "My account is locked after too many password attempts.",
    "mot de passe : le nouveau",
    "Chrome me propose un mot de passe fort, je l'accepte ?",
    "j'ai changé mon mot de passe en ligne hier",
    "j'ai changé le mot de passe en un plus long",
    "je l'avais choisi comme ça pour ne pas l'oublier",
    "je n'ai pas compris quel mot de passe utiliser, celui du mail ?",
    "J'ai mis une phrase comme mot de passe, c'est permis ?",
    "Le code reçu par SMS (6 chiffres) ne marche pas",
    "j'ai le même partout : dans Outlook et sur le web",
    "Je n'arrive pas à me connecter — c'est mon mot de passe qui bloque",
    "je me connecte avec ec012345@adm.cfwb.be et rien ne se passe",
    "mon mot de passe est perdu je crois",
    # a review with fresh eyes found these masked by a first version of the stop-31 rules
    "Je vais essayer vendredi, je suis absente jusque-là",
    "Je mets Benoît dans la boucle.",
    "je vais mettre Martine en copie",
    "Je vais essayer de suivre les e-mails n°1–4 dans l'ordre",
    "C'est noté, je suis joignable de 8h30-12h",
    "J'ai noté le numéro de ticket SD-456789",
    "J'ai noté la référence 12092024 pour le Service Desk",
    "Outlook m'a demandé le fuseau horaire, j'ai choisi Bruxelles.",
    "J'ai changé mon mot de passe par sécurité.",
    "J'ai changé le mot de passe pour pouvoir accéder à Outlook.",
    "J'ai changé mon mot de passe en suivant l'e-mail n°2.",
    "J'ai changé mon mot de passe en 2024 déjà",
    "J'ai reçu le mot de passe lundi par SMS",
    "Le changement de mot de passe c'est lundi je crois",
    "mon mot de passe est désormais obsolète je crois",
    "le mdp c galère mé bon…",
    "Je confirme, c'est bien le code reçu par SMS.",
    "Deuxième souci - c'est mon mot de passe.",
    "Le problème est le même partout : blocage après trois essais.",
    "Je me connecte avec ec012345@adm.cfwb.be et mon mot de passe habituel, mais rien.",
    "Je me connecte avec ec012345@adm.cfwb.be et voilà le message d'erreur",
    "Le mot de passe de l'athénée d'Arlon (6700) a expiré",
    "Le mot de passe est toujours « en attente » dans la console",
    "Le mot de passe que j'ai reçu dans l'e-mail n°2 est obsolète.",
    "J'ai tapé bonjour et rien ne se passe dans le chat.",
    "Compte ec012345 : je n'ai pas reçu le mot de passe initial",
])
def test_stop_31_look_alikes_stay_as_typed(text):
    assert mask(text).text == text


@pytest.mark.parametrize(("text", "hidden"), [
    ("J'ai essayé avec Mouscron7700, Mouscron et mouscron7700. Bloqué.", ["Mouscron", "mouscron7700"]),
    ("mot de passe : Pyjama7 ou Pyjama1, je lis mal. Ou juste Pyjama ?", ["Pyjama"]),
    ("ancien mdp : Baudouin — nouveau : Baudouin1930", ["Baudouin"]),
])
def test_the_word_a_found_secret_is_made_of_is_masked_too(text, hidden):
    masked = mask(text).text
    assert not any(word in masked for word in hidden), masked


def test_the_stem_of_a_secret_is_no_describing_word():
    # « Nouveau2024 » masked; « nouveau » elsewhere in the message stays (a word of the closed list)
    assert mask("mot de passe : Nouveau2024, le nouveau ne marche pas").text == \
        "mot de passe : [secret masqué], le nouveau ne marche pas"


def test_another_spelling_without_accents_only_for_a_capitalised_secret():
    assert mask("le mot de passe était Malmedy ou Malmédy").text == "le mot de passe était [secret masqué] ou [secret masqué]"
    text = "mot de passe : secretariat ; j'écris depuis le secrétariat de l'école"
    assert mask(text).text == "mot de passe : [secret masqué] ; j'écris depuis le secrétariat de l'école"


def test_an_apostrophe_is_no_opening_quote_and_masking_twice_changes_nothing():
    text = "j'avais mis « direction2018 » comme mot de passe et ça marchait jusqu'à hier"
    once = mask(text).text
    assert "direction2018" not in once and "avais mis" in once and mask(once).text == once


# --- development corpus 6 (stop 31): read once, no rule written from it yet; floors at today's measure ----
def test_the_sixth_weak_password_corpus():
    """350 weak secrets and 424 ordinary messages written apart by a helper asked for as many ways of
    giving a password as possible: 69.4 % masked before it was read (the sealed corpus: 92.6 %). Its
    misses are shapes the rules cannot read without the sentence's meaning (« j'ai opté pour X »,
    « c'est pas X c'est Y », « X devient Y », a password on its own line); docs/measurements.md."""
    corpus, secrets, left, false, addresses = development_corpus(6)
    assert len(secrets) == 350 and len(corpus["ordinary"]) == 424
    assert len(left) <= 96, left  # 107 before the stems of found secrets, 98 before corrections (« c'est pas X c'est Y »)
    assert len(false) <= 1, false  # 6 before « faible », « rappelé », « en gras », « c'est dire » joined the closed list
    assert all(item["address"] in mask(item["text"]).text for item in addresses)


# --- development corpus 7 (stop 32): read once, rules from its false masks and five general shapes ---------
def test_the_seventh_weak_password_corpus():
    """316 weak secrets and 493 hard ordinary messages written apart: 73.4 % masked and 3.9 % false masks
    before it was read (a fresh writer's false masks above the issue's 2 %); docs/measurements.md."""
    corpus, secrets, left, false, addresses = development_corpus(7)
    assert len(secrets) == 316 and len(corpus["ordinary"]) == 493
    assert len(left) <= 66, left  # 84 before « pw », « code sms », a login's next line, corrections where something was typed or a
    # password named (« j'ai tapé violete au lieu de violette »), spelled passwords after a cue
    assert len(false) <= 2, false  # 19 before placeholders, form labels, noun phrases before « comme mot de passe »…
    assert all(item["address"] in mask(item["text"]).text for item in addresses)


@pytest.mark.parametrize("text", [
    "mot de passe : [masqué]", "mdp: XXXXXXXX", "password: n/a", "mdp: jsp", "mot de passe = un mystère pour moi",
    "Mot de passe : refusé. Identifiant : accepté. Moi : énervée.",
    "Adresse : po044512@adm.cfwb.be / Mot de passe : perdu / Nom : Dumont / Prénom : Isabelle",
    "Le prénom de mon chien comme mot de passe, c'est une mauvaise idée ?",
    "Utiliser sa date de naissance comme code, c'est déconseillé je suppose ?",
    "Une phrase entière comme mot de passe, ça fonctionne sur la nouvelle BMA ?",
    "mot de passe : le provisoire, forcément",
    "C'est marrant, le mot de passe provisoire ressemble à une plaque d'immatriculation",
    "Le mot de passe ProEco et celui de la BMA, aucun rapport ?",
    "wachtwoord en code kwijt, help",
    "mdp + code SMS + identifiant : c'est beaucoup pour une secrétaire à mi-temps",
    "identifiant = adresse mail, mot de passe = celui du mail 2, c'est bien ça ?",
    "j'ai mis l'identifiant dans le champ mot de passe et inversement, bravo moi",
    "Statut : refusé. Motif : mot de passe expiré. Date : 12/11/2024.",
    "ec031245@adm.cfwb.be\nMerci d'avance",
])
def test_what_describes_a_password_or_fills_a_form_is_not_masked(text):
    masked = mask(text)
    assert masked.text == text and not masked.found


@pytest.mark.parametrize(("text", "secret"), [
    ("pw ecole2024 marche pas", "ecole2024"), ("PW: 1qaz2wsx", "1qaz2wsx"), ("my pw is dragon and it doesn't work", "dragon"),
    ("paswoord: hondje1", "hondje1"), ("code sms 204816", "204816"), ("ec031245@adm.cfwb.be\nqsdfgh", "qsdfgh"),
    ("po019876@adm.cfwb.be\n\nlapin\n\nmerci de me rappeler au bureau", "lapin"),
    ("le mot de passe c'est password, littéralement", "password"),
    ("j'ai mis le nom de l'école comme mot de passe : LesTilleuls. Mais on me dit non.", "LesTilleuls"),
])
def test_shapes_of_the_seventh_corpus_are_masked(text, secret):
    masked = mask(text)
    assert masked.found and secret not in masked.text and mask(masked.text).text == masked.text
    assert all(address in masked.text for address in ("ec031245@adm.cfwb.be", "po019876@adm.cfwb.be") if address in text)


@pytest.mark.parametrize(("text", "secrets"), [
    ("non attendez, mon mdp c'est margot2, pas margot1", ["margot2", "margot1"]),
    ("le mot de passe n'est pas Ecureuil mais Ecureuil!, avec le point d'exclamation", ["Ecureuil"]),
    ("dsl je me suis trompé de mdp, c'est pas pingouin c'est pingouin1", ["pingouin"]),
    ("j'ai tapé violete au lieu de violette, maintenant ça bloque", ["violete", "violette"]),
    ("j'ai juste changé une lettre du mot de passe : ecureuil devient Ecureuil", ["ecureuil", "Ecureuil"]),
    ("je pense que le mdp c'est soit pivoine soit pivoine1", ["pivoine"]),
    ("Mon mot de passe, je vous l'épelle : P-E-R-R-O-Q-U-E-T", ["P-E-R-R-O-Q-U-E-T"]),
    ("Le mot de passe, lettre par lettre : M A T H I S 0 7", ["M A T H I S 0 7"]),
    ('j\'ai tapé "violete" au lieu de "violette"', ["violete", "violette"]),
    ("mdp : c'est chouchou2015, pas chouchou2016", ["chouchou2015", "chouchou2016"]),
    ("I typed football2024 and it failed again", ["football2024"]),
    ("tried qwerty123 and password1, both rejected", ["qwerty123", "password1"]),
])
def test_corrections_spellings_and_english_typing_are_masked(text, secrets):
    masked = mask(text)
    assert masked.found and not any(secret in masked.text for secret in secrets)


@pytest.mark.parametrize("text", [
    "c'est lundi, pas mardi", "la migration c'est 2024 et non 2023", "j'ai reçu le mail 3 au lieu du mail 2",
    "ce n'est pas grave mais c'est pénible", "c'est ec012345 et non ec012346 notre adresse",
    "Outlook au lieu de Thunderbird, c'est obligatoire ?", "Windows10 ne marche plus depuis la mise à jour",
    "le mail n°2 ne marche pas", "A B C D E : les étapes de la migration ?",
    # found by a review with fresh eyes (stop 32): names, towns, products, tickets, rooms, devices, signatures
    "Mon nom c'est Lefèvre, pas Lefebvre.", "C'est soit Martine soit Martin qui gère la boîte",
    "Il a écrit Bruxelle au lieu de Bruxelles dans l'adresse", "Mme Lambert devient Lambert-Dubois à partir de septembre",
    "Ce n'est pas Windows10 mais Windows11", "On passe de Win10 -> Win11 cet été", "année scolaire 2023-2024 → 2024-2025",
    "mon numéro FASE c'est 5432, pas 5423", "c'est INC0012345, pas INC0012354", "la réunion est en salle B204 au lieu de B205",
    "J'ai cliqué sur Exporter au lieu de Importer", "Il faut cliquer au lieu de cliqué ?",
    "L'imprimante HP-M404 ne marche pas depuis ce matin", "Teams werkt niet op de laptop HP-840G8",
    "Voici ce qui se passe : Outlook plante au démarrage", "Bonjour,\nma boîte : ec012345@adm.cfwb.be\nCordialement",
    "ec012345@adm.cfwb.be\nDupont", "ec012345@adm.cfwb.be\n0471234567",
    "J'ai oublié mon mot de passe, pouvez-vous me rappeler au : 0471234567", "Mot de passe oublié. Tél. : 0471234567",
    "Contact : ec012345@adm.cfwb.be / 0471234567", "Je vous épelle mon nom : D-U-P-O-N-T",
    "je vous épelle l'adresse : e-c-0-1-2-3-4-5 arobase adm point cfwb point be",
    "Mot de passe oublié ; classes concernées 1 2 3 4 5 6", "j'ai essayé plusieurs fois depuis.",
    "j'ai mis deux fois Isabelle en copie",
])
def test_what_only_looks_like_a_correction_or_a_spelling_is_kept(text):
    masked = mask(text)
    assert masked.text == text and not masked.found

