"""Where else a weak password stands in a message that names one: typed, recalled, before its cue,
as a sentence, in apposition or parentheses."""
from __future__ import annotations

import re

from bma.secrets.corrections import SPELLED_RUN_RE, YEAR, _correction_spans
from bma.secrets.spans import (
    _ends_clause,
    _is_question,
    _proper_name,
    _quoted_sentence,
)
from bma.secrets.words import (
    ABOUT_THE_PASSWORD,
    ADDRESS_IN_TEXT,
    BMA_LOGIN,
    DESCRIBING_WORD,
    DIGITS_AND_PUNCT,
    EDGE_PUNCT,
    GRAMMAR_START,
    NEGATION,
    NOT_A_PASSWORD_CODE,
    NOT_A_SECRET,
    PARTICIPLE,
    PASSWORD_NOUN,
    PASSWORD_WORD,
    TOKEN_RE,
    URL_LIKE,
    WRAPPERS,
    _bare,
    _pin_secret,
    _plain_value_is_secret,
    _span,
    credential_shaped,
    describes,
    is_structured,
)
from bma.text import plain

# Other places a weak password stands, in a message that names a password:
# « mot de passe : il fait beau » (a sentence given as the value, to the end of the line),
# « mon mot de passe, framboise, mais … » (in apposition), « Chloé, comme mot de passe »,
# « j'ai mis 8642 » (digits after what was typed), « … pour que vous vérifiiez : rossignol » (the last word).
STRONG_CUE_RE = re.compile(
    rf"(?<![\w@.])(?:{PASSWORD_NOUN}|pass|phrase\s+(?:de\s+passe|secr[eè]te)|code(?!{NOT_A_PASSWORD_CODE})|pin)(?![\w@])", re.I)
SENTENCE_VALUE_RE = re.compile(
    rf"(?<![\w@.])(?:{PASSWORD_NOUN}|pass|phrase(?:\s+de\s+passe|\s+secr[eè]te)?)"
    r"\s*[:=]\s*(?P<value>[^\n?]+?)\s*(?:$|\n)", re.I)
NOT_IN_A_SENTENCE_VALUE = re.compile(
    rf"(?<!\w)(?:{NEGATION}|niet|not|geen|can['’]t|don['’]t|doesn['’]t|"
    r"voudrais|veux|voulais|souhaite|souhaiterais|cherche|sais|savais|comprends|besoin|dois|devrais|peux|pouvez|"
    r"arrive|trouve|retrouve|connais|rappelle|souviens|demande|attends|ai\s+re[çc]u|avez|comment|pourquoi|quand|"
    r"need|want|know|forgot|lost|weet|wil)(?!\w)", re.I)
APPOSITION_RE = re.compile(
    rf"(?<![\w@.]){PASSWORD_NOUN}(?:\s+(?:habituel(?:le)?|d['’]avant|d['’]origine|actuel(?:le)?|initial(?:e)?|perso))?"
    r"\s*,\s*(?P<value>[^\s,;:]+)\s*,", re.I)
# French only (« en » is Dutch « and »: « login en wachtwoord » is no value).
AS_PASSWORD_RE = re.compile(
    rf"(?P<value>(?<!\w)[\"'«“][^\"'»”\n]{{2,40}}[\"'»”]|[^\s,;:]+)\s*,?\s+(?:comme|kom|com|en)\s+"
    rf"(?:{PASSWORD_WORD}|mdp|code|phrase\s+(?:de\s+passe|secr[eè]te))(?![\w@])", re.I)
# « Maison! est refusé comme mot de passe »: the value opens the sentence (not « ma date de
# naissance est refusée comme mot de passe »).
STATE_AS_PASSWORD_RE = re.compile(
    rf"(?:^|(?<=[.!?\n])[^\S\n]*)(?P<value>[^\s,;:]+)\s+(?:est|a\s+[ée]t[ée]|fut)\s+(?:refus[ée]e?|rejet[ée]e?|accept[ée]e?)"
    rf"\s+comme\s+(?:{PASSWORD_WORD}|mdp|code)(?![\w@])", re.I)
# English and Dutch, after a typing verb: « I typed football as password », « ik gebruik appel als wachtwoord ».
AS_PASSWORD_OTHER_RE = re.compile(
    r"(?<![\w@])(?:typed|tried|entered|use|used|gebruik|gebruikte|typte|probeerde)\s+(?P<value>[^\s,;:]+)\s+(?:as|als)\s+"
    r"(?:(?:my|the|a|mijn|het|een)\s+)?(?:password|wachtwoord)(?![\w@])", re.I)
ASKS_RE = re.compile(r"\s*(?:can|could|may|should|which|what|how|mag|kan|welke|wat|hoe)\b", re.I)
FOREIGN_DETERMINERS = {"my", "the", "a", "mijn", "het", "een", "ik"}
# A relative clause between the cue and its value: « le mot de passe que la directrice m'a donné est
# Citadelle », « le code à 6 chiffres qu'on a choisi est 280912 ».
RELATIVE_VALUE_RE = re.compile(
    rf"(?<![\w@.])(?:{PASSWORD_NOUN}|code(?!{NOT_A_PASSWORD_CODE}))(?:\s+(?:de\s+secours|[àa]\s+\d\s+chiffres))?"
    r"\s+qu(?:e\s|['’]\s*)(?:[^.,;:!?\n]|[.:](?=\S)){1,60}?\s(?:est|(?P<past>[ée]tait)|c['’]\s*est)[^\S\n]+"
    r"(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
TYPED_DIGITS_RE = re.compile(
    r"\b(?:mis|tap[ée]e?|encod[ée]e?|essay[ée]e?|saisie?|entr[ée]e?|rentr[ée]e?)\s+(?P<value>\d{4,})(?!\S*\d)", re.I)
# What was typed (« j'avais mis Ostende », « j'ai encodé 'soleil' »), a password recalled in a later
# clause (« … je crois que c'était hirondelle »), and a value before its cue (« Lucie est mon mdp »).
TYPED_VALUE_RE = re.compile(
    r"(?<![\w@])(?:(?:ai|jai|g|as|a|avais|avait|avions|avons|avez|aviez|ont|avaient|aurais|aurait)[^\S\n]+"
    r"(?:(?:d[ée]j[àa]|bien|pourtant|juste|aussi|m[eê]me|toujours|encore|simplement|tout\s+simplement|tout|"
    r"peut-[eê]tre)[^\S\n]+)?"
    r"(?:mis|tap[ée]e?s?|encod[ée]e?s?|essay(?:[ée]e?s?|er)(?:\s+avec)?|saisie?s?|rentr[ée]e?s?|entr[ée]e?s?|"
    r"introduite?s?|utilis[ée]e?s?(?:\s+comme\s+mot\s+de\s+passe)?|choisie?s?|tent[ée]e?s?|test[ée]e?s?)|"
    r"(?:je|j['’]|on)[^\S\n]*(?:tape|tapes|encode|rentre|saisis|essaie|essaye|utilise)|"
    r"(?:i|have|had)[^\S\n]+(?:typed|tried|entered|used)|"
    r"(?P<weak>(?:je|j['’]|on)[^\S\n]*(?:mets|met)|"
    r"(?:peux|peut|pouvez|pourriez|vais|va|allez|dois|doit|devez|voulais|voulait|voudrais|veux|faut|fallait)[^\S\n]+"
    r"(?:essayer(?:\s+avec)?|taper|mettre|encoder|rentrer|entrer|saisir)))"
    r"(?:[^\S\n]*:)?[^\S\n]+(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
RECALLED_RE = re.compile(
    r"(?<![\w@])(?:c['’]\s*[ée]tait(?:\s+soit)?|c['’]\s*est|ce\s+serait|c|cé)"
    r"[^\S\n]+(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
# « mon nouveau mot de passe est arlon et l'ancien était namur »: the second value, by its label.
LABEL_VALUE_RE = re.compile(
    r"(?<![\w@])(?:l['’]\s*|le\s+|la\s+|mon\s+|ma\s+)?(?:ancien|ancienne|nouveau|nouvelle|actuel|actuelle|vieux|"
    r"premier|deuxi[eè]me|second)[^\S\n]+(?:c['’]\s*est|est|[ée]tait|c['’]\s*[ée]tait)[^\S\n]+"
    r"(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
BEFORE_CUE_RE = re.compile(
    r"(?P<value>[«“\"]\s*[^»”\"\n]{2,40}?\s*[»”\"]|[^\s,;:]+)\s*,?\s*"
    r"(?:\s(?:c['’]\s*est(?P<stressed>\s+(?:ça|ca|bien))?|est|[ée]tait|c['’]\s*[ée]tait|is|was|(?P<sms>c|cé))|(?P<equals>=))\s+"
    r"(?:mon|ma|le|notre|votre|l['’])\s*"
    rf"(?:(?:ancien|nouveau|actuel|vieux)\s+)?(?:{PASSWORD_NOUN}|code)(?![\w@])", re.I)
CLEFT_RE = re.compile(
    r"(?<![\w@])c['’]\s*(?:est|[ée]tait)\s+(?P<value>[^\s,;:]+)\s+(?:le|mon|ma|notre|votre)\s+"
    rf"(?:{PASSWORD_NOUN}|code)(?![\w@])", re.I)
PARENTHESES_RE = re.compile(
    rf"(?<![\w@.])(?:{PASSWORD_NOUN}|code)(?:\s+(?:choisie?|utilis[ée]e?|actuel(?:le)?|habituel(?:le)?))?\s*\(\s*(?P<value>[^()\s]{{2,40}})\s*\)", re.I)
# Signing in to a BMA « avec X »: X is what was typed when it reads as a name or a typed string.
WITH_VALUE_RE = re.compile(
    r"(?:connect\w*|fonctionne\w*|marche\w*|ouvr\w*|acc[eè]d\w*|entrer|log\w*)(?:[^.\n?]|\.(?=\S)){0,80}?\bavec\s+(?P<value>[^\s,;:]+)",
    re.I)
# The password changed to a value: « j'ai changé le mdp en maisonbleue », « modifié mon mot de passe par X ».
CHANGED_TO_RE = re.compile(
    rf"(?<![\w@])(?:chang[ée]e?|modifi[ée]e?|remplac[ée]e?|chang[ée]\s+de)\s+(?:le|la|mon|ma|notre|son|l['’])?\s*"
    rf"(?:{PASSWORD_NOUN}|code)\s+(?:en|par)\s+(?P<value>[\"'«“][^\"'»”\n]{{2,40}}[\"'»”]|[^\s,;:]+)", re.I)
# Words after « changé le mot de passe en / par » that are no value (« en ligne », « en vain »).
NOT_CHANGED_TO = set("""
ligne vain cours temps fin début debut urgence partie plus moins autre quelque chose raison effet pratique principe
général general sécurité securite précaution precaution prudence mégarde megarde erreur téléphone telephone sms mail
e-mail courrier vitesse hâte hate accident réflexe reflexe habitude routine obligation ordre défaut defaut
""".split())
# A PIN in parentheses a little after its cue: « le code d'activation reçu par SMS (662014) ».
CUE_THEN_PARENTHESES_RE = re.compile(
    rf"(?<![\w@.])(?:code(?!{NOT_A_PASSWORD_CODE})|pin)(?![\w@])[^.!?\n()]{{0,40}}\(\s*(?P<value>\d[\d .-]{{2,10}}\d)\s*\)",
    re.I)
# The same password everywhere: « j'ai le même partout : Chocolat! ».
SAME_EVERYWHERE_RE = re.compile(
    r"\b(?:j['’]\s*ai|j['’]\s*utilise|je\s+mets|j['’]\s*avais|on\s+a|on\s+met|nous\s+avons)\s+(?:\w+\s+){0,2}?"
    r"(?:le|la)\s+m[eê]me\s+(?:partout|pour\s+tout|qu['’]\s*ailleurs|depuis\s+des\s+ann[ée]es)\s*[:=]\s*"
    r"(?P<value>[\"'«“][^\"'»”\n]{2,40}[\"'»”]|[^\s,;:]+)", re.I)
# Signing in with an address « et » a word: « je me connecte avec ec…@adm.cfwb.be et tournevis ».
ADDRESS_AND_VALUE_RE = re.compile(
    rf"\bavec\s+(?:l['’]\s*adresse\s+)?(?:ec|po)\d{{4,8}}@adm\.cfwb\.be\s+(?:et|\+)\s+"
    rf"(?:(?:le\s+|mon\s+)?(?:{PASSWORD_NOUN}|pass)\s*:?\s+)?(?P<value>[^\s,;:?]+)", re.I)
# A passphrase before its cue: « le chat dort sur le radiateur — c'est ma phrase de passe ».
PHRASE_BEFORE_CUE_RE = re.compile(
    r"^\s*(?P<value>[^\W\d_][^\s,;:.!?—–]*(?:[^\S\n]+[^\s,;:.!?—–]+){1,7}?)\s*(?:—|–)\s*"
    r"(?:c['’]\s*est(?:\s+ça|\s+ca)?\s+(?:mon|ma|notre)|that['’]?s\s+my|this\s+is\s+my|is\s+my)\s+(?:new\s+|nouveau\s+|nouvelle\s+)?"
    rf"(?:{PASSWORD_NOUN}|phrase\s+(?:de\s+passe|secr[eè]te)|passphrase)(?=\s*(?:$|[.,;!]))", re.I)
# A word typed with its exclamation mark (« je tape correct! », « quand je mets Bonjour! »).
EXCLAIMED_WORD = re.compile(r"[^\W\d_]{3,}!+")
# A date of birth or of marriage typed as a password: ddmmyyyy.
DATE_PIN_RE = re.compile(r"(?<![\w/.-])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19[3-9]\d|20[0-2]\d)(?![\w/.-])")
TYPED_DATE_PIN_RE = re.compile(
    r"(?<![\w@])(?:mis|mets|tap[ée]e?|encod[ée]e?|essay[ée]e?|entr[ée]e?|rentr[ée]e?|utilis[ée]e?)\b[^.!?\n]{0,40}?"
    rf"(?P<value>{DATE_PIN_RE.pattern})", re.I)
THE_WORD_RE = re.compile(r"\ble\s+mot\s*[«\"“]\s*(?P<value>[^»\"”\s]{3,40})\s*[»\"”]", re.I)
LAST_WORD_RE = re.compile(r"\s:\s*(?P<value>[^\s:]+)\s*$")
LABELS = {"ancien", "ancienne", "nouveau", "nouvelle", "actuel", "actuelle", "provisoire", "temporaire", "perso",
          "personnel", "bma", "smail", "smail2", "outlook", "cerbère", "cerbere", "windows"}
PREPOSITIONS = {"dans", "sur", "sous", "chez", "à", "a", "au", "aux", "en", "avec", "par", "pour", "de", "du", "des", "via"}
# A form's labels before « : » that are no password (« Nom : Dumont / Prénom : Isabelle », « Moi : énervée »).
FORM_LABELS = {"nom", "prénom", "prenom", "moi", "école", "ecole", "adresse", "téléphone", "telephone", "tél", "tel", "gsm",
               "fonction", "objet", "sujet", "date", "statut", "état", "etat", "résultat", "resultat", "problème",
               "probleme", "question", "remarque", "signé", "signature", "name"}
# A verb of typing or choosing: « j'ai mis ma clio comme mot de passe » names the value.
TYPING_VERB = re.compile(r"(?:mis|mets|met|tap[ée]e?|encod[ée]e?|saisie?|choisie?|pris|utilis[ée]e?|utilise|essay[ée]e?|gard[ée]e?)", re.I)
# The words before the last word of a noun phrase (« sa date de naissance », « une phrase entière »).
NOUN_PHRASE_INSIDE = {"le", "la", "les", "l'", "un", "une", "mon", "ma", "mes", "ton", "ta", "sa", "son", "ses", "notre",
                      "votre", "leur", "leurs", "de", "du", "des", "d'", "phrase", "date"}
GREETINGS = {"bonjour", "bonsoir", "hello", "madame", "monsieur", "urgent", "urgence", "svp", "merci", "aide", "help"}


def _with_value_spans(text: str) -> list[tuple[int, int]]:
    """« je me connecte sur ec…@adm.cfwb.be avec Nala! »: signing in to a box with a name or a typed string."""
    spans = []
    if ADDRESS_IN_TEXT.search(text):
        for match in WITH_VALUE_RE.finditer(text):
            token = match.group("value")
            word = _bare(token)
            if (_proper_name(word) or token.endswith("!") or credential_shaped(word)) and not is_structured(word):
                spans.append(_span(token, match.start("value")))
    return spans


def _self_cued_spans(text: str) -> list[tuple[int, int]]:
    """Shapes that carry their own cue, looked for in every message: the same password everywhere,
    an address « et » a word to sign in with, a passphrase named after it."""
    spans = []
    for regex in (SAME_EVERYWHERE_RE, ADDRESS_AND_VALUE_RE):
        for match in regex.finditer(text):
            token = match.group("value")
            word = _bare(token)
            shaped = credential_shaped(word)
            end = match.start("value") + len(token.rstrip(EDGE_PUNCT))
            if not shaped and (not _ends_clause(text, end) or describes(word)):
                continue  # « … et voilà le message d'erreur », « … et finalement »
            if _closed_quote(token):
                inner = token[1:-1].strip()
                if inner and (" " not in inner or _quoted_sentence(inner)):
                    spans.append((match.start("value") + 1, match.end("value") - 1))
                continue
            if (shaped or _plain_value_is_secret(word, explicit=True)) and not is_structured(word) \
                    and word.lower() not in NOT_A_SECRET | GREETINGS | GRAMMAR_START:
                spans.append(_span(token, match.start("value")))
    strong_cue = bool(STRONG_CUE_RE.search(text))
    spans += _correction_spans(text, strong_cue)
    if strong_cue:  # « le mot de passe, lettre par lettre : M A T H I S 0 7 »
        spans += [m.span() for m in SPELLED_RUN_RE.finditer(text)
                  if re.search(r"[^\W\d_]", m.group()) and not BMA_LOGIN.match(re.sub(r"[- ]", "", m.group())[:8])]
    phrase = PHRASE_BEFORE_CUE_RE.match(text)
    if phrase:
        words = phrase.group("value").split()
        first = words[0].lower()
        if (first not in GRAMMAR_START and first not in GREETINGS and first not in ABOUT_THE_PASSWORD
                and not NOT_IN_A_SENTENCE_VALUE.search(phrase.group("value")) and not ADDRESS_IN_TEXT.search(phrase.group("value"))
                and not any(w.lower().strip(EDGE_PUNCT) in ABOUT_THE_PASSWORD for w in words)):
            spans.append(phrase.span("value"))
    return spans


def _elsewhere_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    strong_cue = STRONG_CUE_RE.search(text)
    for match in TYPED_VALUE_RE.finditer(text):
        if match.group("weak") and not strong_cue:  # « je mets Benoît dans la boucle », « je vais essayer vendredi »
            token = match.group("value")
            word = _bare(token)
            if not (_closed_quote(token) or credential_shaped(word) or _pin_secret(word)
                    or EXCLAIMED_WORD.fullmatch(token.strip(WRAPPERS))):
                continue
        spans += _typed_value_span(text, match)
    for match in TYPED_DATE_PIN_RE.finditer(text):  # « j'ai mis ma date de mariage : 14071996 »
        spans.append(match.span("value"))
    if not strong_cue:
        return spans
    spans += [m.span() for m in DATE_PIN_RE.finditer(text)]  # « le mot de passe c'est ma date de mariage 25061994 »
    for match in CHANGED_TO_RE.finditer(text):  # « j'ai changé le mdp en maisonbleue hier soir »
        token = match.group("value")
        word = _bare(token)
        if _closed_quote(token):
            spans += _typed_value_span(text, match)
        elif (credential_shaped(word) or (_plain_value_is_secret(word) and not YEAR.fullmatch(word)
                                           and not word.lower().endswith("ant"))) and \
                word.lower() not in NOT_A_SECRET | GREETINGS | GRAMMAR_START | NOT_CHANGED_TO:
            spans.append(_span(token, match.start("value")))
    for match in CUE_THEN_PARENTHESES_RE.finditer(text):  # « le code reçu par SMS (662014) »
        if _pin_secret(match.group("value")) and not YEAR.fullmatch(match.group("value")):
            spans.append(match.span("value"))
    for regex in (RECALLED_RE, LABEL_VALUE_RE):
        for match in regex.finditer(text):
            spans += _typed_value_span(text, match, spoken=regex is RECALLED_RE)
    for match in SENTENCE_VALUE_RE.finditer(text):
        value = match.group("value")
        words = value.split()
        first = words[0].lower().strip(EDGE_PUNCT) if words else ""
        if (2 <= len(words) <= 6 and not NOT_IN_A_SENTENCE_VALUE.search(value) and "," not in value
                and first not in ABOUT_THE_PASSWORD and first not in GREETINGS and first not in PREPOSITIONS
                and first not in ("j'ai", "j’ai", "jai")  # « mdp : j'ai tout essayé »
                and not (first in ("c'est", "c’est") and re.search(r"\bqu(?:i|e|['’])", value))  # « c'est la secrétaire qui l'a »
                and not any(w.lower().strip(EDGE_PUNCT) in ABOUT_THE_PASSWORD for w in words)
                and not ADDRESS_IN_TEXT.search(value) and not URL_LIKE.search(value)):
            spans.append((match.start("value"), match.end("value")))
    for match in RELATIVE_VALUE_RE.finditer(text):  # « le mot de passe que … m'a donné est Citadelle »
        token = match.group("value")
        word = _bare(token)
        end = match.start("value") + len(token.rstrip(EDGE_PUNCT))
        plain_word = (match.group("past") and _ends_clause(text, end) and _plain_value_is_secret(word) and not PARTICIPLE.search(word)
                      and word.lower() not in GREETINGS)  # « … que j'avais choisi était cerisier mais … »
        if (_proper_name(word) or credential_shaped(word) or _pin_secret(word) or plain_word) and not _is_question(text, match.start("value")):
            spans.append(_span(token, match.start("value")))
    asks = ASKS_RE.match(text)  # « Can I use spaces as password »: a question without « ? »
    for match in (*STATE_AS_PASSWORD_RE.finditer(text), *AS_PASSWORD_OTHER_RE.finditer(text)):
        token = match.group("value")
        word = _bare(token)
        if not asks and not _is_question(text, match.start("value")) and _plain_value_is_secret(word) \
                and word.lower() not in GRAMMAR_START | GREETINGS | FOREIGN_DETERMINERS:
            spans.append(_span(token, match.start("value")))
    for regex in (APPOSITION_RE, AS_PASSWORD_RE):
        for match in regex.finditer(text):
            if regex is APPOSITION_RE and re.search(r",\s*$", text[:match.start()]):  # « adresse, mot de passe, … »: a list
                continue
            word = _bare(match.group("value"))
            if " " in word and not (_closed_quote(match.group("value")) and _quoted_sentence(word)):
                continue  # a quoted passphrase only: « j'ai mis 'le petit prince' comme phrase secrète »
            before = text[:match.start("value")].split()
            if (regex is AS_PASSWORD_RE and before and before[-1].lower() in NOUN_PHRASE_INSIDE and word.islower()
                    and not (len(before) > 1 and TYPING_VERB.fullmatch(before[-2]))
                    and not credential_shaped(word) and not _pin_secret(word)):
                continue  # the end of a noun phrase: « le prénom de mon chien comme mot de passe »
            if word.lower() not in GREETINGS and (credential_shaped(word) or not describes(word)) and not is_structured(word):
                spans.append(_span(match.group("value"), match.start("value")))
    for match in SENTENCE_VALUE_RE.finditer(text):  # « mot de passe : le nom de mon chat, Minou »
        tail = re.search(r",\s*(?P<last>[^\s,]+)\s*$", match.group("value"))
        if tail and _plain_value_is_secret(_bare(tail.group("last")), explicit=True) \
                and not DESCRIBING_WORD.search(_bare(tail.group("last"))) \
                and _bare(tail.group("last")).lower() not in GREETINGS:
            spans.append(_span(tail.group("last"), match.start("value") + tail.start("last")))
    for match in THE_WORD_RE.finditer(text):  # « c'est le mot « ecole » »
        spans.append((match.start("value"), match.end("value")))
    for match in TYPED_DIGITS_RE.finditer(text):
        if _pin_secret(match.group("value")):
            spans.append((match.start("value"), match.end("value")))
    for match in CLEFT_RE.finditer(text):  # « c'est Jodoigne le mot de passe »
        word = _bare(match.group("value"))
        if _plain_value_is_secret(word, explicit=True) and word.lower() not in NOT_A_SECRET | GREETINGS:
            spans.append(_span(match.group("value"), match.start("value")))
    for match in PARENTHESES_RE.finditer(text):  # « mon mot de passe (simple) »
        word = _bare(match.group("value"))
        if _plain_value_is_secret(word, explicit=True) and word.lower() not in NOT_A_SECRET | LABELS:
            spans.append((match.start("value"), match.end("value")))
    for match in BEFORE_CUE_RE.finditer(text):  # « Lucie est mon mot de passe », « bateau = mon mdp »
        if _closed_quote(match.group("value")):  # « « Inès » c'est mon mdp »
            inner = match.group("value")[1:-1].strip()
            if " " not in inner and _plain_value_is_secret(inner, explicit=True):
                spans.append((match.start("value") + 1, match.end("value") - 1))
            continue
        word = _bare(match.group("value"))
        if match.group("stressed") and not re.match(r"\s*(?:$|[.!;])", text[match.end():]):
            continue  # « Je confirme, c'est bien le code reçu par SMS »
        if (match.group("sms") or match.group("equals")) and (  # « binche c mon mdp », « bateau = mon mdp »:
                match.start("value") > 0 or _is_question(text, match.start("value"))  # the whole first clause,
                or not re.match(r"\s*(?:$|[.,;!)]|\s(?:actuel|ancien|nouveau|depuis|pour|sur|dans|mais|et)\b)", text[match.end():])):  # not « … qui bloque »
            continue
        if word.lower() not in GREETINGS and _plain_value_is_secret(word) and word.lower() not in GRAMMAR_START:
            spans.append(_span(match.group("value"), match.start("value")))
    last = LAST_WORD_RE.search(text)
    label = text[:last.start()].split()[-1:] if last else []
    if last and STRONG_CUE_RE.search(text[:last.start()]) and not (label and label[0].lower().rstrip(".") in FORM_LABELS):
        word = _bare(last.group("value"))
        if word.lower() not in GREETINGS and _plain_value_is_secret(word, explicit=True):
            spans.append(_span(last.group("value"), last.start("value")))
    return spans


# « j'ai tapé bonjour et ça marche pas »: a greeting typed as a password, by what follows.
TYPED_GREETINGS = {"bonjour", "bonsoir", "hello", "salut", "coucou"}
FAILED_AFTER = re.compile(r"\s+(?:et|mais)\s+(?:ça|ca|sa|cela|il)\s+(?:ne\s+|n['’]\s*)?(?:marche|fonctionne|passe|veut|refuse|dit)",
                          re.I)
LIST_NEXT_RE = re.compile(r"[^\S\n]*(?:,[^\S\n]*|[^\S\n]+(?:et|ou|puis|or|and)[^\S\n]+)(?P<value>[^\s,;:]+)", re.I)
DUTCH_LIST_NEXT_RE = re.compile(r"[^\S\n]+en[^\S\n]+(?P<value>[^\s,;:]+)", re.I)
DUTCH = re.compile(r"\b(?:wachtwoord|ik|heb|mijn|het|niet|werkt)\b", re.I)


def _closed_quote(value: str) -> bool:
    """A value in quotes, opening and closing (an opening quote alone is part of a bare value)."""
    return len(value) > 2 and value[0] in "\"'«“" and value[-1] in "\"'»”"


def _typed_value_span(text: str, match: re.Match, spoken: bool = False) -> list[tuple[int, int]]:
    """The value after a typing verb or « c'était »: quoted, a PIN, or one word ending the clause
    (``spoken``: after « c'était / c'est », a pronoun also ends it)."""
    value, start = match.group("value"), match.start("value")
    if _closed_quote(value):
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
                _ends_clause(text, end, spoken=spoken) and not _is_question(text, start)
                and (word.lower() not in GREETINGS or (word.lower() in TYPED_GREETINGS and FAILED_AFTER.match(text, end)))
                and not PARTICIPLE.search(word) and _plain_value_is_secret(word)) or (
                EXCLAIMED_WORD.fullmatch(value.strip(WRAPPERS)) is not None  # « je tape correct! »
                and _plain_value_is_secret(word, explicit=True))
        if not secret:
            return spans
        spans.append(_span(value, start))
        # « j'ai essayé letmein, welcome et password », Dutch « appel en peer »
        following = LIST_NEXT_RE.match(text, end) or (DUTCH.search(text) and DUTCH_LIST_NEXT_RE.match(text, end))
        if not following:
            return spans
        value, start = following.group("value"), following.start("value")


# A word followed by digits or symbols (« Mouscron7700 », « Mamour2! », « Coccinelle22 »): its word.
STEM_RE = re.compile(r"([^\W\d_]{4,})[\d\W_]{1,6}")


def _same_secret_elsewhere(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Other spellings of a secret already found (« Mons7000, mons7000 et MONS7000 »), and the word a
    found secret is made of (« Mouscron7700, Mouscron et mouscron7700 », « Pyjama, peut-être Pyjama7 »)."""
    if not spans:
        return []
    found = {text[a:b].lower() for a, b in spans if b - a >= 4}
    found |= {plain(text[a:b]) for a, b in spans if b - a >= 4 and (text[a].isupper() or credential_shaped(text[a:b]))}
    stems = {stem.group(1).lower() for a, b in spans if credential_shaped(text[a:b])
             for stem in [STEM_RE.fullmatch(text[a:b])] if stem}
    stems -= NOT_A_SECRET | ABOUT_THE_PASSWORD | GREETINGS | LABELS
    extra = []
    for match in TOKEN_RE.finditer(text):
        token = match.group()
        if _bare(token).lower() in found or token.strip(WRAPPERS).lower() in found or (
                token[:1].isupper() and plain(_bare(token)) in found) or _bare(token).lower() in stems:
            extra.append(_span(match.group(), match.start()))
    return extra


