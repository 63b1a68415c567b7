"""Where a password stands in a message: the spans to mask, after a cue or elsewhere."""
from __future__ import annotations

import re

from bma.secrets.words import (
    ABOUT_THE_PASSWORD,
    ADDRESS_IN_TEXT,
    ARTICLES,
    CLAUSE_BREAK,
    DATE_LIKE,
    DIGITS_AND_PUNCT,
    EDGE_PUNCT,
    FILLER,
    GRAMMAR_START,
    LOGIN_PAIR_RE,
    MASK,
    NOT_A_PASSWORD_CODE,
    NOT_A_SECRET,
    PARTICIPLE,
    PASSPHRASE_WORD,
    SEPARATORS,
    TOKEN_RE,
    URL_LIKE,
    VALUE_RE,
    WRAPPERS,
    _bare,
    _pin_secret,
    _plain_value_is_secret,
    _span,
    credential_shaped,
    describes,
    is_structured,
    strongly_credential_shaped,
)

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

