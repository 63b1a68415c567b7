"""Start the real action server and Rasa server on loopback (tests, the sealed gate, the benchmarks)."""
from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import settings
from harness.processes import GUARDED_REST, answers, free_port, stop

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


GUARDED_SOCKETIO = (
    "channels.web.GuardedSocketIOInput:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
    "  session_persistence: true\n"
)
SQLITE_TRACKER = "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {path}\n"


def latest_model() -> Path | None:
    """The model named by BMA_MODEL (set by `make test`), else the newest one under models/."""
    if settings.get("BMA_MODEL"):
        return settings.get("BMA_MODEL").resolve()
    models = sorted((ROOT / "models").glob("bma-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def wait_until_up(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-3000:]}")
        if answers(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not up after {timeout} s: {log.read_text()[-3000:]}")


class Servers:
    """An action server and a Rasa server (REST channel) sharing ``env``, serving the code of
    ``root`` (this project, or a checkout of another commit for a before/after) with this venv."""

    def __init__(self, workdir: Path, env: dict, model: Path, *, credentials: str = GUARDED_REST,
                 endpoints_extra: str = "", rasa_args: tuple = (), root: Path = ROOT):
        self.workdir = workdir
        self.root = root
        self.env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore",
                    "SANIC_HOST": "127.0.0.1", **env}  # the action server on loopback only
        self.model = model
        self.actions_port = free_port()
        self.rasa_port = free_port()
        self.credentials = credentials
        self.endpoints_extra = endpoints_extra
        self.rasa_args = rasa_args
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        self.processes["actions"] = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
            cwd=self.root, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.processes["actions"], 60, log)

    def stop_actions(self) -> None:
        self._stop("actions")

    def start_rasa(self) -> None:
        (self.workdir / "endpoints.yml").write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n{self.endpoints_extra}'
        )
        (self.workdir / "credentials.yml").write_text(self.credentials)
        log = self.workdir / "rasa.log"
        self.processes["rasa"] = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "rasa_patches", "run", "--model", str(self.model), "--port", str(self.rasa_port),
             "--interface", "127.0.0.1", "--endpoints", str(self.workdir / "endpoints.yml"),
             "--credentials", str(self.workdir / "credentials.yml"), *self.rasa_args],
            cwd=self.root, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        wait_until_up(self.rasa_url + "/", self.processes["rasa"], 180, log)

    def stop_rasa(self) -> None:
        self._stop("rasa")

    def _stop(self, name: str) -> None:
        stop(self.processes.pop(name, None))

    def stop(self) -> None:
        for name in list(self.processes):
            self._stop(name)

    def say(self, sender: str, message: str, timeout: float = 30) -> list[dict]:
        request = urllib.request.Request(
            self.rasa_url + "/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)
