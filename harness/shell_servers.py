"""The staff shell's servers (scripts/staff_shell.py, `make shell`): the action server and a Rasa
server with the guarded REST channel only, on 127.0.0.1 and free ports; Rasa's API token (DEBUG)
through Rasa's environment only, never a command line. They die with the shell (PR_SET_PDEATHSIG).

Only the standard library, PyYAML and harness.processes: no Rasa import (the unit tests import this file)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from harness.processes import GUARDED_REST, answers, free_port, stop

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180  # s; a cold start takes about 20 s
# Rasa's API token goes through this variable of the Rasa process's environment only (read and
# removed by rasa_patches/api_token.py for --enable-api): never on a command line.
TOKEN_ENV = "BMA_API_TOKEN"


def _die_with_parent() -> Callable[[], None]:
    """preexec_fn: the server gets SIGTERM if this client dies without cleaning up (Linux)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return lambda: None

    def preexec() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return preexec


class Servers:
    """The action server and a Rasa server with the guarded REST channel, on 127.0.0.1."""

    def __init__(self, model: Path, endpoints: Path, log_dir: Path, *, api_token: str | None = None):
        self.model, self.endpoints, self.log_dir, self.api_token = model, endpoints, log_dir, api_token
        self.actions_port, self.rasa_port = free_port(), free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="bma-shell-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs = {"actions": log_dir / "actions-shell.log", "rasa": log_dir / "rasa-shell.log"}

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _env(self) -> dict:
        env = {**os.environ, "SANIC_HOST": "127.0.0.1", "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "ignore"),
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
        # One TensorFlow/BLAS thread, as scripts/run.sh serves.
        for name in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS"):
            env.setdefault(name, "1")
        env.pop(TOKEN_ENV, None)
        return env

    def _spawn(self, name: str, command: list[str], env: dict) -> None:
        log = self.logs[name].open("w")
        try:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches this client, which stops them in order
                preexec_fn=_die_with_parent(),
            )
        finally:
            log.close()

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        endpoints = yaml.safe_load(self.endpoints.read_text(encoding="utf-8")) or {}
        endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}),
                                        "url": f"http://127.0.0.1:{self.actions_port}/webhook"}
        (self.workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
        (self.workdir / "credentials.yml").write_text(GUARDED_REST, encoding="utf-8")
        python = sys.executable
        self._spawn("actions", [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
                    self._env())
        rasa_env, api = self._env(), []
        if self.api_token:
            rasa_env[TOKEN_ENV], api = self.api_token, ["--enable-api"]
        self._spawn("rasa", [python, "-m", "rasa_patches", "run", "--model", str(self.model),
                             "--interface", "127.0.0.1", "--port", str(self.rasa_port),
                             "--endpoints", str(self.workdir / "endpoints.yml"),
                             "--credentials", str(self.workdir / "credentials.yml"), *api], rasa_env)
        self._wait(f"http://127.0.0.1:{self.actions_port}/health", "actions")
        self._wait(self.rasa_url + "/", "rasa")

    def _wait(self, url: str, name: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for other, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"le serveur « {other} » s'est arrêté au démarrage :\n{self.tail(other)}")
            if answers(url, timeout=2):
                return
            time.sleep(0.3)
        raise RuntimeError(f"le serveur « {name} » ne répond pas après {START_TIMEOUT} s :\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 20) -> str:
        try:
            return "\n".join(self.logs[name].read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(journal illisible)"

    def alive(self) -> bool:
        return bool(self.processes) and all(p.poll() is None for p in self.processes.values())

    def stop(self) -> None:
        for name in ("rasa", "actions"):
            stop(self.processes.pop(name, None))
        shutil.rmtree(self.workdir, ignore_errors=True)
