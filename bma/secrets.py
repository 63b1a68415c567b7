"""Spot and mask passwords or secrets in a user's message (no Rasa import).

Users sometimes paste their password into the chat (« mon mdp c'est Ecole2024! », « identifiants :
po000123 / Ecole#2024 », a line copied from e-mail n°2). The channels mask it before anything is
parsed, stored or logged, and the assistant warns never to share a password.

Rules, in order of strength:
- a token that is credential-shaped and strong (three character classes out of lower, upper,
  digit, symbol, at least 8 characters: « Secretariat2024 », « Rt5%kLm8 ») is masked anywhere;
- when the message holds a credential cue (mot de passe, mdp, pwd, password, code d'accès, accès,
  identifiants, login, « j'ai tapé / essayé / encodé »…), every credential-shaped token (letters
  mixed with digits or symbols: « ecole5678 », « Meuse_1998 ») is masked, wherever it stands;
- the value right after « cue : », « cue = », « cue est … », « cue "…" » or after a login
  (« ec000002 / … ») is masked even when it is a plain word, unless it reads as an ordinary word
  of the sentence (« perdu », « refusé »…);
- never masked: e-mail addresses (a BMA address stays usable), BMA logins (ec000123), URLs, dates,
  phone numbers, FASE and other plain numbers, ordinals (n°2, 3e), times (10h30), sizes (25 Go).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

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
un deux trois quatre cinq six sept huit neuf dix one two three four five twee drie vier vijf
longtemps partout ensuite puis chrome firefox safari edge google internet explorer gmail teams windows mac
iphone ipad tablette ordinateur pc portable gsm majuscules minuscules majuscule minuscule
opera thunderbird instagram facebook hotmail yahoo skype zoom smartschool office microsoft apple
moi moi-même moi-meme toi lui-même elle-même nous-mêmes vous-même connu connue connus
aujourd'hui d'aujourd'hui d'avant d'origine d'hier d'usage
parti partie partis parties venu venue sorti sortie fini finie mort morte prévu prévue prevu transmis transmise
remis remise promis fourni fournie ouvert ouverte offert offerte défini définie obtenu obtenue disparu disparue
parvenu parvenue revenu revenue devenu devenue descendu entendu attendu rendu vendu attribué donné donnée
""".split())
# Adverbs (« exactement ») and a closed list of adjectives that describe a password rather than
# being one (« impossible », « valable »). A closed list, not word endings: « cartable »,
# « Marie-Claire » or « anniversaire » are passwords people choose.
DESCRIBING_WORD = re.compile(r"^\w{3,}(?:ement|amment|emment)$", re.I)
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
""".split())

# « code » that is not an access code: postal, FASE, INS, error… codes.
NOT_A_PASSWORD_CODE = (r"\s*(?:postal|fase|ins|nis|iban|bic|nace|d['’]\s*erreur|erreur|"
                       r"de\s+l['’]\s*(?:[ée]cole|[ée]tablissement)|barre|promo|client|source)")
# Words that introduce a password. Strong cues also introduce a plain-word value (« mdp : soleil »).
_CUE = (
    r"mots?[\s-]*de[\s-]*passe|mdp|m\.d\.p\.?|password|passwd|passphrase|phrase\s*(?:de\s*passe|secr[eè]te)|pwd|psw|"
    r"wachtwoord|passwort|pass|code\s*d['’]?\s*acc[eè]s|codes?\s*secrets?|"
    r"acc[eè]s|identifiants?|login|log-in|user(?:name)?|pin|"
    rf"code(?!{NOT_A_PASSWORD_CODE})"
)
# Weak cues only make letters-with-digits tokens suspect: what someone typed (« j'ai tapé X »,
# Belgian « encoder »), or tried to sign in with (« je n'arrive pas à me connecter avec X »).
_WEAK_CUE = (
    r"tap[ée]e?s?|essay[ée]e?s?|saisie?s?|entr[ée]e?s?|rentr[ée]e?s?|encod[ée]e?s?|introduite?s?|copi[ée]e?s?|"
    r"coll[ée]e?s?|mis|c['’]?[ée]tait|connect\w*|connexion|co|log|refus[ée]e?s?|identifi\w*|tent[ée]e?s?|test[ée]e?s?|utilis[ée]e?s?|essais?"
)
CUE_RE = re.compile(rf"(?<![\w@.])(?:{_CUE}|{_WEAK_CUE})(?![\w@])", re.I)
# The value introduced by a strong cue: « cue : X », « cue = X », « cue -> X », « cue est / c'est /
# c X », « cue "X" »; up to three short words may stand between (« le mot de passe du mail n°2 = X »).
_LABEL = r"(?:l['’]\s*)?(?:ancien|ancienne|nouveau|nouvelle|actuel|actuelle|provisoire|temporaire)"
VALUE_RE = re.compile(
    rf"(?<![\w@.])(?:{_CUE}|{_LABEL}(?=\s*[:=]))(?![\w@])"
    r"(?P<gap>(?:[^\S\n]+(?!(?:et|mais|car|donc|puis|ou|and|but|maar)(?![\w@]))(?:(?:ec|po)\d{4,8}@adm\.cfwb\.be|[^\s:=\"«“',;!?][^\s:=\"«“,;!?]{0,11})){0,4}?)"
    r"(?:\s*(?P<sep>=>|->|[:=])|\s+(?P<verb>est|c['’]?est|c|cé|(?:c['’]?)?était|(?:c['’]?)?etait|serait|sera|is|was)(?=\s)|(?=\s*[\"«“]|\s+'))"
    r"\s*(?P<value>[\"'«“][^\"'»”\n]{1,64}[\"'»”]|\S+)",
    re.I,
)
# « ec000002 / Meuse », « po000123@adm.cfwb.be : secret », « login ec000002 mdp X » is covered by VALUE_RE.
LOGIN_PAIR_RE = re.compile(r"\b(?:ec|po)\d{4,8}(?:@adm\.cfwb\.be)?\s*(?:/|\||:|-{1,2}|;|\+)\s*(?P<value>\S+)", re.I)
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
ORDINAL = re.compile(r"^(n°|no|nr|num)?\d+(e|er|ère|ere|ème|eme|ième|ieme|de|d|è|°)?$", re.I)
N_NUMBER = re.compile(r"^n°\d+$", re.I)
TIME_OR_SIZE = re.compile(r"^\d+([.,]\d+)?(h\d{0,2}|min|mn|s|sec|ko|mo|go|to|kb|mb|gb|tb|%|€|x|fois|j|ans?)$", re.I)
# Product names and references that mix letters and digits in ordinary questions.
PRODUCT_LIKE = re.compile(
    r"^(office|microsoft|windows|win|w|outlook|iphone|ipad|ios|android|galaxy|exchange|smail|m365|o365|"
    r"teams|ie|edge|chrome|firefox|covid|fwb|cfwb|mail|e-?mail|courriel|lot|batch|etape|étape|phase|p|q|s|t)"
    r"[-_ ]?\d{1,4}[a-z]?$",
    re.I,
)
# Ticket and error references (« INC0012345 », « AADSTS50126 ») and file numbers (« 2024/123 »).
REFERENCE_LIKE = re.compile(
    r"^(INC|RITM|REQ|CHG|TASK|SR|PRB|KB|AADSTS|CAA|ERR|ERROR|ID|REF|DOS|BE)[-_]?\d{3,}$|^\d{4}/\d{1,6}$", re.I
)
FILE_NAME = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|png|jpe?g|gif|zip|rar|7z|pst|ost|msg|eml|txt|csv|html?)$", re.I)
VERSION = re.compile(r"^v?\d+(\.\d+)+[a-z]{0,5}$", re.I)
HASHTAG = re.compile(r"^#[^\W\d_][\w-]*$")
# Words between « est » and the value: « mon mot de passe est tout simplement X ».
FILLER = {"tout", "juste", "simplement", "bien", "donc", "alors", "normalement", "toujours", "encore", "en", "fait",
          "actuellement", "maintenant", "désormais", "aujourd'hui"}


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
        or SNAKE_IDENTIFIER.match(word) or FILE_NAME.search(word) or VERSION.match(word) or HASHTAG.match(word)
    )


def credential_shaped(word: str) -> bool:
    """Letters mixed with digits or symbols, not a structured token nor a product or reference."""
    if len(word) < 5 or is_structured(word) or PRODUCT_LIKE.match(word) or REFERENCE_LIKE.match(word):
        return False
    letters = re.search(r"[^\W\d_]", word)
    others = re.search(r"\d|[^\w\s'’-]|_", word)
    return bool(letters and others) and not re.fullmatch(r"[^\W\d_]+[-'’][^\W\d_]+", word)


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
plusieurs quelques
hetzelfde dezelfde anders nieuw nieuwe oud oude verkeerd juist zelfde kwijtgeraakt
vergeten kwijt fout verlopen geblokkeerd vergrendeld ongeldig onjuist aanvragen kiezen wijzigen veranderen ik het
""".split())
INVERTED_VERB = re.compile(r"-(?:t-)?(?:il|elle|on|ils|elles|je|tu|nous|vous)$", re.I)  # « change-t-il »
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


def _plain_value_is_secret(word: str, explicit: bool = False) -> bool:
    """The value right after a cue: a secret unless it reads as an ordinary word of the sentence.
    After « : » or « = » (``explicit``) only the closed list says a word is about the password."""
    if not word or not re.search(r"[^\W_]", word):  # « ******** », « ? »
        return False
    if DIGITS_AND_PUNCT.match(word):
        return _pin_secret(word)
    if is_structured(word) or REFERENCE_LIKE.match(word):
        return False
    if credential_shaped(word):
        return True
    if INVERTED_VERB.search(word):
        return False
    if explicit:
        lowered = word.lower().rstrip("!?.")
        return lowered not in ABOUT_THE_PASSWORD and lowered not in GRAMMAR_START and lowered not in ARTICLES
    return not describes(word)


# What ends the clause after a value: punctuation, or a word that starts the rest of the sentence
# (« mdp est Tournai depuis des années », « wachtwoord is fietsbel maar… », « girafe puis … »).
NEXT_CLAUSE_WORDS = (
    r"et|mais|car|donc|ou|puis|sauf|depuis|pour|sur|dans|avec|sans|avant|apr[eè]s|chez|en|quand|lorsque|parce|"
    r"comme|svp|stp|merci|ne|n['’]|maar|want|sinds|voor|met|but|and|or|since|for|on|in|at|when|because|"
    r"pendant|jusqu['’]\w*|m[eê]me|partout|aussi|encore|toujours|non|oui"
)
CLAUSE_END = re.compile(
    rf"[^\S\n]*(?:$|[\n,;()]|[.!](?:\s|$)|\.{{2,}}|…|\s[/+-]\s|\s+(?:{NEXT_CLAUSE_WORDS})(?![\w@]))", re.I)


CLAUSE_END_STRICT = re.compile(
    r"[^\S\n]*(?:$|[\n,;()]|[.!](?:\s|$)|\.{2,}|…|\s[/+-]\s|"
    r"\s+(?:et|mais|car|donc|ou|puis|svp|stp|merci|ne|n['’]|maar|but|and|or)(?![\w@]))", re.I)


def _ends_clause(text: str, end: int, strict: bool = False) -> bool:
    """The value stops the clause (« mdp : soleil, … », « … est bonjour et … »), not a question.
    ``strict`` (a value with no verb nor « : » before it): only punctuation or a conjunction."""
    return bool((CLAUSE_END_STRICT if strict else CLAUSE_END).match(text, end)) or text[end - 1:end] in (".", "!")


def _is_question(text: str, start: int) -> bool:
    """The clause that holds the value ends with « ? »: a question about the password."""
    clause = re.match(r"[^\n,;.!]*", text[start:]).group()
    return "?" in clause


def _pin_secret(word: str) -> bool:
    """Digits after a cue: a PIN from four digits on, unless they read as a date or a phone number."""
    digits = re.sub(r"\D", "", word)
    phone = len(digits) >= 9 and (word.startswith(("+", "0")) or re.search(r"[ ./()-]", word))
    return bool(DIGITS_AND_PUNCT.match(word)) and len(digits) >= 4 and not DATE_LIKE.match(word) and not phone


def _passphrase_end(text: str, start: int, explicit: bool = True) -> int | None:
    """End of a passphrase starting at ``start`` (« le petit chat gris », « correct horse battery
    staple »): two or more plain words up to the end of the clause, none of which continues the
    sentence or describes the password; None when the words read as a sentence."""
    words = list(re.finditer(r"[^\s,;:()\[\]]+", text[start:]))
    run, end = [], None
    for match in words:
        between = text[start + (words[0].start() if not run else end - start): start + match.start()]
        if run and re.search(r"[,;:\n()]", between):
            break
        word = match.group()
        lowered = word.lower().rstrip("!?.")
        if not PASSPHRASE_WORD.match(word) or lowered in CLAUSE_BREAK:
            break
        if lowered in ABOUT_THE_PASSWORD or (lowered in GRAMMAR_START and not run):
            return None
        if not explicit and not run and (PARTICIPLE.search(lowered) or CONJUGATED.search(lowered)):
            return None  # « est noté dans un carnet », « apparaît en points noirs »
        inside = run and lowered in PHRASE_INSIDE  # « les gaufres de liège »
        if not explicit and not inside and lowered not in ARTICLES and describes(lowered):  # « est trop long »
            return None
        run.append(lowered)
        end = start + match.end()
        if word[-1] in "!?.":
            break
    while run and run[-1] in PHRASE_INSIDE:  # never ends on « de »
        return None
    content = [w for w in run if w not in ARTICLES and w not in PHRASE_INSIDE]
    if end is None or not _ends_clause(text, end) or _is_question(text, start):
        return None
    return end if len(content) >= 2 and all(len(w.strip("!?.")) >= 2 for w in content) else None


CONJUGATED = re.compile(r"(?:ait|aît|aient|issent|issait)$")
PHRASE_INSIDE = {"de", "du", "des", "d'", "à", "au", "aux", "la", "le", "les", "l'", "en", "sur", "sous", "dans"}


SPELLED_OUT = re.compile(r"(?:\S )(?:\S ){4,}\S(?=\s|$)")


def _value_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in VALUE_RE.finditer(text):
        value, start = match.group("value"), match.start("value")
        explicit = bool(match.group("sep"))
        if value[:1] in "\"'«“":  # a quoted value: the whole of it, a word or a passphrase
            inner = value[1:-1].strip()
            if (" " not in inner and len(inner) >= 3 and _plain_value_is_secret(inner, explicit=True)) or (
                    " " in inner and _passphrase_end(inner, 0) == len(inner)):
                spans.append((start + 1, start + len(value) - 1))
            continue
        passphrase = _passphrase_end(text, start, explicit)
        if passphrase is not None:  # « mdp : le petit chat gris »
            spans.append((start, passphrase))
            continue
        rest = text[start:]
        spelled = SPELLED_OUT.match(rest)
        if spelled:  # « C h a r l e r o i 6 0 0 0 »
            spans.append((start, start + spelled.end()))
            continue
        for _ in range(3):  # skip fillers: « est tout simplement X »
            if _bare(value).lower() not in FILLER:
                break
            following = re.match(r"\S+\s+(\S+)", text[start:])
            if not following:
                break
            start, value = start + following.start(1), following.group(1)
        word = _bare(value)
        if word.lower() in ARTICLES:  # « mon code PIN est le 7777 »
            following = re.match(r"\S+\s+(\S+)", text[start:])
            if following and DIGITS_AND_PUNCT.match(_bare(following.group(1))) and _pin_secret(_bare(following.group(1))):
                spans.append(_span(following.group(1), start + following.start(1)))
            continue
        end = start + len(value.rstrip(EDGE_PUNCT))
        if credential_shaped(word) or DIGITS_AND_PUNCT.match(word):
            if _plain_value_is_secret(word, explicit) or (explicit and DATE_LIKE.match(word) and _ends_clause(text, end)):
                spans.append(_span(value, start))
        elif _ends_clause(text, end) and not _is_question(text, start) and _plain_value_is_secret(word, explicit):
            verb = (match.group("verb") or "").lower().replace("’", "'")
            if not (verb in ("est", "était", "etait", "is", "was", "sera", "serait") and PARTICIPLE.search(word)):
                spans.append(_span(value, start))
    for match in LOGIN_PAIR_RE.finditer(text):  # « ec000002 / secret »: a word ending the clause
        value = match.group("value")
        ends_clause = re.match(r"\s*($|[\n,;.!?)])", text[match.end("value"):])
        if credential_shaped(_bare(value)) or (ends_clause and _plain_value_is_secret(_bare(value))):
            spans.append(_span(value, match.start("value")))
    return spans


# A password cue directly followed by its value, with no « : » (« mdp namur », « code 4821 »):
# digits from four on, or a plain word that ends the clause.
BARE_CUE_RE = re.compile(
    r"(?<![\w@.])(?P<cue>mots?[\s-]*de[\s-]*passe|mdp|password|pwd|wachtwoord|passwort|code\s*d['’]?\s*acc[eè]s|"
    r"(?P<pin>pin|code(?:\s+pin)?))(?![\w@])[^\S\n]+(?P<value>[^\s,;:=]+)",
    re.I,
)


def _bare_cue_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in BARE_CUE_RE.finditer(text):
        token, start = match.group("value"), match.start("value")
        value = _bare(token)
        end = start + len(token.rstrip(EDGE_PUNCT))
        if DIGITS_AND_PUNCT.match(value):
            if _pin_secret(value):
                spans.append(_span(token, start))
            continue
        subject = re.match(r"\s+(?:ne|n['’])\b", text[end:], re.I)  # « mon mdp cramique ne va plus ? »
        if match.group("pin") or (_is_question(text, start) and not subject):
            continue
        passphrase = _passphrase_end(text, start, explicit=False)
        if passphrase is not None:  # « mot de passe tableau noir »
            spans.append((start, passphrase))
        elif _ends_clause(text, end, strict=True) and _plain_value_is_secret(value) and not PARTICIPLE.search(value):
            spans.append(_span(token, start))
    return spans


# Other places a weak password stands, in a message that names a password:
# « mot de passe : il fait beau » (a sentence given as the value, to the end of the line),
# « mon mot de passe, framboise, mais … » (in apposition), « Chloé, comme mot de passe »,
# « j'ai mis 8642 » (digits after what was typed), « … pour que vous vérifiiez : rossignol » (the last word).
STRONG_CUE_RE = re.compile(
    rf"(?<![\w@.])(?:mots?[\s-]*de[\s-]*passe|mdp|password|pwd|wachtwoord|code(?!{NOT_A_PASSWORD_CODE})|pin)(?![\w@])", re.I)
SENTENCE_VALUE_RE = re.compile(
    r"(?<![\w@.])(?:mots?[\s-]*de[\s-]*passe|mdp|password|pwd|wachtwoord)\s*[:=]\s*(?P<value>[^\n?]+?)\s*(?:$|\n)", re.I)
NOT_IN_A_SENTENCE_VALUE = re.compile(
    r"(?<!\w)(?:ne|n['’]|pas|plus|jamais|niet|not|geen|can['’]t|don['’]t|doesn['’]t|"
    r"voudrais|veux|voulais|souhaite|souhaiterais|cherche|sais|savais|comprends|besoin|dois|devrais|peux|pouvez|"
    r"arrive|trouve|retrouve|connais|rappelle|souviens|demande|attends|ai\s+re[çc]u|avez|comment|pourquoi|quand|"
    r"need|want|know|forgot|lost|weet|wil)(?!\w)", re.I)
APPOSITION_RE = re.compile(
    r"(?<![\w@.])(?:mots?[\s-]*de[\s-]*passe|mdp|password|wachtwoord)\s*,\s*(?P<value>[^\s,;:]+)\s*,", re.I)
AS_PASSWORD_RE = re.compile(r"(?P<value>[^\s,;:]+)\s*,?\s+comme\s+(?:mot\s+de\s+passe|mdp|code)\b", re.I)
TYPED_DIGITS_RE = re.compile(
    r"\b(?:mis|tap[ée]e?|encod[ée]e?|essay[ée]e?|saisie?|entr[ée]e?|rentr[ée]e?)\s+(?P<value>\d{4,})(?!\S*\d)", re.I)
# What was typed (« j'avais mis Ostende », « j'ai encodé 'soleil' »), a password recalled in a later
# clause (« … je crois que c'était hirondelle »), and a value before its cue (« Lucie est mon mdp »).
TYPED_VALUE_RE = re.compile(
    r"(?<![\w@])(?:(?:ai|as|a|avais|avait|avions|avons|avez|aviez|ont|avaient|aurais|aurait)[^\S\n]+"
    r"(?:(?:d[ée]j[àa]|bien|pourtant|juste|aussi|m[eê]me|toujours|encore|simplement|tout\s+simplement)[^\S\n]+)?"
    r"(?:mis|tap[ée]e?s?|encod[ée]e?s?|essay[ée]e?s?(?:\s+avec)?|saisie?s?|rentr[ée]e?s?|entr[ée]e?s?|"
    r"introduite?s?|utilis[ée]e?s?(?:\s+comme\s+mot\s+de\s+passe)?|choisie?s?)|"
    r"(?:je|j['’]|on)[^\S\n]*(?:tape|tapes|mets|met|encode|rentre|saisis|essaie|essaye|utilise)|"
    r"(?:i|have|had)[^\S\n]+(?:typed|tried|entered|used))"
    r"[^\S\n]+(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
RECALLED_RE = re.compile(
    r"(?<![\w@])(?:c['’]\s*[ée]tait(?:\s+soit)?|c['’]\s*est|ce\s+serait|c|cé)"
    r"[^\S\n]+(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
# « mon nouveau mot de passe est arlon et l'ancien était namur »: the second value, by its label.
LABEL_VALUE_RE = re.compile(
    r"(?<![\w@])(?:l['’]\s*|le\s+|la\s+|mon\s+|ma\s+)?(?:ancien|ancienne|nouveau|nouvelle|actuel|actuelle|vieux|"
    r"premier|deuxi[eè]me|second)[^\S\n]+(?:c['’]\s*est|est|[ée]tait|c['’]\s*[ée]tait)[^\S\n]+"
    r"(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
BEFORE_CUE_RE = re.compile(
    r"(?P<value>[^\s,;:]+)\s*,?\s+(?:c['’]\s*est|est|[ée]tait|c['’]\s*[ée]tait|is|was)\s+(?:mon|ma|le|notre|votre|l['’])\s*"
    r"(?:(?:ancien|nouveau|actuel|vieux)\s+)?(?:mots?\s+de\s+passe|mdp|code|password|wachtwoord)(?![\w@])", re.I)
THE_WORD_RE = re.compile(r"\ble\s+mot\s*[«\"“]\s*(?P<value>[^»\"”\s]{3,40})\s*[»\"”]", re.I)
LAST_WORD_RE = re.compile(r"\s:\s*(?P<value>[^\s:]+)\s*$")
PREPOSITIONS = {"dans", "sur", "sous", "chez", "à", "a", "au", "aux", "en", "avec", "par", "pour", "de", "du", "des", "via"}
GREETINGS = {"bonjour", "bonsoir", "hello", "madame", "monsieur", "urgent", "urgence", "svp", "merci", "aide", "help"}


def _elsewhere_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in TYPED_VALUE_RE.finditer(text):
        spans += _typed_value_span(text, match)
    if not STRONG_CUE_RE.search(text):
        return spans
    for regex in (RECALLED_RE, LABEL_VALUE_RE):
        for match in regex.finditer(text):
            spans += _typed_value_span(text, match)
    for match in SENTENCE_VALUE_RE.finditer(text):
        value = match.group("value")
        words = value.split()
        first = words[0].lower().strip(EDGE_PUNCT) if words else ""
        if (2 <= len(words) <= 6 and not NOT_IN_A_SENTENCE_VALUE.search(value) and "," not in value
                and first not in ABOUT_THE_PASSWORD and first not in GREETINGS and first not in PREPOSITIONS
                and not any(w.lower().strip(EDGE_PUNCT) in ABOUT_THE_PASSWORD for w in words)
                and not ADDRESS_IN_TEXT.search(value) and not URL_LIKE.search(value)):
            spans.append((match.start("value"), match.end("value")))
    for regex in (APPOSITION_RE, AS_PASSWORD_RE):
        for match in regex.finditer(text):
            if regex is APPOSITION_RE and re.search(r",\s*$", text[:match.start()]):  # « adresse, mot de passe, … »: a list
                continue
            word = _bare(match.group("value"))
            if word.lower() not in GREETINGS and (credential_shaped(word) or not describes(word)) and not is_structured(word):
                spans.append(_span(match.group("value"), match.start("value")))
    for match in SENTENCE_VALUE_RE.finditer(text):  # « mot de passe : le nom de mon chat, Minou »
        tail = re.search(r",\s*(?P<last>[^\s,]+)\s*$", match.group("value"))
        if tail and _plain_value_is_secret(_bare(tail.group("last")), explicit=True) \
                and _bare(tail.group("last")).lower() not in GREETINGS:
            spans.append(_span(tail.group("last"), match.start("value") + tail.start("last")))
    for match in THE_WORD_RE.finditer(text):  # « c'est le mot « ecole » »
        spans.append((match.start("value"), match.end("value")))
    for match in TYPED_DIGITS_RE.finditer(text):
        if _pin_secret(match.group("value")):
            spans.append((match.start("value"), match.end("value")))
    for match in BEFORE_CUE_RE.finditer(text):  # « Lucie est mon mot de passe »
        word = _bare(match.group("value"))
        if word.lower() not in GREETINGS and _plain_value_is_secret(word) and word.lower() not in GRAMMAR_START:
            spans.append(_span(match.group("value"), match.start("value")))
    last = LAST_WORD_RE.search(text)
    if last and STRONG_CUE_RE.search(text[:last.start()]):
        word = _bare(last.group("value"))
        if word.lower() not in GREETINGS and _plain_value_is_secret(word, explicit=True):
            spans.append(_span(last.group("value"), last.start("value")))
    return spans


LIST_NEXT_RE = re.compile(r"[^\S\n]*(?:,[^\S\n]*|[^\S\n]+(?:et|ou|puis|or|and|en)[^\S\n]+)(?P<value>[^\s,;:]+)", re.I)


def _typed_value_span(text: str, match: re.Match) -> list[tuple[int, int]]:
    """The value after a typing verb or « c'était »: quoted, a PIN, or one word ending the clause."""
    value, start = match.group("value"), match.start("value")
    if value[:1] in "\"'«“":
        inner = value[1:-1].strip()
        if " " not in inner and _plain_value_is_secret(inner, explicit=True) and inner.lower() not in NOT_A_SECRET:
            return [(start + 1, start + len(value) - 1)]
        return []
    spans = []
    while True:
        word = _bare(value)
        end = start + len(value.rstrip(EDGE_PUNCT))
        if DIGITS_AND_PUNCT.match(word):
            secret = _pin_secret(word)
        else:
            secret = credential_shaped(word) or (
                _ends_clause(text, end) and not _is_question(text, start) and word.lower() not in GREETINGS
                and not PARTICIPLE.search(word) and _plain_value_is_secret(word))
        if not secret:
            return spans
        spans.append(_span(value, start))
        following = LIST_NEXT_RE.match(text, end)  # « j'ai essayé letmein, welcome et password »
        if not following:
            return spans
        value, start = following.group("value"), following.start("value")


def _same_secret_elsewhere(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Other spellings of a secret already found (« Mons7000, mons7000 et MONS7000 »)."""
    found = {text[a:b].lower() for a, b in spans if b - a >= 4}
    extra = []
    for match in TOKEN_RE.finditer(text):
        if _bare(match.group()).lower() in found or match.group().strip(WRAPPERS).lower() in found:
            extra.append(_span(match.group(), match.start()))
    return extra


def _words(text: str):
    """(token, start) for each token, an address glued to something (« ec000002@adm.cfwb.be:Secret »)
    split off so that each part is judged on its own."""
    for match in TOKEN_RE.finditer(text):
        token, start = match.group(), match.start()
        address = ADDRESS_IN_TEXT.search(token) if "@" in token else None
        if not address or address.span() == (0, len(token)):
            yield token, start
            continue
        for a, b in ((0, address.start()), (address.end(), len(token))):
            part = token[a:b]
            stripped = part.strip(SEPARATORS)
            if stripped:
                yield stripped, start + a + part.find(stripped)


def _token_spans(text: str, cue: bool) -> list[tuple[int, int]]:
    spans = []
    for token, start in _words(text):
        word = _bare(token)
        if word and ((cue and credential_shaped(word)) or strongly_credential_shaped(word)):
            spans.append(_span(token, start))
    return spans


def _outside_protected(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with every e-mail address and every earlier mask cut out (« ec000002@adm.cfwb.be:Secret »
    keeps the address; masking a masked text changes nothing)."""
    protected = [m.span() for m in ADDRESS_IN_TEXT.finditer(text)]
    protected += [m.span() for m in re.finditer(re.escape(MASK), text)]
    result = []
    for start, end in spans:
        pieces = [(start, end)]
        for p_start, p_end in protected:
            pieces = [piece for a, b in pieces
                      for piece in ((a, min(b, p_start)), (max(a, p_end), b)) if piece[0] < piece[1]]
        for a, b in pieces:
            while a < b and text[a] in SEPARATORS:
                a += 1
            while a < b and text[b - 1] in SEPARATORS:
                b -= 1
            if a < b and re.search(r"[^\W_]", text[a:b]):  # quotes left around an earlier mask: nothing
                result.append((a, b))
    return result


def mask(text: str) -> Masked:
    """The text with secrets replaced by ``MASK``, and whether any was found."""
    if not text or text.startswith("/"):  # quick-reply payloads carry no secret (the guard filters them)
        return Masked(text or "", False)
    cue = bool(CUE_RE.search(text))
    spans = _token_spans(text, cue) + (_value_spans(text) + _bare_cue_spans(text) + _elsewhere_spans(text) if cue else [])
    spans += _same_secret_elsewhere(text, spans)
    if len(TOKEN_RE.findall(text)) == 1:  # a lone token pasted on its own
        token = text.strip()
        if credential_shaped(_bare(token)) and len(_bare(token)) >= 8:
            spans.append(_span(token, text.find(token)))
    spans = _outside_protected(text, spans)
    if not spans:
        return Masked(text, False)
    merged: list[list[int]] = []
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return Masked("".join(out), True)


MAILTO_RE = re.compile(r"mailto:[^\s)\]]+")


def _mask_mailto(link: str) -> str:
    """A ``mailto:`` link with its URL-encoded subject and body masked (encoded the same way)."""
    head, _, query = link.partition("?")
    parts = []
    for part in query.split("&") if query else []:
        name, eq, value = part.partition("=")
        masked = mask(unquote(value)).text
        parts.append(f"{name}{eq}{quote(masked) if masked != unquote(value) else value}")
    return f"{head}?{'&'.join(parts)}" if query else link


QUOTED_RE = re.compile(r"«([^»]*)»")


def mask_bot_text(value: str) -> str:
    """The assistant's own text: only what it echoes of the user (prepared message links, « … »)."""
    value = MAILTO_RE.sub(lambda m: _mask_mailto(m.group()), value)
    return QUOTED_RE.sub(lambda m: f"«{mask(m.group(1)).text}»", value)


def mask_string(value: str) -> str:
    """``mask`` that also reads inside ``mailto:`` links (prepared messages)."""
    return mask(MAILTO_RE.sub(lambda m: _mask_mailto(m.group()), value)).text


# Keys whose values are identifiers or names chosen by the software, never typed by a person.
IDENTIFIER_KEYS = {"model_id", "message_id", "sender_id", "id", "event", "name", "intent", "action_name", "policy",
                   "input_channel", "assistant_id", "extractor", "entity", "timestamp", "type", "processors",
                   "teams_user", "conversation_id", "session_id", "tenant_id", "channel", "payload",
                   "bma_decision"}


def mask_json(value, key: str | None = None):
    """Every string typed by a person inside a JSON-like value masked; identifiers left as they are."""
    if key in IDENTIFIER_KEYS or (key or "").endswith("_id"):
        return value
    if isinstance(value, str):
        return mask_string(value)
    if isinstance(value, list):
        return [mask_json(item, key) for item in value]
    if isinstance(value, dict):
        return {k: mask_json(item, k) for k, item in value.items()}
    return value


WARNING_FR = (
    "Attention : ne communiquez jamais un mot de passe, ni ici ni par e-mail, pas même au support. "
    "Je l'ai masqué : il n'est ni lu ni conservé. Si vous pensez qu'il a été vu, changez-le."
)
