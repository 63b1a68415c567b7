"""What `make bench` serves and compares (scripts/bench.py): the demo registry, the shipped and the
production stores, nginx over several Rasa processes, the training time, and the anchor bots
(the framework floor and the stock `rasa init` bot) driven by the same simulated users."""
from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from bma import demo, registry
from harness.load import STOCK_CONVERSATIONS, peak_rss_mb, run_level
from harness.processes import stop
from harness.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
# As scripts/run.sh serves: one TensorFlow/BLAS thread per Rasa process (servers and NLU floor).
SERVING_THREADS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def train_time(workdir: Path, root: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "train", "--force", "--out", str(workdir), "--quiet"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**{k: v for k, v in os.environ.items() if k not in SERVING_THREADS},  # training: all cores
                        "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - started


def start_nginx(workdir: Path, ports: list[int]):
    """nginx (Debian's package) balancing the REST webhook over the Rasa processes."""
    port = free_port()
    temp = workdir / "nginx"
    temp.mkdir()
    upstream = "".join(f"server 127.0.0.1:{p};" for p in ports)
    (temp / "nginx.conf").write_text(f"""
worker_processes 1; daemon off; pid {temp}/nginx.pid; error_log {temp}/error.log;
events {{ worker_connections 2048; }}
http {{
  access_log off; client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
  upstream rasa {{ {upstream} keepalive 64; }}
  server {{ listen 127.0.0.1:{port};
    location / {{ proxy_pass http://rasa; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_read_timeout 60s; }} }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", str(temp / "nginx.conf"), "-p", str(temp)],
                               stdout=subprocess.DEVNULL, stderr=(temp / "stderr.log").open("w"))
    wait_until_up(f"http://127.0.0.1:{port}/", process, 20, temp / "stderr.log")
    return process, f"http://127.0.0.1:{port}"


def demo_registry(workdir: Path, root: Path = ROOT) -> tuple[dict, list[str]]:
    """The demo registry in ``workdir``, written by ``root``'s own code: the servers' environment
    (on 2024-11-15, every phase present) and the addresses the simulated users give."""
    db_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
    if root == ROOT:
        registry.load_demo(db_url, environ={})
        registry.dispose_engines()
    else:
        subprocess.run([str(ROOT / ".venv/bin/python"), "-c",
                        f"from bma import registry; registry.load_demo({db_url!r}, environ={{}})"],
                       cwd=root, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return {"BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15", **SERVING_THREADS}, [row[0] for row in demo.rows()]


def shipped_endpoints(workdir: Path, root: Path = ROOT) -> str:
    """endpoints.yml as `make run` serves it, without the action endpoint (set per run) and with its
    SQLite files in ``workdir``."""
    import yaml

    endpoints = yaml.safe_load((root / "endpoints.yml").read_text()) or {}
    endpoints.pop("action_endpoint", None)
    for key, section in endpoints.items():
        if isinstance(section, dict) and section.get("dialect") == "sqlite":
            section["db"] = str(workdir / f"{key}.sqlite3")
    return yaml.safe_dump(endpoints)


def production_endpoints(database: str, prefix: str) -> str:
    """deploy/endpoints.production.yml's stores: PostgreSQL tracker store and event broker (its
    own database, as deploy/ has it), Redis lock store."""
    return (f"tracker_store:\n  type: stores.sql_trackers.LeanSQLTrackerStore\n  dialect: postgresql\n  url: 127.0.0.1\n"
            f"  port: 5432\n  username: postgres\n  db: {database}\n"
            f"event_broker:\n  type: stores.sql_brokers.LeanSQLEventBroker\n  dialect: postgresql\n  url: 127.0.0.1\n"
            f"  port: 5432\n  username: postgres\n  db: {database}_events\n"
            f"lock_store:\n  type: stores.redis_locks.AtomicRedisLockStore\n  url: 127.0.0.1\n  port: 6379\n"
            f"  db: 0\n  key_prefix: {prefix}\n")


def first_answer(say, deadline_s: float = 180) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if any(m.get("text") for m in say()):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("no first answer")


# The framework floor: stock Rasa 3.6 (`rasa run`, without rasa_patches) answering the stock bot's
# conversation with no model at all — a keyword lookup, rules, responses, the in-memory tracker
# store, no action server: what the framework itself costs per message on the machine.
FLOOR_BOT = {
    "config.yml": "recipe: default.v1\nlanguage: en\nassistant_id: framework-floor\npipeline:\n"
                  "  - name: WhitespaceTokenizer\n  - name: KeywordIntentClassifier\npolicies:\n  - name: RulePolicy\n",
    "domain.yml": 'version: "3.1"\nintents: [greet, mood_great, bot_challenge, goodbye]\nresponses:\n'
                  '  utter_greet: [{text: "Hey! How are you?"}]\n  utter_happy: [{text: "Great, carry on!"}]\n'
                  '  utter_iamabot: [{text: "I am a bot, powered by Rasa."}]\n  utter_goodbye: [{text: "Bye"}]\n'
                  "session_config: {session_expiration_time: 60, carry_over_slots_to_new_session: true}\n",
    "data/nlu.yml": 'version: "3.1"\nnlu:\n- intent: greet\n  examples: "- hello\\n"\n'
                    '- intent: mood_great\n  examples: "- great\\n"\n- intent: bot_challenge\n  examples: "- bot\\n"\n'
                    '- intent: goodbye\n  examples: "- goodbye\\n"\n',
    "data/rules.yml": 'version: "3.1"\nrules:\n' + "".join(
        f"- rule: {intent}\n  steps:\n  - intent: {intent}\n  - action: {action}\n"
        for intent, action in [("greet", "utter_greet"), ("mood_great", "utter_happy"),
                               ("bot_challenge", "utter_iamabot"), ("goodbye", "utter_goodbye")]),
}


def anchor_env() -> dict:
    """The environment of the anchor bots' training and serving: one thread, as ours, and quiet."""
    return {**os.environ, **SERVING_THREADS, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def train_floor_bot(workdir: Path) -> Path:
    """FLOOR_BOT trained into ``workdir``/floor; the project folder."""
    project = workdir / "floor"
    for name, text in FLOOR_BOT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "train", "--quiet"], cwd=project, env=anchor_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return project


def init_stock_bot(workdir: Path) -> tuple[Path, float]:
    """The stock `rasa init --no-prompt` bot, trained during init into ``workdir``/stock: the project
    folder and the seconds init and training took."""
    project = workdir / "stock"
    project.mkdir()  # rasa init wants the folder to exist
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "init", "--no-prompt", "--init-dir", str(project)], cwd=workdir,
                   env=anchor_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return project, time.perf_counter() - started


class AnchorBot:
    """`rasa run` in an anchor project (its last trained model), kept up for the whole benchmark so
    that its saturation can be measured between the assistant's: each ratio then compares the same
    minutes of a machine whose speed drifts. Driven with STOCK_CONVERSATIONS."""

    PLANS = {"single": (1, 3, (1.0, 3.0), 1), "fifty": (50, 1, (1.0, 3.0), 50), "saturation": (20, 1, None, 7)}

    def __init__(self, project: Path):
        self.project, self.port = project, free_port()
        log = project / "rasa.log"
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/rasa"), "run", "--port", str(self.port), "--interface", "127.0.0.1"],
            cwd=project, env=anchor_env(), stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{self.port}/", self.process, 180, log)
        except BaseException:
            self.stop()
            raise

    def drive(self, level: str, duration: float) -> dict:
        """One load level (single, fifty or saturation) of ``duration`` seconds (three times longer
        for one user, as for the assistant)."""
        users, longer, think, seed = self.PLANS[level]
        return asyncio.run(run_level(f"http://127.0.0.1:{self.port}/webhooks/rest/webhook", STOCK_CONVERSATIONS, [""],
                                     users, duration * longer, think, seed=seed))

    def rss_mb(self) -> int:
        return round(peak_rss_mb(self.process.pid))

    def stop(self) -> None:
        stop(self.process, grace=20)
