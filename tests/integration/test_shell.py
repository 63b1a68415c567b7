"""`make shell` (scripts/shell.sh → scripts/staff_shell.py), the support staff's terminal chat.

The first tests are pure (rendering, button choice, the conversation loop with a fake Rasa).
The last one, marked ``servers``, starts the real shell in a real pseudo-terminal: it starts the
action server and Rasa itself on loopback (demo registry in a temporary SQLite file, tracker store
in another, BMA_TODAY=2024-11-15, DEBUG=1), and keys are typed one by one as a person would.
"""
from __future__ import annotations

import fcntl
import importlib.util
import os
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time

import pytest

from bma import facts, prompts, registry, tickets
from bma.desks import Route
from bma.replies import Q_CONTACTS, Q_STATUS, Q_TICKET
from harness.servers import ROOT, latest_model
from tests.integration.test_run_script import listening_addresses

_spec = importlib.util.spec_from_file_location("staff_shell", ROOT / "scripts" / "staff_shell.py")
shell = importlib.util.module_from_spec(_spec)
sys.modules["staff_shell"] = shell
_spec.loader.exec_module(shell)

ADDRESS_TURN = {"text": prompts.ASK["bma_address"].text, "buttons": prompts.ASK["bma_address"].as_buttons()}


# --- Pure parts -------------------------------------------------------------------------------

def test_links_read_as_plain_text():
    assert shell.plain_text(facts.mailto(facts.ETNIC)) == facts.ETNIC.email
    assert shell.plain_text("voir [ce formulaire](https://example.org/a_(b)) ici") == (
        "voir ce formulaire (https://example.org/a_(b)) ici")
    assert shell.plain_text("[https://example.org/](https://example.org/)") == "https://example.org/"
    assert shell.plain_text("<mailto:a@b.be> et **gras**") == "a@b.be et gras"
    assert "](" not in shell.plain_text(facts.contact_lines(facts.SGNE))


def test_prepared_ticket_link_keeps_its_target():
    draft = tickets.draft(route=Route(facts.SGNE, "votre boîte n'a pas encore migré"), last_name="Dupont",
                          first_name="Anne", address="ec000001@adm.cfwb.be", description="Je n'ai rien reçu (rien).")
    shown = " ".join(shell.render([{"text": tickets.reply(draft, 12).text}]).text.split())
    assert "](" not in shown and f"(mailto:{facts.SGNE.email}?subject=" in shown
    assert f"Envoyer le message préparé à {facts.SGNE.email} (mailto:" in shown


def test_buttons_are_numbered_with_the_hint():
    shown = shell.render([ADDRESS_TURN], width=80)
    assert shown.text.startswith(shell.BOT_LABEL + "Quelle est l'adresse de votre BMA ?")
    assert "  1. Je ne la connais pas\n  Tapez le numéro d'un bouton ou votre message." in shown.text
    assert shown.buttons == [{"title": "Je ne la connais pas", "payload": "/deny"}]
    assert all(len(line) <= 80 for line in shown.text.splitlines())


def test_buttons_of_a_turn_are_numbered_across_its_messages():
    shown = shell.render([{"text": "a", "buttons": [{"title": "A", "payload": "/a"}]},
                          {"text": "b", "buttons": [{"title": "B", "payload": "/b"}]}])
    assert "  1. A\n  2. B" in shown.text and [b["payload"] for b in shown.buttons] == ["/a", "/b"]


@pytest.mark.parametrize("typed, sent", [
    ("ec000001@adm.cfwb.be", "ec000001@adm.cfwb.be"),  # holds a « 1 »: sent as typed
    ("1", "/deny"), (" 1 ", "/deny"),  # a lone number picks its button
    ("2", "2"), ("0", "0"), ("1.", "1."), ("١", "١"),  # out of range, not alone, not an ASCII digit
    ("  je ne sais pas 1 ", "  je ne sais pas 1 "),  # exactly as typed
])
def test_only_a_lone_number_in_range_picks_a_button(typed, sent):
    buttons = shell.render([ADDRESS_TURN]).buttons
    assert shell.choose(typed, buttons)[0] == sent


class FakeRasa:
    def __init__(self, turns):
        self.turns, self.sent = list(turns), []

    def send(self, message):
        self.sent.append(message)
        return self.turns.pop(0) if self.turns else [{"text": "ok"}]


def run_chat(lines, turns):
    rasa, shown, typed = FakeRasa(turns), [], list(lines)

    def read(prompt):
        if not typed:
            raise EOFError
        line = typed.pop(0)
        shown.append(prompt + line)
        return line

    status = shell.chat(rasa, debug=False, read=read, write=shown.append)
    return status, rasa.sent, "\n".join(shown)


def test_chat_loop_sends_numbers_as_buttons_only_while_buttons_are_shown():
    status, sent, shown = run_chat(
        ["j'ai perdu le mot de passe", "", "   ", "1", "1", "ec000001@adm.cfwb.be", "/quitter", "jamais envoyé"],
        [[ADDRESS_TURN], [{"text": "Pas de bouton."}]],
    )
    assert status == 0
    assert sent == ["j'ai perdu le mot de passe", "/deny", "1", "ec000001@adm.cfwb.be"]
    assert "(bouton 1 : Je ne la connais pas)" in shown


def test_ctrl_d_leaves():
    assert run_chat([], [])[:2] == (0, [])


def test_debug_lines_in_french():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "mon mot de passe est [secret masqué] et ec000001",
         "parse_data": {"intent": {"name": "check_migration_status", "confidence": 0.9712}}},
        {"event": "action", "name": "bma_address_form", "confidence": 1.0},
        {"event": "action", "name": "action_listen", "confidence": 1.0},
    ]
    lines = shell.debug_lines(events, "mon mot de passe est X et ec000001")
    assert lines[0] == "  [NLU] intent check_migration_status (confiance 0.97)"
    assert lines[1].startswith("  [garde] texte reçu par l'assistant")
    assert lines[2:] == ["  [action] bma_address_form (confiance 1.00)"]
    assert "non transmis" in shell.debug_lines([], "Hiver!2023")[0]


# --- The real shell in a pseudo-terminal ------------------------------------------------------

ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][A-Za-z0-9]|[=>])")
PASSWORD = "Hiver!2023"


class Terminal:
    """A process on a pseudo-terminal (120×40), read until a text appears, typed into key by key."""

    def __init__(self, argv, env):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.master, self.raw, self.cursor = master, b"", 0

    @property
    def text(self) -> str:
        return ANSI_RE.sub("", self.raw.decode("utf-8", errors="replace")).replace("\r", "")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the process closed the terminal
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, wanted: str, timeout: float) -> str:
        """The output from the cursor up to ``wanted`` (inclusive); the cursor moves past it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(wanted, self.cursor)
            if found >= 0:
                segment, self.cursor = self.text[self.cursor:found + len(wanted)], found + len(wanted)
                return segment
            if time.monotonic() > deadline or not self._read(min(0.5, max(0.0, deadline - time.monotonic()))):
                raise AssertionError(f"« {wanted} » did not appear; terminal so far:\n{self.text[-4000:]}")

    def type(self, keys: str, delay: float = 0.015) -> None:
        for key in keys:
            os.write(self.master, key.encode("utf-8"))
            time.sleep(delay)

    def say(self, line: str, timeout: float = 60) -> str:
        """Type a line and Enter; the output until the next prompt (the answer)."""
        self.type(line + "\r")
        return self.expect(shell.PROMPT, timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)
        os.close(self.master)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.servers
def test_staff_shell_in_a_terminal(tmp_path):
    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    db_url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    registry.load_demo(db_url, environ={})
    registry.dispose_engines()
    tracker_db = tmp_path / "tracker.sqlite3"
    (tmp_path / "endpoints.yml").write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker_db}\n")
    env = {**os.environ, "MODEL": str(model), "DEBUG": "1", "BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15",
           "TERM": "xterm", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONWARNINGS": "ignore",
           "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    terminal = Terminal(["bash", "scripts/shell.sh", "--endpoints", str(tmp_path / "endpoints.yml"),
                         "--log-dir", str(tmp_path / "logs")], env)
    try:
        banner = terminal.expect(shell.PROMPT, 150)
        ports = re.search(r"Rasa sur 127\.0\.0\.1:(\d+), actions sur 127\.0\.0\.1:(\d+)", banner)
        assert ports and "date de référence : 2024-11-15" in banner, banner
        rasa_port, actions_port = int(ports.group(1)), int(ports.group(2))
        assert listening_addresses(rasa_port) == {"127.0.0.1"} and listening_addresses(actions_port) == {"127.0.0.1"}

        ask = flat(terminal.say("j'ai perdu le nouveau mot de passe"))
        assert "[NLU] intent faq_lost_new_password (confiance" in ask and "[action] " in ask
        assert "adresse de votre BMA" in ask
        assert "1. Je ne la connais pas Tapez le numéro d'un bouton ou votre message." in ask

        # The address holds a « 1 »: it is sent as typed, the lookup happens, the answer is the state's.
        answer = flat(terminal.say("ec990001@adm.cfwb.be"))
        assert "(bouton" not in answer and "[NLU] intent deny" not in answer
        assert "11 novembre 2024" in answer and facts.FORM_MODE in answer and facts.FORM_HORS_MODE not in answer
        assert facts.ETNIC.email in answer  # a Markdown mailto link, shown as the bare address
        assert f"1. {Q_TICKET[0]} 2. {Q_STATUS[0]} 3. {Q_CONTACTS[0]}" in answer

        # A lone number picks that button of the last answer.
        status = flat(terminal.say("2"))
        assert f"(bouton 2 : {Q_STATUS[0]})" in status
        assert "[NLU] intent check_migration_status (confiance 1.00)" in status
        assert "ec990001@adm.cfwb.be" in status and "e-mail n°2" in status

        warned = flat(terminal.say(f"mon mot de passe est {PASSWORD}"))
        assert "ne communiquez jamais un mot de passe" in warned and "[garde]" in warned

        terminal.type("\x04")  # Ctrl-D
        terminal.expect("Au revoir.", 60)
        assert terminal.process.wait(30) == 0
    finally:
        terminal.close()

    output = terminal.text
    assert "](" not in output  # no raw Markdown link anywhere
    assert "Traceback" not in output
    time.sleep(0.5)
    assert not listening_addresses(rasa_port) and not listening_addresses(actions_port)  # servers stopped

    with sqlite3.connect(tracker_db) as db:
        stored = [row[0] for row in db.execute("SELECT data FROM events")]
    assert any("ec990001@adm.cfwb.be" in data for data in stored)  # the conversation went to this store
    assert not any(PASSWORD in data or "Hiver" in data for data in stored)
    for log in (tmp_path / "logs").iterdir():
        assert PASSWORD not in log.read_text(errors="replace"), log.name
