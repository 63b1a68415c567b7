"""Rasa's HTTP API: the token goes in the query string, as Rasa reads it; never logged or shown."""
from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from retraining.settings import ACTIVATE_TIMEOUT_SECONDS, NO_TOKEN, RetrainingConfig, RetrainingError


def rasa_call(settings: RetrainingConfig, method: str, path: str, body: dict | None = None, timeout: float = 5) -> dict | None:
    if not settings.api_token:
        raise RetrainingError(NO_TOKEN + " Puis rechargez cette page.")
    url = f"{settings.rasa_url}{path}?token={quote(settings.api_token, safe='')}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            raw = reply.read()
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise RetrainingError("Le serveur Rasa refuse le jeton de l'API : BMA_API_TOKEN n'est pas celui "
                                  "avec lequel Rasa a été démarré.") from None
        detail = ""
        with contextlib.suppress(ValueError):
            detail = json.loads(error.read() or b"{}").get("message", "")[:300]
        raise RetrainingError(f"Le serveur Rasa a répondu {error.code} à {method} {path}"
                              + (f" : {detail}" if detail else ".")) from None
    except (OSError, ValueError) as error:
        raise RetrainingError(f"Le serveur Rasa ne répond pas ({settings.rasa_url}, {type(error).__name__}) : "
                              "est-il démarré avec l'API ouverte (--enable-api) ?") from None
    return json.loads(raw) if raw.strip() else None


def rasa_status(settings: RetrainingConfig) -> dict:
    status = rasa_call(settings, "GET", "/status") or {}
    if not status.get("model_file"):
        raise RetrainingError("Le serveur Rasa n'a aucun modèle chargé.")
    return status


async def activate(settings: RetrainingConfig, path: Path) -> None:
    """PUT /model on the running Rasa server, then check with GET /status that it serves it."""
    await asyncio.to_thread(rasa_call, settings, "PUT", "/model", {"model_file": str(path)}, ACTIVATE_TIMEOUT_SECONDS)
    status = await asyncio.to_thread(rasa_status, settings)
    if status["model_file"] != path.name:
        raise RetrainingError(f"Rasa sert {status['model_file']} au lieu de {path.name} après l'activation.")
