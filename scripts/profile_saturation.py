"""`make profile`: where a served message's time goes, on the configuration `make run` serves.

Starts the shipped layout as `make bench` does (endpoints.yml's stores in a temporary folder, one
Rasa process through rasa_patches, one action server, the demo registry), saturates it with 20
users without think time, and records the Rasa process with py-spy for 20 s. Prints the messages
per second of the recorded run and the share of the samples spent in each part of a message;
writes the raw stacks to results/profile.raw (flame graphs: py-spy's or Brendan Gregg's tools).
Shares, measured while the load generator shares the machine: compare them within a run.
"""
from __future__ import annotations

import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import load, stacks
from harness.servers import Servers, latest_model

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "results" / "profile.raw"
# (label, function, file): a frame of that function in that file marks the part.
PARTS = [
    ("handling a message (all below)", "handle_message", "rasa/core/processor.py"),
    ("NLU graph", "_parse_message_with_graph", "rasa/core/processor.py"),
    ("  spaCy (tokens, lemmas, vectors)", "process", "rasa/nlu/utils/spacy_utils.py"),
    ("  intent classifier", "process", "tfidf_intent_classifier.py"),
    ("policies (rule policy)", "predict_action_probabilities", "rasa/core/policies/rule_policy.py"),
    ("running actions (custom ones over HTTP, responses, listen)", "_run_action", "rasa/core/processor.py"),
    ("tracker store: read", "retrieve", "sql_trackers.py"),
    ("tracker store: save and broker", "save", "sql_trackers.py"),
]


def shares(raw: Path) -> tuple[int, dict]:
    """Samples in all, and by part (py-spy's raw lines: frames ``function (path:line)`` joined by
    ``;``, then the count; paths are shortened differently by module)."""
    markers = [(label, re.compile(rf"(?:^|;){re.escape(function)} \((?:[^;]*/)?{re.escape(path)}:"))
               for label, function, path in PARTS]
    total, found = 0, collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for label, marker in markers:
            if marker.search(stack):
                found[label] += int(count)
    return total, found


def main() -> int:
    spy = shutil.which("py-spy", path=str(ROOT / ".venv" / "bin")) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is missing: make setup installs it (requirements-dev.txt)")
        return 1
    model = latest_model()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env, addresses = stacks.demo_registry(workdir)
        (workdir / "a").mkdir()
        servers = Servers(workdir / "a", env, model, endpoints_extra=stacks.shipped_endpoints(workdir))
        try:
            servers.start_actions()
            servers.start_rasa()
            stacks.first_answer(lambda: servers.say("profile", "bonjour"))
            url = servers.rasa_url + "/webhooks/rest/webhook"
            asyncio.run(load.run_level(url, load.CONVERSATIONS, addresses, 20, 5, None, seed=1))  # warm-up
            RAW.parent.mkdir(exist_ok=True)
            RAW.unlink(missing_ok=True)
            recorder = subprocess.Popen([spy, "record", "-r", "100", "-f", "raw", "-d", "20", "-o", str(RAW),
                                         "-p", str(servers.processes["rasa"].pid)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            level = asyncio.run(load.run_level(url, load.CONVERSATIONS, addresses, 20, 22, None, seed=7))
            _, spy_errors = recorder.communicate(timeout=60)
        finally:
            servers.stop()
    if recorder.returncode != 0 or not RAW.exists():
        print(f"py-spy could not record the Rasa process (it needs ptrace rights, e.g. root):\n{spy_errors}")
        return 1
    total, found = shares(RAW)
    print(f"model {model.name}; 20 users without think time: {level['messages_per_s']} msg/s, "
          f"p50 {level['p50_ms']} ms, {level['errors']} errors; {total} samples of the Rasa process")
    for label, *_ in PARTS:
        print(f"{found[label] / max(total, 1):7.1%}  {label}")
    print(f"{1 - found[PARTS[0][0]] / max(total, 1):7.1%}  outside the handling (HTTP server, event loop, idle)")
    print(f"raw stacks: {RAW.relative_to(ROOT)}")
    return 0 if level["errors"] == 0 and total else 1


if __name__ == "__main__":
    sys.exit(main())
