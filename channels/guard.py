"""What every channel does to a user's message before Rasa sees it (no Rasa import).

- refuse, politely and in French, what is empty, not text, or too long (before NLU);
- drop control characters;
- mask passwords and secrets (bma.secrets) so that they are never parsed, stored or
  logged, and warn the user.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import settings
from bma.secrets import MASK, WARNING_FR, mask
from bma.text import plain

MAX_MESSAGE_CHARS = settings.get("BMA_MAX_MESSAGE_CHARS")
MAX_SENDER_CHARS = 128
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")

EMPTY_FR = "Je n'ai reçu aucun texte. Posez-moi votre question sur la migration de votre BMA."
TOO_LONG_FR = (
    f"Votre message est trop long (plus de {MAX_MESSAGE_CHARS} caractères). Posez votre question en "
    "quelques phrases, sans coller d'e-mail entier."
)
NOT_TEXT_FR = "Je ne peux lire que du texte. Posez-moi votre question en quelques mots."

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text(encoding="utf-8"))
# Quick replies send « /intent{"entity": "value"} »: only the assistant's own intents and entities
# may be forced this way (not Rasa's /restart, /session_start…), with short text values.
COMMAND_INTENTS = {i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"]}
COMMAND_ENTITIES = set(DOMAIN["entities"])
COMMAND_RE = re.compile(r"^/(?P<intent>[A-Za-z_]+)(?P<entities>\{.*\})?$", re.S)
MAX_ENTITY_CHARS = 100


def sanitise_command(text: str) -> str:
    """A slash-command limited to known intents and entities; anything else is read as words."""
    match = COMMAND_RE.match(text)
    if not text.startswith("/"):
        return text
    if not match or match.group("intent") not in COMMAND_INTENTS:
        return text.lstrip("/").strip() or text
    raw_entities = match.group("entities")
    if not raw_entities:
        return text
    try:
        entities = json.loads(raw_entities)
    except ValueError:
        entities = None
    if not isinstance(entities, dict):
        return f"/{match.group('intent')}"
    kept = {k: v for k, v in entities.items()
            if k in COMMAND_ENTITIES and isinstance(v, str) and len(v) <= MAX_ENTITY_CHARS}
    return f"/{match.group('intent')}" + (json.dumps(kept, ensure_ascii=False) if kept else "")


@dataclass
class Screened:
    text: str | None  # what Rasa should process, None when nothing is to be processed
    notices: list[str] = field(default_factory=list)  # French replies to send at once
    masked: bool = False
    shown: str | None = None  # the message as the user's screen may keep it: secrets masked (None: nothing)


def screen(message) -> Screened:
    if not isinstance(message, str):
        return Screened(None, [NOT_TEXT_FR])
    if len(message) > MAX_MESSAGE_CHARS:
        return Screened(None, [TOO_LONG_FR], shown=mask(message[:MAX_MESSAGE_CHARS]).text + " […]")
    text = CONTROL_RE.sub(" ", unicodedata.normalize("NFC", message))
    text = " ".join(text.split()) if "\n" not in text else "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
    if not text:
        return Screened(None, [EMPTY_FR])
    text = sanitise_command(text)
    masked = mask(text)
    if not masked.found:
        return Screened(text, shown=text)
    rest = masked.text.replace(MASK, " ").strip(" :=.,;!?'\"«»-")
    # Only a secret (and the words that introduce it): warn, and process nothing.
    meaningful = re.sub(r"\b(mon|ma|le|la|mes|voici|nouveau|ancien|mot|de|passe|mdp|password|pwd|est|c'est|code|secret|d'acces)\b",
                        "", plain(rest)).strip(" :=.,;!?'\"«»-")
    return Screened(masked.text if meaningful else None, [WARNING_FR], masked=True, shown=masked.text)


def clean_sender(sender) -> str | None:
    if sender is None:
        return "default"
    if not isinstance(sender, (str, int)) or isinstance(sender, bool):
        return None
    sender = str(sender).strip()
    if not sender or len(sender) > MAX_SENDER_CHARS or CONTROL_RE.search(sender):
        return None
    return sender
