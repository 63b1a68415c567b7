"""Spot and mask passwords or secrets in a user's message (no Rasa import).

Users sometimes paste their password into the chat (« mon mdp c'est Ecole2024! », « identifiants :
po000123 / Ecole#2024 », a line copied from e-mail n°2). The channels mask it before anything is
parsed, stored or logged, and the assistant warns never to share a password.

Rules, in order of strength:
- a token that is credential-shaped and strong (three character classes out of lower, upper,
  digit, symbol, at least 8 characters: « Secretariat2024 », « Rt5%kLm8 ») is masked anywhere;
- when the message holds a credential cue (mot de passe, mdp, pwd, password, code d'accès, accès,
  identifiants, login, « j'ai tapé / essayé / encodé »…), every credential-shaped token (letters
  mixed with digits or symbols: « ecole5678 », « Meuse_1998 ») is masked, wherever it stands;
- the value right after « cue : », « cue = », « cue est … », « cue "…" » or after a login
  (« ec000002 / … ») is masked even when it is a plain word, unless it reads as an ordinary word
  of the sentence (« perdu », « refusé »…);
- never masked: e-mail addresses (a BMA address stays usable), BMA logins (ec000123), URLs, dates,
  phone numbers, FASE and other plain numbers, ordinals (n°2, 3e), times (10h30), sizes (25 Go).
"""
from __future__ import annotations

import re
from urllib.parse import quote, unquote

from bma.secrets.elsewhere import _elsewhere_spans, _same_secret_elsewhere, _self_cued_spans, _with_value_spans
from bma.secrets.spans import (
    _bare_cue_spans,
    _login_pair_spans,
    _outside_protected,
    _token_spans,
    _value_spans,
)
from bma.secrets.words import (
    CUE_RE,
    MASK,
    TOKEN_RE,
    Masked,
    _bare,
    _span,
    credential_shaped,
)


def mask(text: str) -> Masked:
    """The text with secrets replaced by ``MASK``, and whether any was found."""
    if not text or text.startswith("/"):  # quick-reply payloads carry no secret (the guard filters them)
        return Masked(text or "", False)
    strong = _token_spans(text, False)  # a generated password makes the whole message suspect
    cue = bool(CUE_RE.search(text)) or bool(strong)
    spans = (_token_spans(text, cue) if cue else strong) + _login_pair_spans(text) + _with_value_spans(text)
    spans += _self_cued_spans(text)
    spans += _value_spans(text) + _bare_cue_spans(text) + _elsewhere_spans(text) if cue else []
    spans += _same_secret_elsewhere(text, spans)
    if len(TOKEN_RE.findall(text)) == 1:  # a lone token pasted on its own
        token = text.strip()
        if credential_shaped(_bare(token)) and len(_bare(token)) >= 8:
            spans.append(_span(token, text.find(token)))
    spans = _outside_protected(text, spans)
    if not spans:
        return Masked(text, False)
    merged: list[list[int]] = []
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return Masked("".join(out), True)


MAILTO_RE = re.compile(r"mailto:[^\s)\]]+")


def _mask_mailto(link: str) -> str:
    """A ``mailto:`` link with its URL-encoded subject and body masked (encoded the same way)."""
    head, _, query = link.partition("?")
    parts = []
    for part in query.split("&") if query else []:
        name, eq, value = part.partition("=")
        masked = mask(unquote(value)).text
        parts.append(f"{name}{eq}{quote(masked) if masked != unquote(value) else value}")
    return f"{head}?{'&'.join(parts)}" if query else link


QUOTED_RE = re.compile(r"«([^»]*)»")


def mask_bot_text(value: str) -> str:
    """The assistant's own text: only what it echoes of the user (prepared message links, « … »)."""
    value = MAILTO_RE.sub(lambda m: _mask_mailto(m.group()), value)
    return QUOTED_RE.sub(lambda m: f"«{mask(m.group(1)).text}»", value)


def mask_string(value: str) -> str:
    """``mask`` that also reads inside ``mailto:`` links (prepared messages)."""
    return mask(MAILTO_RE.sub(lambda m: _mask_mailto(m.group()), value)).text


# Keys whose values are identifiers or names chosen by the software, never typed by a person.
IDENTIFIER_KEYS = {"model_id", "message_id", "sender_id", "id", "event", "name", "intent", "action_name", "policy",
                   "input_channel", "assistant_id", "extractor", "entity", "timestamp", "type", "processors",
                   "teams_user", "conversation_id", "session_id", "tenant_id", "channel", "payload",
                   "bma_decision"}


def mask_json(value, key: str | None = None):
    """Every string typed by a person inside a JSON-like value masked; identifiers left as they are."""
    if key in IDENTIFIER_KEYS or (key or "").endswith("_id"):
        return value
    if isinstance(value, str):
        return mask_string(value)
    if isinstance(value, list):
        return [mask_json(item, key) for item in value]
    if isinstance(value, dict):
        return {k: mask_json(item, k) for k, item in value.items()}
    return value


WARNING_FR = (
    "Attention : ne communiquez jamais un mot de passe, ni ici ni par e-mail, pas même au support. "
    "Je l'ai masqué : il n'est ni lu ni conservé. Si vous pensez qu'il a été vu, changez-le."
)
