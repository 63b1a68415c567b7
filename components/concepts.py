"""Concept lexicon: the many ways users write one notion, read as that notion (no Rasa import).

« mdp », « mot de passe », « code d'accès » and « password » all become ``c_password``; « pk »,
« pourquoi », « pourkoi » become ``c_q_why``. The words the lexicon does not know are kept, so the
classifier's concept view reads « c_lost_forgotten mon c_password pour la c_new c_mailbox ».

``components/lexicon_fr.yml`` was written by a helper session that saw only the official FAQ and
a description of the users and of the intents, never data/ nor tests/ (README, « Measured
quality »). Accents, case and apostrophes are folded; the longest known form wins.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from bma.text import plain

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicon_fr.yml"
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list:
    """The words of a text as the lexicon matches them: lower case, no accents (``bma.text.plain``)."""
    return _WORD.findall(plain(text))


class ConceptLexicon:
    """Surface forms (one or more words) → concept token; the first concept to list a form keeps it."""

    def __init__(self, concepts: dict[str, Iterable[str]]) -> None:
        self.concepts = {name: list(forms) for name, forms in concepts.items()}
        self.forms: dict[tuple[str, ...], str] = {}
        for name, forms in self.concepts.items():
            for form in forms:
                key = tuple(words(form))
                if key:
                    self.forms.setdefault(key, "c_" + name.lower())
        self.longest = max((len(k) for k in self.forms), default=0)

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
                out.append(tokens[i])
                i += 1
        return " ".join(out)
