"""The vocabulary of the password masker: cues, words that are not secrets, token shapes."""
from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[secret masqué]"

# Words that may follow « mot de passe : » or « … est » without being the password: grammar
# words, what people say about a password, the vocabulary of the migration.
NOT_A_SECRET = set("""
le la les l un une des du de d au aux à a en dans sur sous par pour avec sans chez vers via cf voir
et ou où mais car donc ni que qui quoi quel quelle lequel laquelle quand comment combien pourquoi
je j'ai j il elle on nous vous ils elles me te se mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs
ce cet cette ces ça ca cela celui celle ceci ici là la-bas y rien aucun aucune tout toute tous toutes
pas plus trop très tres toujours encore déjà deja jamais bien mal juste ok oui non si même meme
est c'est était etait sera serait reste semble ne n'est n'a n'ai ai as avons avez ont sont fait
perdu perdue oublié oublie oubliée introuvable incorrect incorrecte faux fausse invalide erroné errone
expiré expire bloqué bloque bloquée changé change refusé refuse mauvais bon bonne correct correcte valide
nouveau nouvelle ancien ancienne actuel actuelle provisoire temporaire identique différent different
long longue court courte compliqué complique sensible vide inconnu inconnue inutile illisible
nécessaire necessaire requis requise obligatoire demandé demande reçu recu envoyé envoye égaré egare
enregistré enregistre sauvegardé sauvegarde modifié modifie réinitialisé reinitialise inchangé inchange
impossible idée idee aucune inconnu svp stp merci please hier demain matin soir erreur secret secrète
bma exchange smail2 outlook webmail cerbère cerbere edu mode etnic sgne fase
marche fonctionne passe mot mots mail e-mail email courriel boîte boite interface plateforme compte adresse
écrit ecrit écrite inscrit suivi suivie fini saisi choisi établi lu vu dit mis pris
peut-être peut-etre parfois souvent aussi vraiment d'abord lui eux
ask see none unknown idem na n/a xxx
tantôt tantot vite bientôt bientot maintenant
comme ainsi phrase phrases chiffres lettres utiliser mettre choisir taper entrer employer prendre
un deux trois quatre cinq six sept huit neuf dix one two three four five twee drie vier vijf
longtemps partout ensuite puis chrome firefox safari edge google internet explorer gmail teams windows mac
iphone ipad tablette ordinateur pc portable gsm majuscules minuscules majuscule minuscule
opera thunderbird instagram facebook hotmail yahoo skype zoom smartschool office microsoft apple
twitter linkedin netflix amazon paypal whatsapp messenger tiktok snapchat dropbox icloud onedrive sharepoint wifi
belfius kbc bnp itsme myminfin proximus orange telenet voo scarlet ionos ovh moodle proeco
identifiant identifiants login wachtwoord beaucoup peu assez
moi moi-même moi-meme toi lui-même elle-même nous-mêmes vous-même connu connue connus
aujourd'hui d'aujourd'hui d'avant d'origine d'hier d'usage
parti partie partis parties venu venue sorti sortie fini finie mort morte prévu prévue prevu transmis transmise
remis remise promis fourni fournie ouvert ouverte offert offerte défini définie obtenu obtenue disparu disparue
parvenu parvenue revenu revenue devenu devenue descendu entendu attendu rendu vendu attribué donné donnée
""".split())
# Adverbs (« exactement ») and a closed list of adjectives that describe a password rather than
# being one (« impossible », « valable »). A closed list, not word endings: « cartable »,
# « Marie-Claire » or « anniversaire » are passwords people choose.
DESCRIBING_WORD = re.compile(r"^\w{3,}(?:[eé]ment|amment|emment)$", re.I)
DESCRIBING_ADJECTIVES = set("""
valable valables utilisable inutilisable impossible possible accessible inaccessible illisible lisible visible
invisible sensible faible faibles fiable modifiable récupérable recuperable irrécupérable introuvable acceptable
inacceptable incompréhensible incomprehensible disponible indisponible responsable variable stable valide actif
active inactif inactive définitif définitive definitif definitive positif négatif negatif excessif excessive
exclusif exclusive nominatif nominative dangereux dangereuse mystérieux mysterieux curieux bizarre étrange
etrange nul nulle secondaire prioritaire obligatoire facultatif ordinaire habituel habituelle précédent
precedent récent recent strict stricte simple simples complexe complexes sécurisé securise sûr sur certain
vrai clair urgent urgente grave important importante pénible penible dommage embêtant embetant énervant
frustrant incroyable inadmissible lourd ennuyeux agaçant fou dingue génial genial parfait top super
fort forte forts incomplet incomplète incomplete complet complète complete
inexact inexacte exact exacte trompeur semblable galère galere chiant relou obsolète obsolete costaud
marrant marrante drôle drole rigolo rigolote bête bete logique pareil pareille
""".split())

# « code » that is not an access code: postal, FASE, INS, error… codes.
NOT_A_PASSWORD_CODE = (r"\s*(?:postal|fase|ins|nis|iban|bic|nace|d['’]\s*erreur|erreur|"
                       r"de\s+l['’]\s*(?:[ée]cole|[ée]tablissement)|(?:d['’]\s*)?[ée]tablissement|barre|promo|client|source)")
# « mot de passe » as typed: « mot de pass(s)e », « mot de pase », « mo de passe », « mot 2 passe », « mot d passe ».
PASSWORD_WORD = r"(?:mots?|mo)[\s-]*(?:de|d['’]?|2)[\s-]*pas{1,3}e?(?![\w@])"
# A negation: the words around a cue describe the password, they are not one.
NEGATION = r"ne|n['’]|pas|plus|jamais"
# « the password » as a noun, as typed (one fragment for every pattern that names it).
PASSWORD_NOUN = rf"(?:{PASSWORD_WORD}|mdpp?|mpd|password|pwd|pw|wachtwoord|paswoord)"
# Words that introduce a password. Strong cues also introduce a plain-word value (« mdp : soleil »).
_CUE = (
    rf"{PASSWORD_NOUN}|m\.d\.p\.?|passwd|passphrase|phrase\s*(?:de\s*passe|secr[eè]te)|psw|"
    r"wachtwoord|passwort|pass|code\s*d['’]?\s*acc[eè]s|codes?\s*secrets?|"
    r"acc[eè]s|identifiants?|login|log-in|user(?:name)?|pin|"
    rf"code(?!{NOT_A_PASSWORD_CODE})"
)
# Weak cues only make letters-with-digits tokens suspect: what someone typed (« j'ai tapé X »,
# Belgian « encoder »), or tried to sign in with (« je n'arrive pas à me connecter avec X »).
_WEAK_CUE = (
    r"tap[ée]e?s?|taper|essay[ée]e?s?|essayer|mets|mettre|saisie?s?|entr[ée]e?s?|rentr[ée]e?s?|encod[ée]e?s?|introduite?s?|copi[ée]e?s?|"
    r"coll[ée]e?s?|mis|c['’]?[ée]tait|connect\w*|connexion|co|log|refus[ée]e?s?|identifi\w*|tent[ée]e?s?|test[ée]e?s?|utilis[ée]e?s?|essais?|"
    # … in English and Dutch.
    r"typed|tried|entered|ingegeven|ingevoerd|getypt|geprobeerd"
)
CUE_RE = re.compile(rf"(?<![\w@.])(?:{_CUE}|{_WEAK_CUE})(?![\w@])", re.I)
# The value introduced by a strong cue: « cue : X », « cue = X », « cue -> X », « cue est / c'est /
# c X », « cue "X" »; up to three short words may stand between (« le mot de passe du mail n°2 = X »),
# not the end of a sentence (« mot de passe expiré. Date : 12/11/2024. »).
_LABEL = r"(?:l['’]\s*)?(?:ancien|ancienne|nouveau|nouvelle|actuel|actuelle|provisoire|temporaire)"
VALUE_RE = re.compile(
    rf"(?<![\w@.])(?:{_CUE}|{_LABEL}(?=\s*[:=]))(?![\w@])"
    r"(?P<gap>(?:[^\S\n]+(?!(?:et|mais|car|donc|puis|ou|and|but|maar)(?![\w@]))(?!\S*\.\s)(?:(?:ec|po)\d{4,8}@adm\.cfwb\.be|[^\s:=\"«“',;!?][^\s:=\"«“,;!?]{0,11})){0,4}?)"
    r"(?:\s*(?P<sep>=>|->|[:=])|\s+(?P<verb>est|c['’]?est|c|cé|(?:c['’]?)?était|(?:c['’]?)?etait|serait|sera|is|was)(?=\s)|(?=\s*[\"«“]|\s+'))"
    r"\s*(?P<value>[\"'«“][^\"'»”\n]{1,64}[\"'»”]|\S+)",
    re.I,
)
# « ec000002 / Meuse », « po000123@adm.cfwb.be : secret », « login ec000002 mdp X » is covered by VALUE_RE.
LOGIN_PAIR_RE = re.compile(r"\b(?:ec|po)\d{4,8}(?:@adm\.cfwb\.be)?\s*(?:/|\||:|=|-{1,2}|;|\+)\s*(?P<value>\S+)", re.I)
TOKEN_RE = re.compile(r"\S+")
ADDRESS_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
SEPARATORS = ":/|=;,-"
EDGE_PUNCT = ".,;!?()[]{}\"'«»“”‘’:…"
WRAPPERS = ",;()[]{}\"'«»“”‘’:"

EMAIL_LIKE = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
URL_LIKE = re.compile(r"^(https?://|www\.)|://|mailto:|\]\(|\.(be|com|org|net|eu|fr)(/|$)", re.I)
DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}([/.-]\d{1,4})?([T ]?\d{1,2}[:h]\d{2}(:\d{2})?)?$")
TIME_INSIDE = re.compile(r"\d{1,2}:\d{2}")
SNAKE_IDENTIFIER = re.compile(r"^[a-z0-9]*(?:[a-z]{3,}[a-z0-9]*_){1,}[a-z0-9_]*[a-z]{3,}[a-z0-9]*$|^[a-z0-9]+(?:_[a-z]{3,}){2,}$")
HEX_LIKE = re.compile(r"^0x[0-9a-f]+$", re.I)
DIGITS_AND_PUNCT = re.compile(r"^[\d\s()./,+:-]+$")
BMA_LOGIN = re.compile(r"^(ec|po)\d{3,8}$", re.I)
ORDINAL = re.compile(r"^(n°|no|nr|num)?\d+(e|er|ère|ere|ème|eme|ième|ieme|de|d|è|°)?$|^n°\d+[-–/à]\d+$", re.I)
N_NUMBER = re.compile(r"^n°\d+$", re.I)
TIME_OR_SIZE = re.compile(r"^\d+([.,]\d+)?(h\d{0,2}|min|mn|s|sec|ko|mo|go|to|kb|mb|gb|tb|%|€|x|fois|j|ans?)$|"
                          r"^\d{1,2}h\d{0,2}[-–à]\d{1,2}h\d{0,2}$", re.I)
# Product names and references that mix letters and digits in ordinary questions.
PRODUCT_LIKE = re.compile(
    r"^(office|microsoft|windows|win|w|outlook|iphone|ipad|ios|android|galaxy|exchange|smail|m365|o365|"
    r"teams|ie|edge|chrome|firefox|covid|fwb|cfwb|mail|e-?mail|courriel|lot|batch|etape|étape|phase|p|q|s|t)"
    r"[-_ ]?\d{1,4}[a-z]?$",
    re.I,
)
# Ticket and error references (« INC0012345 », « AADSTS50126 ») and file numbers (« 2024/123 »).
REFERENCE_LIKE = re.compile(
    r"^(INC|RITM|REQ|CHG|TASK|SR|SD|ETNIC|TICKET|PRB|KB|AADSTS|CAA|ERR|ERROR|ID|REF|DOS|BE)[-_]?\d{3,}$|^\d{4}/\d{1,6}$", re.I
)
FILE_NAME = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|png|jpe?g|gif|zip|rar|7z|pst|ost|msg|eml|txt|csv|html?)$", re.I)
VERSION = re.compile(r"^v?\d+(\.\d+)+[a-z]{0,5}$", re.I)
HASHTAG = re.compile(r"^#[^\W\d_][\w-]*$")
# Words between « est » and the value: « mon mot de passe est tout simplement X ».
FILLER = {"tout", "juste", "simplement", "bien", "donc", "alors", "normalement", "toujours", "encore", "en", "fait",
          "actuellement", "maintenant", "désormais", "aujourd'hui"}


# Days and months written in lower case are when, not what (« c'est lundi je crois »); « Dimanche » may be a password.
TIME_WORDS = set("""
lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai juin juillet août aout
septembre octobre novembre décembre decembre
""".split())


@dataclass(frozen=True)
class Masked:
    text: str
    found: bool


def _bare(token: str) -> str:
    """The word as read (for deciding), without the punctuation around it."""
    return token.strip(EDGE_PUNCT)


def _span(token: str, start: int) -> tuple[int, int]:
    """What to mask of a token: all but quotes, brackets and commas around it (a final « ! » or « ? »
    may belong to the password)."""
    kept = token.strip(WRAPPERS)
    offset = token.find(kept)
    return start + offset, start + offset + len(kept)


def _classes(word: str) -> int:
    return sum(bool(re.search(p, word)) for p in (r"[a-zà-ÿ]", r"[A-ZÀ-Ý]", r"\d", r"[^\w\s'’-]|_"))


def is_structured(word: str) -> bool:
    """Addresses, links, dates, numbers, ordinals, times and sizes: never a secret by shape."""
    return bool(
        not word or EMAIL_LIKE.match(word) or URL_LIKE.search(word) or DATE_LIKE.match(word)
        or BMA_LOGIN.match(word) or ORDINAL.match(word) or N_NUMBER.match(word) or TIME_OR_SIZE.match(word)
        or DIGITS_AND_PUNCT.match(word) or TIME_INSIDE.search(word) or HEX_LIKE.match(word)
        or ("_" in word and len(word) <= 64 and SNAKE_IDENTIFIER.match(word)) or FILE_NAME.search(word) or VERSION.match(word) or HASHTAG.match(word)
    )


def credential_shaped(word: str) -> bool:
    """Letters mixed with digits or symbols, not a structured token nor a product or reference."""
    if len(word) < 5 or word.isalpha():  # a plain word has nothing but letters (the usual case, checked first)
        return False
    if is_structured(word) or PRODUCT_LIKE.match(word) or REFERENCE_LIKE.match(word):
        return False
    if re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]\.?", word):  # an abbreviation: « m.d.p. »
        return False
    letters = re.search(r"[^\W\d_]", word)
    others = re.search(r"\d|[^\w\s'’-]|_", word)
    return (bool(letters and others) and not re.fullmatch(r"[^\W\d_]+[-'’][^\W\d_]+", word)
            and not re.fullmatch(r"[^\W\d_]+(?:/[^\W\d_]+)+", word))  # « login/mot », « oui/non »


def strongly_credential_shaped(word: str) -> bool:
    """A generated or chosen password (« Secretariat2024 », « hT4-qPz9-Lw2 ») even without a cue."""
    if len(word) < 8 or not credential_shaped(word):
        return False
    return _classes(word) >= 3


def describes(word: str) -> bool:
    """A grammar word or a word about the password (« perdu », « impossible »), not a password."""
    lowered = word.lower()
    if lowered.count("-") >= 2:  # a passphrase « trois-pommes-vertes », not one describing word
        return False
    return (lowered in NOT_A_SECRET or lowered in ABOUT_THE_PASSWORD or lowered in DESCRIBING_ADJECTIVES
            or (lowered in TIME_WORDS and word[:1].islower())
            or bool(DESCRIBING_WORD.search(lowered)) or len(word) < 4)


# After « mdp : » or « mdp = » (an explicit value), only these words say something about the
# password instead of being one (the closed list of issue #22), with the grammar words that start
# a sentence (« mdp : je ne le retrouve plus »).
ABOUT_THE_PASSWORD = set("""
perdu perdue perdus oublié oublie oubliée oublies introuvable incorrect incorrecte faux fausse invalide
erroné errone erronée refusé refuse refusée rejeté rejete expiré expire expirée bloqué bloque bloquée
changé change changée modifié modifie réinitialisé reinitialise égaré egare égarée inconnu inconnue
même meme identique celui celle ceux idem aucun aucune rien vide ok oui non inchangé inchange
toujours encore jamais plus pas ne n' svp stp merci please quoi quel quelle lequel laquelle
voir cf cf. reçu recu envoyé envoye impossible fase matricule contient
pourtant devenu devenue dedans enfin ridicule problème probleme aide help personnel personnelle demandez
compris normal normale oublier résolu resolu arrivé arrive activé active désactivé validé accepté acceptée
verrouillé supprimé affiché utilisé copié tapé encodé saisi piraté volé compromis partagé obligatoire
quand combien pourquoi comment où faut quelles quels règles casse-tête fois
unique automatique technique informatique spécifique specifique basique électronique electronique
expired wrong invalid locked blocked forgotten lost reset changed ask see none unknown same i no where what how
rejected refused accepted required needed sent received missing again still not
celui-ci celui-là celui-la celle-ci celle-là celle-la ceux-ci ça ca cela ceci
plusieurs quelques trop ni erreur court courte long longue
hetzelfde dezelfde anders nieuw nieuwe oud oude verkeerd juist zelfde kwijtgeraakt
vergeten kwijt fout verlopen geblokkeerd vergrendeld ongeldig onjuist aanvragen kiezen wijzigen veranderen ik het
geweigerd wordt werd zie vorige
question urgent urgence réussi reussi différents différentes differents differentes
incorect incorecte expirer bloquer bloker refuser prénom prenom nom surnom
ajoute comporte comprend inclut commence finit termine affiche qu'avant entrée entree enter
existant existante habitude d'habitude jusqu'ici an l'an dernier
illisible valide nouveau nouvelle ancien ancienne actuel actuelle provisoire temporaire xxx *** ???
faible faibles difficile difficiles rappelé rappele gras italique dire
masqué masque masquée caché cachée n/a jsp jsais chais mystère mystere énigme enigme adresse identifiant login
""".split())
# « change-t-il », « aidez-moi »: a verb, not a password.
INVERTED_VERB = re.compile(r"-(?:t-)?(?:il|elle|on|ils|elles|je|tu|nous|vous|moi|le|la|les|lui)$", re.I)
GRAMMAR_START = set("""
je j' j'ai il elle on nous vous ils elles ça ca cela c'est ce cet cette ces y en
de du des d' à au aux dans sur avec pour par depuis chez via
""".split())
ARTICLES = {"le", "la", "les", "l'", "un", "une", "mon", "ma", "mes", "ton", "ta", "notre", "votre"}
# Words that end a passphrase: the sentence goes on (« mdp : soleil et il ne marche pas »).
CLAUSE_BREAK = set("""
et mais car donc ou puis alors quand si sauf parce que qui qu' comme depuis pour avec avant après apres
chez pendant maar want sinds voor met but and or since because when
je j' j'ai il elle on nous vous ils elles ça ca c'est ne n' pas plus jamais est sont ai a as avons avez ont
était etait suis sera marche marchait fonctionne fonctionnait passe passait
doesn't don't does did isn't is was wasn't can't cannot not since work works worked
va vais vas vont allait allaient doit devait doivent peut pouvait peuvent faut fallait semble semblait reste restait
werkt werkte niet meer geen
""".split())
# A participle right after the password (« mdp bloké », « mots de passe notés », « est périmé »):
# a state of the password, not the password (after « c'est » or « : » a word is taken as it is).
PARTICIPLE = re.compile(r"(é|ée|és|ées|ké|(?<=\w{3})ed)$", re.I)
PASSPHRASE_WORD = re.compile(r"^[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*[!?.]?$")


# What stands for a password someone chose not to type: « mdp : XXXXXXXX », « [masqué] ».
PLACEHOLDER = re.compile(r"x{4,}|\.{3,}|…+", re.I)


def _pin_secret(word: str) -> bool:
    """Digits after a cue: a PIN from four digits on, unless they read as a date or a phone number."""
    digits = re.sub(r"\D", "", word)
    phone = len(digits) >= 9 and (word.startswith(("+", "0")) or re.search(r"[ ./()-]", word))
    return bool(DIGITS_AND_PUNCT.match(word)) and len(digits) >= 4 and not DATE_LIKE.match(word.rstrip(".")) and not phone


def _plain_value_is_secret(word: str, explicit: bool = False) -> bool:
    """The value right after a cue: a secret unless it reads as an ordinary word of the sentence.
    After « : » or « = » (``explicit``) only the closed list says a word is about the password."""
    if not word or not re.search(r"[^\W_]", word) or PLACEHOLDER.fullmatch(word):  # « ******** », « ? », « XXXXXXXX »
        return False
    if DIGITS_AND_PUNCT.match(word):
        return _pin_secret(word)
    if is_structured(word) or REFERENCE_LIKE.match(word):
        return False
    if credential_shaped(word):
        return True
    if INVERTED_VERB.search(word):
        return False
    elided = re.sub(r"^[ld]['’]", "", word.lower())  # « c'est l'ancien »
    if elided != word.lower() and (elided in ABOUT_THE_PASSWORD or elided in NOT_A_SECRET):
        return False
    if explicit:
        lowered = word.lower().rstrip("!?.")
        return lowered not in ABOUT_THE_PASSWORD and lowered not in GRAMMAR_START and lowered not in ARTICLES
    return not describes(word)


