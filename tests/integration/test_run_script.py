"""`make run`'s script: everything answers, the action server listens on loopback only, Rasa's API token
is on no command line, Ctrl-C stops all."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from bma import registry
from harness.servers import ROOT, free_port, latest_model, texts

ACTIONS_PORT = 5055  # endpoints.yml's action_endpoint
TOKEN = "-jeton-de-l-api-" + os.urandom(8).hex()  # « - » first: never taken for an option


def listening_addresses(port: int) -> set:
    """IPv4/IPv6 addresses with a listening TCP socket on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    raw = bytes.fromhex(address)
                    if len(raw) == 4:
                        found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                    else:
                        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                        found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def session_command_lines(session: int) -> dict[int, bytes]:
    """/proc/PID/cmdline of every process of a session (what `ps` shows any local user)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == session:  # pid comm state ppid pgrp session …
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    found[int(entry)] = cmdline.read()
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return found


def test_run_script_serves_on_loopback_and_stops_on_ctrl_c(tmp_path):
    assert not listening_addresses(ACTIONS_PORT), "port 5055 is already taken"
    db_url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    registry.load_demo(db_url, environ={})
    registry.dispose_engines()
    rasa_port, web_port, console_port = free_port(), free_port(), free_port()
    env = {**os.environ, "MODEL": str(latest_model()), "RASA_PORT": str(rasa_port), "WEB_PORT": str(web_port),
           "BMA_CONSOLE_PORT": str(console_port),
           "BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15", "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3",
           "BMA_API_TOKEN": TOKEN}
    env.pop("SANIC_HOST", None)
    log = tmp_path / "run.log"
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "L'assistant BMA est prêt" not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        assert listening_addresses(ACTIONS_PORT) == {"127.0.0.1"}
        request = urllib.request.Request(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                                         data=json.dumps({"sender": f"run-{time.time_ns()}", "message": "où en est ma boîte ?"}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert "adresse de votre BMA" in texts(json.loads(reply.read()))
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=10) as page:
            assert page.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{console_port}/connexion", timeout=10) as page:
            assert page.status == 200 and "Connexion" in page.read().decode()
        assert listening_addresses(console_port) == {"127.0.0.1"}  # the staff console stays internal
        # Rasa's HTTP API is open (« Modèles » switches models) but only with the token…
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{rasa_port}/status", timeout=10)
        assert refused.value.code == 401  # (404 when the API is off)
        with pytest.raises(urllib.error.HTTPError) as wrong:
            urllib.request.urlopen(f"http://127.0.0.1:{rasa_port}/status?token=autre-jeton", timeout=10)
        assert wrong.value.code == 401
        with urllib.request.urlopen(f"http://127.0.0.1:{rasa_port}/status?token={TOKEN}", timeout=10) as status:
            assert "model_file" in json.loads(status.read())
        # …which is on no command line: `ps` shows every local user each process's arguments.
        commands = session_command_lines(process.pid)
        rasa = [c for c in commands.values() if b"rasa_patches\0run" in c]
        assert len(rasa) == 1 and b"--enable-api" in rasa[0], commands
        assert b"console.app" in b"".join(commands.values())
        assert not [c for c in commands.values() if TOKEN.encode() in c or b"auth-token" in c], commands
        assert TOKEN not in log.read_text()  # and never printed
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(60)
    time.sleep(1)
    assert not listening_addresses(ACTIONS_PORT)
    assert not listening_addresses(rasa_port) and not listening_addresses(web_port)
    assert not listening_addresses(console_port)
    assert "Arrêt de l'assistant" in log.read_text()
