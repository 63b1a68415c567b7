"""What both launchers of real servers share (harness/servers.py: tests, gates, benchmarks;
harness/shell_servers.py: the staff shell): a free loopback port, whether a URL answers, stopping a
server. Standard library only."""
from __future__ import annotations

import socket
import subprocess
import urllib.request

# The public REST channel, behind the password guard (channels/web.py).
GUARDED_REST = "channels.web.GuardedRestInput:\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 1) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen | None, grace: float = 15) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
