"""French text normalisation for keyword rules (no Rasa import): one helper for every rule."""
from __future__ import annotations

import re
import unicodedata

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def plain(text: str) -> str:
    """Lower case, without accents, straight apostrophes, single spaces: « L’École » → « l'ecole »."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(APOSTROPHES).lower())
    return re.sub(r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))).strip()


def split_span(text: str, span: dict | None) -> tuple[str, str]:
    """``text`` without the part an entity spans (``start``, ``end``), and that part; the whole text
    and "" when the span is missing or does not fit the text."""
    start, end = (span or {}).get("start"), (span or {}).get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return text, ""
    return (text[:start] + " " + text[end:]).strip(), text[start:end]
