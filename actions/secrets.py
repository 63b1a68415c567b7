"""Spot and mask passwords or secrets in a user's message (no Rasa import).

Users sometimes paste their password into the chat (« mon mot de passe est Ecole2024! »).
The channels mask it before anything is stored or parsed, and the assistant warns never to
share a password. Ordinary questions (addresses, FASE numbers, dates, phone numbers, « j'ai
perdu mon mot de passe ») are left alone.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

MASK = "[secret masqué]"

# Words that may follow « mon mot de passe est … » without being the password.
NOT_A_SECRET = {
    "perdu", "perdue", "oublié", "oublie", "oubliée", "introuvable", "incorrect", "incorrecte", "faux", "fausse",
    "expiré", "expire", "bloqué", "bloque", "bloquée", "changé", "change", "invalide", "erroné", "errone", "refusé",
    "refuse", "mauvais", "bon", "correct", "valide", "nouveau", "ancien", "le", "la", "les", "un", "une", "dans",
    "sur", "toujours", "encore", "pas", "plus", "trop", "égaré", "egare", "perimé", "périmé", "vide", "celui",
    "enregistré", "enregistre", "sauvegardé", "sauvegarde", "reçu", "recu", "envoyé", "envoye", "dans", "du", "de",
    "ok", "bien", "faux.", "quoi", "lequel", "où", "ou", "comment", "inconnu", "inconnue", "inutile", "nécessaire",
    "necessaire", "requis", "demandé", "demande", "accepté", "accepte", "modifié", "modifie", "réinitialisé",
}
SECRET_WORD = r"(?:mot\s*de\s*passe|mots\s*de\s*passe|mdp|m\.d\.p\.?|password|passwd|pwd|pass|code\s*d'?acc[eè]s|code\s*secret|identifiant\s*et\s*mot\s*de\s*passe)"
# « mdp: X », « mot de passe = X », « password X »
EXPLICIT_RE = re.compile(SECRET_WORD + r"\s*(?:=>|->|[:=])\s*[\"'«]?\s*(?P<secret>\S+)", re.I)
# « mon mot de passe est X », « le mdp c'est X », « nouveau mot de passe : X »
STATED_RE = re.compile(SECRET_WORD + r"(?:\s+[\w'é]+){0,2}?\s+(?:est|c'?est|était|etait|serait|actuel est|sera)\s+[\"'«]?\s*(?P<secret>[^\s\"'»]+)", re.I)

ADDRESS_LIKE = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+[.,;!?]?$")
URL_LIKE = re.compile(r"^(https?://|www\.)", re.I)
DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}([/.-]\d{1,4})?[.,;!?]?$")
PHONE_LIKE = re.compile(r"^\+?[\d().\s/-]{6,}$")
NUMBER_LIKE = re.compile(r"^[a-z]{0,3}\d+[.,;!?]?$", re.I)  # FASE numbers, ec001234, 25, n°2…
TOKEN_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class Masked:
    text: str
    found: bool


def _entropy_bits_per_char(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def _is_ordinary(token: str, after_separator: bool = False) -> bool:
    """A word, an address, a link — or, unless it follows « mdp : », a date or a phone number."""
    word = token.strip(".,;!?()[]{}\"'«»")
    if not word or word.lower() in NOT_A_SECRET or ADDRESS_LIKE.match(word) or URL_LIKE.match(word):
        return True
    return not after_separator and bool(DATE_LIKE.match(word) or PHONE_LIKE.match(word))


def looks_random(token: str) -> bool:
    """A lone token that looks like a generated secret (« Xk7#pQ2m9L »), not a word or a number."""
    word = token.strip(".,;!?()[]{}\"'«»")
    if len(word) < 8 or _is_ordinary(word) or NUMBER_LIKE.match(word):
        return False
    # Hyphens and apostrophes belong to names (« Saint-Joseph »), not to the symbol class.
    classes = sum(bool(re.search(pattern, word)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w\s'-]"))
    return classes >= 3 and _entropy_bits_per_char(word) >= 2.8


def _secret_candidate(token: str, stated: bool) -> bool:
    word = token.strip(".,;!?()[]{}\"'«»")
    if _is_ordinary(word, after_separator=not stated):
        return False
    if not stated:
        return True  # after « mdp : » anything but an ordinary word is the secret
    # After « … est », only what does not read as a French word.
    return bool(re.search(r"\d|[^\w\s-]|[a-z][A-Z]", word)) or len(word) >= 12


def mask(text: str) -> Masked:
    """The text with secrets replaced by ``MASK``, and whether any was found."""
    if not text:
        return Masked(text or "", False)
    spans: list[tuple[int, int]] = []
    for regex, stated in ((EXPLICIT_RE, False), (STATED_RE, True)):
        for match in regex.finditer(text):
            if _secret_candidate(match.group("secret"), stated):
                spans.append(match.span("secret"))
    words = TOKEN_RE.findall(text)
    if len(words) <= 3:  # a lone token pasted on its own
        for match in TOKEN_RE.finditer(text):
            if looks_random(match.group()):
                spans.append(match.span())
    if not spans:
        return Masked(text, False)
    masked, last = [], 0
    for start, end in sorted(set(spans)):
        if start < last:
            continue
        masked.append(text[last:start])
        masked.append(MASK)
        last = end
    masked.append(text[last:])
    return Masked("".join(masked), True)


WARNING_FR = (
    "Attention : ne communiquez jamais un mot de passe, ni ici ni par e-mail, pas même au support. "
    "Je l'ai masqué et il n'est pas conservé. Si vous pensez qu'il a été vu, changez-le."
)
