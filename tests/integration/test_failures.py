"""Failures: conversations survive a Rasa restart (SQL tracker store); the action server down or
slow still gives a French answer; the registry down gives the general procedure, logged once."""
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from bma import facts, registry
from harness.servers import SQLITE_TRACKER, Servers, latest_model, texts

API_TOKEN = "test-token-" + uuid.uuid4().hex
REGISTRY_CSV = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "po000002@adm.cfwb.be,yes,2024-10-14,2024-10-21,2024-11-11,2024-11-18\n"
)


class BlackHole:
    """Accepts connections on a port and never answers (a hung action server)."""

    def __init__(self, port: int):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(50)
        self.clients = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.sock.accept()
                self.clients.append(client)
            except OSError:
                return

    def close(self):
        self.running = False
        for client in self.clients:
            client.close()
        self.sock.close()


def test_restart_action_server_down_and_slow(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert registry.import_csv(REGISTRY_CSV.encode(), db_url).ok
    registry.dispose_engines()
    servers = Servers(tmp_path, {"BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15", "BMA_ACTION_TIMEOUT": "3"},
                      latest_model(), endpoints_extra=SQLITE_TRACKER.format(path=tmp_path / "tracker.sqlite3"),
                      rasa_args=("--enable-api", "--auth-token", API_TOKEN))
    sender = f"fail-{uuid.uuid4().hex[:8]}"
    hole = None
    try:
        servers.start_actions()
        servers.start_rasa()
        assert "adresse de votre BMA" in texts(servers.say(sender, "où en est ma boîte ?"))
        # The HTTP API (as scripts/run.sh enables it when BMA_API_TOKEN is set) needs the token.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{servers.rasa_url}/conversations/{sender}/tracker", timeout=10)
        assert refused.value.code == 401
        with urllib.request.urlopen(f"{servers.rasa_url}/conversations/{sender}/tracker?token={API_TOKEN}", timeout=10) as ok:
            assert json.loads(ok.read())["sender_id"] == sender

        # The Rasa server restarts between the question and the answer: the form goes on.
        servers.stop_rasa()
        servers.start_rasa()
        answer = texts(servers.say(sender, "po000002@adm.cfwb.be"))
        assert "prévue le 18 novembre 2024" in answer

        # The action server stops mid-conversation: general answers, in French, not silence.
        servers.stop_actions()
        answer = texts(servers.say(sender, "pourquoi cette migration ?"))
        assert "SMAIL2" in answer and "25" in answer
        answer = texts(servers.say(sender, "j'ai perdu le nouveau mot de passe"))
        assert facts.FORM_MODE in answer and facts.FORM_HORS_MODE in answer and facts.ETNIC.phone in answer
        assert answer.count("Le nouveau mot de passe se trouve dans l'e-mail n°2") == 1  # once, not twice
        answer = texts(servers.say(sender, "je veux parler à un humain"))
        assert facts.SGNE.email in answer

        # A hung action server: answered within the timeout, still in French.
        hole = BlackHole(servers.actions_port)
        started = time.monotonic()
        answer = texts(servers.say(sender, "qu'est-ce qu'une BMA ?"))
        assert time.monotonic() - started < 15
        assert "ecXXXXXX@adm.cfwb.be" in answer
        assert "planifiée" not in answer
    finally:
        if hole:
            hole.close()
        servers.stop()


def call_action(port: int, action: str, intent: str, text: str, slots: dict) -> dict:
    tracker = {
        "sender_id": "t", "slots": slots, "latest_message": {"text": text, "intent": {"name": intent}, "entities": []},
        "events": [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}],
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
    }
    body = json.dumps({"next_action": action, "sender_id": "t", "tracker": tracker, "domain": {}, "version": "3.6"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhook", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def test_registry_down_general_answer_logged_once(tmp_path):
    servers = Servers(tmp_path, {"BMA_DB_URL": "postgresql://nobody@127.0.0.1:9/none", "BMA_TODAY": "2024-11-15"}, None)
    try:
        servers.start_actions()
        for _ in range(3):
            result = call_action(servers.actions_port, "action_answer_faq", "faq_lost_new_password",
                                 "mdp perdu", {"bma_address": "ec000001@adm.cfwb.be"})
            text = result["responses"][0]["text"]
            assert "je ne connais pas l'état de votre boîte" in text and facts.FORM_MODE in text
    finally:
        servers.stop()
    log = (tmp_path / "actions.log").read_text()
    assert log.count("registry unavailable") == 1
