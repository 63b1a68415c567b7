"""Corrections: one password written twice, once wrongly (« c'est margot2, pas margot1 », « j'ai tapé
violete au lieu de violette »), and a password spelled letter by letter."""
from __future__ import annotations

import re

from bma.secrets.words import (
    CUE_RE,
    PRODUCT_LIKE,
    REFERENCE_LIKE,
    WRAPPERS,
    _pin_secret,
    _span,
    describes,
    is_structured,
)
from bma.text import plain

YEAR = re.compile(r"(?:19|20)\d\d")

# Two spellings of one value, one corrected into the other: « c'est margot2, pas margot1 », « le mot de
# passe n'est pas Ecureuil mais Ecureuil! », « j'ai tapé violete au lieu de violette », « soit pivoine
# soit pivoine1 », « ecureuil devient Ecureuil ». Two near-identical words are the pair's own cue.
_V = r"(?<![^\s\"'«“])[\"'«“]?\s*(?P<{}>[^\s,;:«»\"“”()\[\]]{{1,40}})\s*[\"'»”]?"
_A, _B = _V.format("a"), _V.format("b")
CORRECTION_RES = [re.compile(pattern, re.I) for pattern in (
    rf"(?<![\w@])(?:c['’]\s*est|ct|c|cé|c['’]\s*[ée]tait)\s+{_A}\s*,?\s+(?:et\s+non|et\s+pas|pas|non|plut[ôo]t\s+que)\s+{_B}",
    rf"(?<![\w@])(?:n['’]\s*est|c['’]\s*est|c|ct)\s+pas\s+{_A}\s*,?\s+(?:mais|c['’]\s*est|c|ct)\s+{_B}",
    rf"(?<![\w@]){_A}\s+au\s+lieu\s+de\s+{_B}",
    rf"(?<![\w@]){_A}\s+(?:devient|→|->|=>)\s+{_B}",
    rf"(?<![\w@])(?:soit|ou)\s+{_A}\s*,?\s+(?:soit|ou(?:\s+bien|\s+alors)?)\s+{_B}",
    rf"(?<![\w@])remplac\w*\s+{_A}\s+par\s+{_B}",
)]


# A password spelled letter by letter (« M A T H I S 0 7 »): five characters or more, where a password is named.
SPELLED_RUN_RE = re.compile(r"(?<!\S)[^\W_](?:[- ][^\W_]){4,}(?=[\s,;.!?]|$)")


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (short words only)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def _one_value_twice(a: str, b: str, strong_cue: bool) -> bool:
    """Two spellings of one password: near-identical, neither a structured token, a product, a reference,
    a year or a describing word; digits only where a password is named (« le code c'est 5432, pas 5423 »)."""
    if a == b or min(len(a), len(b)) < 4:
        return False
    for word in (a, b):
        if (YEAR.fullmatch(word) or describes(word) or PRODUCT_LIKE.match(word) or REFERENCE_LIKE.match(word)
                or (is_structured(word) and not (strong_cue and word.isdigit() and _pin_secret(word)))):
            return False
    x, y = plain(a), plain(b)
    return x.startswith(y) or y.startswith(x) or _edits(x, y) <= 2


def _correction_spans(text: str, strong_cue: bool) -> list[tuple[int, int]]:
    """Only where something was typed or a password is named (« j'ai tapé violete au lieu de violette »),
    not a name or a town corrected (« c'est Dupont, pas Dupond »)."""
    if not (strong_cue or CUE_RE.search(text)):
        return []
    spans = []
    for regex in CORRECTION_RES:
        for match in regex.finditer(text):
            a, b = match.group("a").strip(WRAPPERS + ".?"), match.group("b").strip(WRAPPERS + ".?")  # « Ecureuil » ≠ « Ecureuil! »
            if _one_value_twice(a, b, strong_cue):
                spans += [_span(match.group("a"), match.start("a")), _span(match.group("b"), match.start("b"))]
    return spans
