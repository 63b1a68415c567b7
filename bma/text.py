"""French text normalisation for keyword rules (no Rasa import): one helper for every rule."""
from __future__ import annotations

import re
import unicodedata

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def plain(text: str) -> str:
    """Lower case, without accents, straight apostrophes, single spaces: « L’École » → « l'ecole »."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(APOSTROPHES).lower())
    return re.sub(r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))).strip()

