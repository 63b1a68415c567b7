"""Concept lexicon: the many ways users write one notion, read as that notion (no Rasa import).

« mdp », « mot de passe », « code d'accès » and « password » all become ``c_password``; « pk »,
« pourquoi », « pourkoi » become ``c_q_why``. The words the lexicon does not know are kept, so the
classifier's concept view reads « c_lost_forgotten mon c_password pour la c_new c_mailbox ».

``components/lexicon_fr.yml`` was written by a helper session that saw only the official FAQ and
a description of the users and of the intents, never data/ nor tests/ (README, « Measured
quality »). Accents, case and apostrophes are folded; the longest known form wins.

Misspelt forms (« migraiton », « étpaes », « stokage »): a word of six letters or more that no form
matches is read as the concept of the one form it is one edit from (a letter added, dropped,
replaced, or two swapped), unless it is a French word in its own right (spaCy's French lemma table:
« mettre » is not « lettre »). Only the French words one edit from a form are kept (``protected``),
computed at training and saved in the model.
"""
from __future__ import annotations

import functools
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml

from bma.text import plain

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicon_fr.yml"
_WORD = re.compile(r"[a-z0-9]+")
NEAR_MIN_LENGTH = 6


def _deletions(word: str) -> set:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of two neighbours apart (a ≠ b)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


@functools.lru_cache(maxsize=1)
def french_words() -> frozenset:
    """Every form and lemma of spaCy's French lemma lookup table, folded like the lexicon's words."""
    import spacy_lookups_data

    table = Path(spacy_lookups_data.__file__).parent / "data" / "fr_lemma_lookup.json.gz"
    found = set()
    with gzip.open(table) as compressed:
        lookup = json.loads(compressed.read())
    for form, lemma in lookup.items():
        found.update(words(form))
        for value in [lemma] if isinstance(lemma, str) else lemma:
            found.update(words(value))
    return frozenset(found)


def words(text: str) -> list:
    """The words of a text as the lexicon matches them: lower case, no accents (``bma.text.plain``)."""
    return _WORD.findall(plain(text))


class ConceptLexicon:
    """Surface forms (one or more words) → concept token; the first concept to list a form keeps it."""

    def __init__(self, concepts: dict[str, Iterable[str]], protected: Iterable[str] | None = None) -> None:
        """``protected``: the French words a near-form reading would misread; None reads exact forms only
        (a model saved before near forms)."""
        self.concepts = {name: list(forms) for name, forms in concepts.items()}
        self.forms: dict[tuple[str, ...], str] = {}
        for name, forms in self.concepts.items():
            for form in forms:
                key = tuple(words(form))
                if key:
                    self.forms.setdefault(key, "c_" + name.lower())
        self.longest = max((len(k) for k in self.forms), default=0)
        self.protected = None if protected is None else frozenset(protected)
        self._near: dict[str, set] = defaultdict(set)  # a form and each of its deletions → the forms
        for (form, *more), _ in self.forms.items():
            if not more and len(form) >= NEAR_MIN_LENGTH - 1:
                for key in _deletions(form) | {form}:
                    self._near[key].add(form)

    def near_concept(self, word: str) -> str | None:
        """The concept of the one form ``word`` is one edit from (several concepts: none)."""
        if len(word) < NEAR_MIN_LENGTH or word.isdigit() or (word,) in self.forms:
            return None
        candidates = set().union(*(self._near.get(key, ()) for key in _deletions(word) | {word}))
        concepts = {self.forms[(form,)] for form in candidates if _one_edit(word, form)}
        return concepts.pop() if len(concepts) == 1 else None

    def with_near_forms(self, known: Iterable[str]) -> ConceptLexicon:
        """This lexicon reading near forms, ``known`` words (French) never taken for a misspelling."""
        return ConceptLexicon(self.concepts, protected={w for w in known if self.near_concept(w)})

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_LEXICON) -> ConceptLexicon:
        concepts = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(concepts, dict) or not all(isinstance(forms, list) for forms in concepts.values()):
            raise ValueError(f"{path}: a mapping of concept → list of forms is expected")
        return cls(concepts)

    def rewrite(self, text: str) -> str:
        """The text's words with each known form replaced by its concept (longest match first)."""
        tokens, out, i = words(text), [], 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                concept = self.forms.get(tuple(tokens[i:i + n]))
                if concept:
                    out.append(concept)
                    i += n
                    break
            else:
                near = None if self.protected is None or tokens[i] in self.protected else self.near_concept(tokens[i])
                out.append(near or tokens[i])
                i += 1
        return " ".join(out)
