#!/usr/bin/env python3
"""The support staff's terminal chat (`make shell`, `make shell DEBUG=1`).

Replaces `rasa shell`, whose button menu (questionary) picked button 1 as soon as a typed
address contained a « 1 », printed raw Markdown and bypassed the guard (channels/guard.py).
This client starts the action server and a Rasa server on 127.0.0.1 (free ports) with the
guarded REST channel only, then sends every typed line to /webhooks/rest/webhook, exactly as the
web channels do: the guard masks passwords and refuses over-long messages before NLU, the
tracker store and the logs.

At every prompt staff type freely: a number alone (« 2 ») picks that button of the last answer,
anything else is sent as typed. Links are shown as plain text (« support@etnic.be »,
« texte (https://…) »). Ctrl-D, Ctrl-C or « /quitter » leave and stop the servers.

DEBUG: Rasa's HTTP API is switched on for loopback with a random token made at start (passed to
Rasa through its environment, ``BMA_API_TOKEN``, which rasa_patches/api_token.py reads — never its
command line, which every local user can read); after each message the conversation's new
events are read from the tracker and shown as « [NLU] intent X (confiance 0.97) » and
« [action] Y (confiance 1.00) ».

Only the standard library and PyYAML: no Rasa import (the unit tests import this file). The servers
are harness/shell_servers.py.
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import signal
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import settings
from harness.shell_servers import Servers

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "Vous > "
BOT_LABEL = "Assistant : "
BUTTONS_HINT = "Tapez le numéro d'un bouton ou votre message."
QUIT_COMMANDS = {"/quitter"}
REQUEST_TIMEOUT = 60  # s; Rasa answers by itself after BMA_ACTION_TIMEOUT (10 s) without the action server

# --- What the terminal shows --------------------------------------------------------------

# [texte](url), the url possibly holding balanced parentheses
MARKDOWN_LINK_RE = re.compile(r"\[([^\[\]\n]+)\]\(\s*((?:[^()\s]|\([^()\s]*\))+)\s*\)")
AUTOLINK_RE = re.compile(r"<((?:https?|mailto|tel):[^<>\s]+)>", re.I)
BOLD_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
LONE_NUMBER_RE = re.compile(r"[0-9]+")


def _link(match: re.Match) -> str:
    text, url = match.group(1).strip(), match.group(2)
    target = re.sub(r"^(?:mailto|tel):", "", url, flags=re.I)
    if text.lower() in {url.lower(), target.lower()} or text.rstrip("/").lower() == url.rstrip("/").lower():
        return text
    return f"{text} ({url})"


def plain_text(text: str) -> str:
    """The bot's Markdown as it should read in a terminal: links spelt out, no ** markers."""
    text = MARKDOWN_LINK_RE.sub(_link, text)
    text = AUTOLINK_RE.sub(lambda m: re.sub(r"^mailto:", "", m.group(1), flags=re.I), text)
    return BOLD_RE.sub(r"\1", text)


def wrap(text: str, width: int, first_prefix: str = "") -> str:
    """Wrap each line at word boundaries (never inside a link or an address); list items hang."""
    lines = []
    for index, line in enumerate(text.split("\n")):
        prefix = first_prefix if index == 0 else ""
        if not line.strip():
            lines.append(prefix.rstrip())
            continue
        bullet = re.match(r"^(\s*(?:[-•*]|\d+[.)])\s+)", line)
        hang = " " * len(bullet.group(1)) if bullet else ""
        lines.append(textwrap.fill(line, width=width, initial_indent=prefix, subsequent_indent=hang,
                                   break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


@dataclass
class Rendered:
    text: str
    buttons: list[dict] = field(default_factory=list)  # {"title", "payload"}, numbered from 1


def render(replies: list[dict], width: int = 100) -> Rendered:
    """The replies of one turn as terminal text; buttons numbered across the turn."""
    blocks, buttons = [], []
    for reply in replies:
        if not isinstance(reply, dict):
            continue
        if reply.get("text"):
            blocks.append(wrap(plain_text(str(reply["text"])), width, BOT_LABEL))
        if reply.get("image"):
            blocks.append(f"{BOT_LABEL}[image] {reply['image']}")
        attachment = reply.get("attachment")
        if attachment:
            blocks.append(f"{BOT_LABEL}[pièce jointe] {attachment if isinstance(attachment, str) else json.dumps(attachment, ensure_ascii=False)}")
        if reply.get("custom") is not None:
            blocks.append(f"{BOT_LABEL}[contenu personnalisé] {json.dumps(reply['custom'], ensure_ascii=False)}")
        for button in reply.get("buttons") or []:
            if isinstance(button, dict) and button.get("payload"):
                buttons.append({"title": plain_text(str(button.get("title") or button["payload"])),
                                "payload": str(button["payload"])})
    if not blocks:
        blocks.append(f"{BOT_LABEL}(pas de réponse)")
    if buttons:
        numbered = [f"  {n}. {b['title']}" for n, b in enumerate(buttons, 1)]
        blocks.append("\n".join(numbered) + f"\n  {BUTTONS_HINT}")
    return Rendered("\n".join(blocks), buttons)


def choose(line: str, buttons: list[dict]) -> tuple[str, dict | None]:
    """What to send for a typed line: a lone number in range is that button's payload."""
    stripped = line.strip()
    if LONE_NUMBER_RE.fullmatch(stripped) and 1 <= int(stripped) <= len(buttons):
        button = buttons[int(stripped) - 1]
        return button["payload"], button
    return line, None


# --- DEBUG: what was understood and decided ------------------------------------------------

def debug_lines(new_events: list[dict], typed: str) -> list[str]:
    """« [NLU] intent X (confiance 0.97) » and « [action] Y (confiance 1.00) » for one turn."""
    lines: list[str] = []
    user_seen = False
    for event in new_events:
        kind = event.get("event")
        if kind == "user":
            user_seen = True
            intent = (event.get("parse_data") or {}).get("intent") or {}
            lines.append(f"  [NLU] intent {intent.get('name') or '?'} (confiance {float(intent.get('confidence') or 0):.2f})")
            received = event.get("text")
            if received is not None and " ".join(received.split()) != " ".join(typed.split()):
                lines.append(f"  [garde] texte reçu par l'assistant : « {received} »")
        elif kind == "action" and user_seen and event.get("name") != "action_listen":
            confidence = event.get("confidence")
            suffix = f" (confiance {float(confidence):.2f})" if confidence is not None else ""
            lines.append(f"  [action] {event.get('name')}{suffix}")
    if not user_seen:
        lines.append("  [garde] message non transmis à l'assistant (vide, trop long ou seulement un secret)")
    return lines


# --- Talking to Rasa -------------------------------------------------------------------------

class Rasa:
    """The guarded REST webhook of a Rasa server, and its tracker when an API token is known."""

    def __init__(self, url: str, sender: str, token: str | None = None):
        self.url, self.sender, self.token = url.rstrip("/"), sender, token
        self.events_seen = 0

    def send(self, message: str) -> list[dict]:
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook",
            data=json.dumps({"sender": self.sender, "message": message}, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as reply:
            return json.loads(reply.read())

    def new_events(self) -> list[dict]:
        query = urllib.parse.urlencode({"include_events": "ALL", "token": self.token or ""})
        path = urllib.parse.quote(self.sender, safe="")
        with urllib.request.urlopen(f"{self.url}/conversations/{path}/tracker?{query}", timeout=REQUEST_TIMEOUT) as reply:
            events = json.loads(reply.read()).get("events") or []
        fresh, self.events_seen = events[self.events_seen:], len(events)
        return fresh


def terminal_width() -> int:
    columns = shutil.get_terminal_size((100, 24)).columns  # 0 on a terminal that reports no size
    return max(40, min(columns - 1, 100)) if columns > 0 else 100


def chat(rasa: Rasa, *, debug: bool, read: Callable[[str], str] = input,
         write: Callable[[str], None] = print, alive: Callable[[], bool] = lambda: True) -> int:
    """The conversation loop; returns the exit status."""
    buttons: list[dict] = []
    while True:
        try:
            line = read(PROMPT)
        except EOFError:  # Ctrl-D
            write("")
            return 0
        if line.strip().lower() in QUIT_COMMANDS:
            return 0
        if not line.strip():
            continue
        message, button = choose(line, buttons)
        if button is not None:
            write(f"  (bouton {buttons.index(button) + 1} : {button['title']})")
        try:
            replies = rasa.send(message)
        except (OSError, ValueError) as error:
            if not alive():
                write("L'assistant s'est arrêté de façon inattendue (voir les journaux ci-dessous).")
                return 1
            write(f"L'assistant n'a pas répondu ({type(error).__name__}). Réessayez dans un instant.")
            continue
        if debug:
            try:
                for debug_line in debug_lines(rasa.new_events(), message):
                    write(debug_line)
            except (OSError, ValueError) as error:
                write(f"  [débogage] suivi de la conversation indisponible ({type(error).__name__})")
        shown = render(replies if isinstance(replies, list) else [], terminal_width())
        buttons = shown.buttons
        write(shown.text)
        write("")


def _exit_on_signal(signum, frame):  # SIGTERM, SIGHUP (terminal closed): stop the servers first
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Conversation en terminal avec l'assistant BMA (support).")
    parser.add_argument("--model", required=True, help="modèle entraîné (models/bma-….tar.gz)")
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"),
                        help="endpoints.yml (stockage des conversations) ; l'adresse du serveur d'actions est remplacée")
    parser.add_argument("--log-dir", default=str(ROOT / "var"), help="dossier des journaux des serveurs")
    parser.add_argument("--debug", action="store_true", help="affiche l'intention, sa confiance et l'action choisie")
    args = parser.parse_args(argv)

    try:  # line editing and history within the session; nothing is saved to disk (passwords!)
        import readline
        readline.set_auto_history(True)
    except (ImportError, AttributeError):
        pass
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)

    today = settings.raw("BMA_TODAY") or "aujourd'hui"
    print(f"Assistant BMA — console du support (date de référence : {today})")
    print("Démarrage du serveur d'actions et de Rasa, environ 20 secondes…", flush=True)
    token = secrets.token_urlsafe(32) if args.debug else None
    servers = Servers(Path(args.model).resolve(), Path(args.endpoints).resolve(), Path(args.log_dir).resolve(),
                      api_token=token)
    status = 0
    try:
        servers.start()
        sender = f"shell-{uuid.uuid4().hex[:12]}"
        print("Prêt. Tapez votre message puis Entrée ; « /quitter » ou Ctrl-D pour sortir.")
        print("Quand une réponse propose des boutons, un numéro seul choisit le bouton ; tout autre texte est envoyé tel quel.")
        if args.debug:
            print(f"Mode débogage : conversation {sender}, Rasa sur 127.0.0.1:{servers.rasa_port}, "
                  f"actions sur 127.0.0.1:{servers.actions_port} ; journaux dans {servers.log_dir}.")
        print(flush=True)
        status = chat(Rasa(servers.rasa_url, sender, token), debug=args.debug, alive=servers.alive)
        if status:
            for name in ("rasa", "actions"):
                print(f"--- {servers.logs[name]} ---\n{servers.tail(name)}", file=sys.stderr)
    except KeyboardInterrupt:  # Ctrl-C
        print()
    except RuntimeError as error:
        print(f"Impossible de démarrer l'assistant : {error}", file=sys.stderr)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        print("Arrêt de l'assistant…", flush=True)
        servers.stop()
    print("Au revoir.")
    return status


if __name__ == "__main__":
    sys.exit(main())
