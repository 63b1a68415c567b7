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
    INVERTED_VERB,
    LOGIN_PAIR_RE,
    MASK,
    NOT_A_SECRET,
    PARTICIPLE,
    PASSPHRASE_WORD,
    PASSWORD_NOUN,
    SEPARATORS,
    TOKEN_RE,
    VALUE_RE,
    _bare,
    _pin_secret,
    _plain_value_is_secret,
    _span,
    credential_shaped,
    describes,
    strongly_credential_shaped,
)
from bma.text import plain

# What ends the clause after a value: punctuation, or a word that starts the rest of the sentence
# (« mdp est Tournai depuis des années », « wachtwoord is fietsbel maar… », « girafe puis … »).
NEXT_CLAUSE_WORDS = (
    r"et|mais|car|donc|ou|puis|sauf|depuis|pour|sur|dans|avec|sans|avant|apr[eè]s|chez|en|quand|lorsque|parce|"
    r"comme|svp|stp|merci|ne|n['’]|maar|want|sinds|voor|met|but|and|or|since|for|on|in|at|when|because|"
    r"(?:mon|ma|le|la)\s+(?:mdp|mot\s+de\s+passe|code)|"
    r"pendant|jusqu['’]\w*|m[eê]me|partout|aussi|encore|toujours|non|oui"
)
EMOJI = "\U0001F300-\U0001FAFF\u2600-\u27BF"
CLAUSE_END = re.compile(
    rf"[^\S\n]*(?:$|[\n,;()\]»”{EMOJI}]|[.!?]+(?:\s|$)|\.{{2,}}|…|\s[/+-]\s|\s+(?:{NEXT_CLAUSE_WORDS})(?![\w@]))", re.I)


CLAUSE_END_STRICT = re.compile(
    r"[^\S\n]*(?:$|[\n,;()]|[.!?]*[.!](?:\s|$)|\.{2,}|…|\s[/+-]\s|"
    r"\s+(?:et|mais|car|donc|ou|puis|svp|stp|merci|ne|n['’]|maar|but|and|or)(?![\w@])|"
    # a state of what was typed: « mot de passe bienvenue refusé »
    r"\s+(?:refus[ée]e?s?|bloqu[ée]e?s?|accept[ée]e?s?|incorrecte?s?|invalides?|expir[ée]e?s?|rejet[ée]e?s?|"
    r"refused|rejected|not\s+accepted)(?![\w@]))", re.I)


# After a spoken value (« mdp c anderlecht mé… », « c'est hirondelle je crois »), a pronoun or an SMS
# word also starts the rest of the sentence (not after « est » + an adjective: « est obsolète je crois »).
SPOKEN_CLAUSE_END = re.compile(
    r"\s+(?:je|j['’]|il|elle|on|nous|vous|ils|elles|ça|ca|sa|m[ée]|mai|pk|pcq|psk|jsui|jsuis|jai)(?![\w@])", re.I)


def _ends_clause(text: str, end: int, strict: bool = False, spoken: bool = False) -> bool:
    """The value stops the clause (« mdp : soleil, … », « … est bonjour et … »), not a question.
    ``strict`` (a value with no verb nor « : » before it): only punctuation or a conjunction;
    ``spoken`` (after « c », « c'est » or « : »): a pronoun or an SMS word too."""
    return (bool((CLAUSE_END_STRICT if strict else CLAUSE_END).match(text, end)) or text[end - 1:end] in (".", "!")
            or (spoken and bool(SPOKEN_CLAUSE_END.match(text, end))))


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
        if INVERTED_VERB.search(lowered):  # « quel mot de passe faut-il mettre »
            return None
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


SPOKEN_VERBS = {"c", "cé", "c'est"}
CONJUGATED = re.compile(r"(?:ait|aît|aient|issent|issait)$")
PHRASE_INSIDE = {"de", "du", "des", "d'", "à", "au", "aux", "la", "le", "les", "l'", "en", "sur", "sous", "dans"}


SPACED_DIGITS = re.compile(r"\d{1,4}(?: \d{1,4}){1,3}(?![\w@]|[.,/:-]\d)")
PAIRED = {"«": "»", "“": "”", '"': '"', "'": "'"}
# Words that say a quoted phrase is not a passphrase but a remark (« "je ne sais plus" »).
# (« plus » alone is a comparative in a passphrase: « mon école est la plus belle »).
NOT_A_PASSPHRASE = re.compile(r"(?<!\w)(?:ne|n['’]|pas|jamais|sais|celui|celle|même|meme)(?!\w)", re.I)


def _quoted_sentence(inner: str) -> bool:
    """A quoted phrase after a cue (« c'est « il pleut sur Namur » »): a passphrase of 2 to 8 words."""
    words = inner.split()
    return 2 <= len(words) <= 8 and all(len(w) >= 2 for w in words) and not NOT_A_PASSPHRASE.search(inner) and \
        not any(w.lower().strip(EDGE_PUNCT) in ABOUT_THE_PASSWORD for w in words)


SPELLED_OUT = re.compile(r"(?:\S )(?:\S ){4,}\S(?=\s|$)")


def _value_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in VALUE_RE.finditer(text):
        value, start = match.group("value"), match.start("value")
        explicit = bool(match.group("sep"))
        verb = (match.group("verb") or "").lower().replace("’", "'")
        quoted_after_filler = re.match(r"\S+\s+([\"'«“][^\"'»”\n]{1,64}[\"'»”])", text[start:])
        if (_bare(value).lower() in FILLER and quoted_after_filler  # « c'est toujours 'recre' », not « « en attente » »
                and _bare(quoted_after_filler.group(1)).split()[0].lower() not in GRAMMAR_START | ARTICLES):
            start, value = start + quoted_after_filler.start(1), quoted_after_filler.group(1)
        if value[:1] in "\"'«“":  # a quoted value: the whole of it, a word or a passphrase
            inner = value[1:-1].strip()
            if (" " not in inner and len(inner) >= 3 and _plain_value_is_secret(inner, explicit=True)) or (
                    " " in inner and (_passphrase_end(inner, 0) == len(inner) or (PAIRED.get(value[0]) == value[-1]
                                                                     and _quoted_sentence(inner)))):
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
        grouped = SPACED_DIGITS.match(text, start) if explicit else None
        if grouped and " " in grouped.group() and _pin_secret(grouped.group().replace(" ", "")):  # « code : 12 34 56 »
            spans.append(grouped.span())
            continue
        if word.lower() in ARTICLES:  # « mon code PIN est le 7777 »
            following = re.match(r"\S+\s+(\S+)", text[start:])
            if following and DIGITS_AND_PUNCT.match(_bare(following.group(1))) and _pin_secret(_bare(following.group(1))):
                spans.append(_span(following.group(1), start + following.start(1)))
            continue
        end = start + len(value.rstrip(EDGE_PUNCT))
        if credential_shaped(word) or DIGITS_AND_PUNCT.match(word):
            if _plain_value_is_secret(word, explicit) or (explicit and DATE_LIKE.match(word) and _ends_clause(text, end)):
                spans.append(_span(value, start))
        elif (match.group("verb") and word.lower() in COURTESY_WORDS and _ends_clause(text, end)
              and not text[:start].rstrip().endswith(",")):  # « le mot de passe était merci »
            spans.append(_span(value, start))
        elif (_ends_clause(text, end, spoken=explicit or verb in SPOKEN_VERBS)
              and not _is_question(text, start) and _plain_value_is_secret(word, explicit)):
            state = verb in ("est", "était", "etait", "is", "was", "sera", "serait") and PARTICIPLE.search(word)
            if not state:  # « … est bloqué »: a state of the password, not the password
                spans.append(_span(value, start))
    return spans


def _login_pair_spans(text: str) -> list[tuple[int, int]]:
    """« ec000002 / secret », « po000123@adm.cfwb.be = Théo »: what follows a login and a separator,
    a word ending the clause (cue or not: the pair says it)."""
    spans = []
    for match in LOGIN_PAIR_RE.finditer(text):
        value = match.group("value")
        word = _bare(value)
        ends_clause = re.match(r"\s*($|[\n,;.!?)])", text[match.end("value"):])
        if credential_shaped(word) or (ends_clause and _plain_value_is_secret(word, explicit=True)
                                       and word.lower() not in GRAMMAR_START | ARTICLES):
            spans.append(_span(value, match.start("value")))
    match = LOGIN_LINE_THEN_VALUE_RE.match(text)  # « ec031245@adm.cfwb.be⏎qsdfgh »
    if match:
        word = _bare(match.group("value"))
        if (credential_shaped(word) or (word.islower() and _plain_value_is_secret(word))) and not DIGITS_AND_PUNCT.match(word) \
                and plain(word) not in GRAMMAR_START | ARTICLES | COURTESY_WORDS | SIGN_OFFS:
            spans.append(_span(match.group("value"), match.start("value")))
    return spans


# A message that opens with a login alone on its line, then one word alone on the next: the password
# copied below it, in lower case or with digits (not a signature: « Cordialement », a name, a role, a phone number).
LOGIN_LINE_THEN_VALUE_RE = re.compile(
    r"\s*(?:ec|po)\d{4,8}(?:@adm\.cfwb\.be)?[^\S\n]*(?:\r?\n[^\S\n]*)+(?P<value>[^\s]+)[^\S\n]*(?=\r?\n|$)", re.I)
SIGN_OFFS = {"cordialement", "cdt", "cdlt", "bav", "merci", "thanks", "mvg", "groeten", "direction", "secretariat",
             "ecole", "economat", "comptabilite", "accueil", "administration"}


# A password cue directly followed by its value, with no « : » (« mdp namur », « code 4821 »):
# digits from four on, or a plain word that ends the clause.
BARE_CUE_RE = re.compile(
    rf"(?<![\w@.])(?P<cue>{PASSWORD_NOUN}|passwort|code\s*d['’]?\s*acc[eè]s|"
    r"(?P<pin>pin|code(?:\s+(?:pin|secret|sms))?))(?![\w@])[^\S\n]+(?P<value>[^\s,;:=]+)",
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
        elif value.lower() in QUALIFIERS or (match.group("cue").lower() == "password" and value.lower() in ENGLISH_NOUNS):  # « le mot de passe école refusé »: which password, not the password
            continue
        elif ((_ends_clause(text, end, strict=True) and _plain_value_is_secret(value) and not PARTICIPLE.search(value))
              or _proper_name(value)):  # « le mot de passe Garfield comme d'habitude »
            spans.append(_span(token, start))
        elif (LOGIN_BEFORE.search(text[:match.start()]) and re.match(r"\s*$", text[end:])
              and _plain_value_is_secret(value, explicit=True) and value.lower() not in NOT_A_SECRET):
            spans.append(_span(token, start))  # « user ec9081726 pwd abc »
    return spans


# Words that say which password a bare cue names (« mot de passe école », « mdp PO »).
QUALIFIERS = {"école", "ecole", "po", "établissement", "etablissement", "perso", "personnel", "administratif",
              "provisoire", "temporaire", "initial", "initiale", "habituel", "bma", "smail", "smail2", "edu"}
# English nouns after « password » (« too many password attempts »): which thing, not the password.
ENGLISH_NOUNS = {"attempts", "attempt", "policy", "manager", "field", "prompt", "requirements", "rules", "reset",
                 "change", "expiry", "box", "page", "screen", "link", "email", "mail"}
# Courtesy words given as a value after « est / était / c'est » (« le mot de passe était merci »).
COURTESY_WORDS = {"merci", "bonjour", "bonsoir", "salut", "coucou", "bienvenue", "hello"}
LOGIN_BEFORE = re.compile(r"\b(?:ec|po)\d{4,8}\b", re.I)


def _proper_name(word: str) -> bool:
    """A capitalised name right after a cue (« Garfield », « Durbuy »), not a product nor a word of the project."""
    return bool(re.fullmatch(r"[A-ZÀ-Ý][a-zà-ÿ]{2,}(?:-[A-ZÀ-Ý]?[a-zà-ÿ]+)?", word)) and not describes(word) \
        and word.lower() not in GRAMMAR_START and word.lower() not in ARTICLES


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

