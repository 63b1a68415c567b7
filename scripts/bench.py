"""`make bench`: latency, throughput and footprint of the assistant as shipped, over REST.

Layouts (``--layout``):
  shipped     what `make run` serves: endpoints.yml as committed (SQL tracker store on SQLite,
              and whatever else it configures), one Rasa process started as scripts/run.sh does,
              one action server — the default;
  production  deploy/'s layout (`make bench-2`): SQL tracker store and event broker on PostgreSQL
              (throw-away databases on the machine's server), Redis lock store, two Rasa
              processes behind nginx, one action server.
Drives them with simulated users holding multi-turn conversations, every message with the
answer it must get (a pattern per step): an apology, a clarification, a fallback or another
topic's answer is an error, like a transport failure.
  (a) closed loop: users arriving at random moments and thinking 1–3 s between messages, at 1
      (three times longer, for enough samples), 10, 50 and 100 users; saturation: 20 users
      with no think time;
  (b) open loop: conversations arriving as a Poisson process at fixed message rates, so that
      the tail under overload is not hidden by users waiting for their previous answer.
The anchor, in the same run: the stock `rasa init --no-prompt` bot trained with the project's
Rasa into a temporary folder, driven by the same generator (its own four-step conversation);
the report prints the ratios. Also: cold start, training time, peak resident memory of each
server, and the NLU-only floor (Agent.parse_message). Writes results/bench[-production].json/.png.

--quick runs a bounded smoke version (a few seconds per level, no training, no anchor) for
`make test`; it fails on any error.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# As scripts/run.sh serves: one TensorFlow/BLAS thread per Rasa process (servers and NLU floor).
SERVING_THREADS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1", "OMP_NUM_THREADS": "1"}
os.environ.update(SERVING_THREADS)

import aiohttp  # noqa: E402
from rasa.utils.log_utils import configure_structlog  # noqa: E402

configure_structlog(30)

from bma import demo, registry  # noqa: E402
from scripts.servers import Servers  # noqa: E402

RESULTS = ROOT / "results"
# (message, the pattern its answer must match). Addresses are drawn from the demo registry, in
# every phase on 2024-11-15, so the state-dependent patterns accept each phase's answer.
NOTHING_SENT = r"aucun e-mail de migration n'a été envoyé"
STATUS = rf"(n'a pas encore commencé|est annoncée|a été envoyé à|est prévue le|a migré|{NOTHING_SENT})"
NEW_PASSWORD = rf"(Aucun nouveau mot de passe|nouveau mot de passe vous a été envoyé|Votre mot de passe est celui|{NOTHING_SENT})"
NO_EMAIL = (rf"(cet e-mail a été envoyé|ces e-mails ont été envoyés|premier e-mail sera envoyé|"
            rf"période d'envoi du premier e-mail|{NOTHING_SENT})")
ASK_ADDRESS = r"Quelle est l'adresse de votre BMA"
CONVERSATIONS = [
    [("bonjour", r"assistant automatique"), ("j'ai perdu le nouveau mot de passe", ASK_ADDRESS),
     ("{address}", NEW_PASSWORD), ("merci", r"Je vous en prie")],
    [("où en est ma boîte ?", ASK_ADDRESS), ("{address}", STATUS),
     ("je n'ai reçu aucun mail", NO_EMAIL),
     ("au revoir", r"Au revoir")],
    [("pourquoi cette migration ?", r"SMAIL2"), ("qu'est-ce qui change pour moi ?", r"ne change pas"),
     ("combien de boîtes doivent migrer", r"3500"), ("merci beaucoup", r"Je vous en prie")],
    [("statut de {address}", STATUS), ("j'ai oublié l'ancien mot de passe", r"(navigateur|SGNE|Enseignement\.be)"),
     ("je veux parler à un humain", r"Voici (le service|les services) à contacter"), ("merci", r"Je vous en prie")],
]
# The stock `rasa init` bot's own conversation, driven the same way.
STOCK_CONVERSATIONS = [
    [("hello", r"Hey! How are you\?"), ("I am great", r"Great, carry on!"),
     ("are you a bot?", r"I am a bot, powered by Rasa\."), ("goodbye", r"Bye")],
]
# Never a good answer, whatever the pattern: an apology, a clarification, a fallback.
UNWANTED = re.compile(r"Désolé, je n'ai pas pu|Vouliez-vous dire|Je n'ai pas compris|Je ne suis pas sûr|"
                      r"Je ne peux pas consulter")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far: by one process (user + system), or by the whole machine (not idle)."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / ticks  # all but idle and iowait


def measure_cpu(run, processes: dict) -> dict:
    """``run()``'s result with the CPU each process and the machine used during it, in cores."""
    before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    machine_before, started = cpu_seconds(), time.monotonic()
    result = run()
    elapsed = time.monotonic() - started
    cores = {name: round((cpu_seconds(pid) - before[name]) / elapsed, 2) for name, pid in processes.items()}
    cores["machine"] = round((cpu_seconds() - machine_before) / elapsed, 2)
    return {**result, "cpu_cores": cores}


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the peak resident set of the process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def send(session, url, sender, message, expected) -> tuple[float, str | None]:
    """(seconds, None) for the answer the step expects, else (seconds, what went wrong)."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as reply:
            body = await reply.json(content_type=None)
            status = reply.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return time.perf_counter() - started, f"transport: {type(error).__name__}"
    elapsed = time.perf_counter() - started
    text = "\n".join(m.get("text") or "" for m in body) if isinstance(body, list) else ""
    if status != 200 or not text:
        return elapsed, f"HTTP {status}, {len(text)} characters"
    if UNWANTED.search(text) or not re.search(expected, text):
        return elapsed, f"wrong answer to {message!r}: {text[:120]!r}"
    return elapsed, None


async def conversation(session, url, script, address, results, rng, think, deadline) -> None:
    sender = f"bench-{uuid.uuid4().hex}"  # never reused: seeds repeat between levels, conversations must not
    for template, expected in script:
        if time.monotonic() >= deadline:
            return
        results.append(await send(session, url, sender, template.format(address=address), expected))
        if think:
            await asyncio.sleep(rng.uniform(*think))


async def user_loop(session, url, conversations, addresses, deadline, think, results, rng):
    if think:  # users arrive at random moments, not all in the same millisecond
        await asyncio.sleep(rng.uniform(0, think[1]))
    while time.monotonic() < deadline:
        await conversation(session, url, rng.choice(conversations), rng.choice(addresses), results, rng, think, deadline)


def summary(results: list, elapsed: float, **fields) -> dict:
    latencies = [seconds * 1000 for seconds, problem in results if problem is None]
    problems = [problem for _, problem in results if problem]
    return {
        **fields, "seconds": round(elapsed, 1), "messages": len(results), "errors": len(problems),
        "error_examples": sorted(set(problems))[:5], "messages_per_s": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


async def run_level(url, conversations, addresses, users, duration, think, seed) -> dict:
    """Closed loop: ``users`` users, each waiting for its answer (and thinking) before the next message."""
    results: list = []
    deadline = time.monotonic() + duration
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        await asyncio.gather(*(user_loop(session, url, conversations, addresses, deadline, think, results,
                                         random.Random(seed + i)) for i in range(users)))
        elapsed = time.monotonic() - started
    return summary(results, elapsed, users=users, think_s=list(think) if think else None)


async def run_open_loop(url, conversations, addresses, rate, duration, seed) -> dict:
    """Open loop: conversations start as a Poisson process so that messages arrive at ``rate`` per
    second on average, whatever the server's speed; each conversation thinks 1–3 s between steps."""
    rng = random.Random(seed)
    results: list = []
    steps = statistics.mean(len(c) for c in conversations)
    deadline = time.monotonic() + duration
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        running = []
        while time.monotonic() < deadline:
            running.append(asyncio.create_task(conversation(
                session, url, rng.choice(conversations), rng.choice(addresses), results,
                random.Random(rng.getrandbits(32)), (1.0, 3.0), deadline)))
            await asyncio.sleep(rng.expovariate(rate / steps))
        await asyncio.gather(*running)
        elapsed = time.monotonic() - started
    return summary(results, elapsed, offered_per_s=rate)


async def nlu_floor(model: Path, messages: list[str], repeat: int) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    for message in messages:  # warm-up
        await agent.parse_message(message)
    timings = []
    for _ in range(repeat):
        for message in messages:
            started = time.perf_counter()
            await agent.parse_message(message)
            timings.append((time.perf_counter() - started) * 1000)
    return {"parses": len(timings), "p50_ms": round(percentile(timings, 50), 1), "p95_ms": round(percentile(timings, 95), 1),
            "mean_ms": round(statistics.mean(timings), 1)}


def train_time(workdir: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "train", "--force", "--out", str(workdir), "--quiet"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**{k: v for k, v in os.environ.items() if k not in SERVING_THREADS},  # training: all cores
                        "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - started


def start_nginx(workdir: Path, ports: list[int]):
    """nginx (Debian's package) balancing the REST webhook over the Rasa processes."""
    from scripts.servers import free_port, wait_until_up

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


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = report["realistic"]
    users = [level["users"] for level in levels]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for key, style in (("p50_ms", "o-"), ("p95_ms", "s-"), ("p99_ms", "^-")):
        ax.plot(users, [level[key] for level in levels], style, label=f"BMA assistant {key.replace('_ms', '')}")
    stock = report.get("stock")
    if stock:
        points = [(1, stock["single"]), (50, stock["fifty"])]
        for key, style in (("p50_ms", "o--"), ("p95_ms", "s--")):
            ax.plot([u for u, _ in points], [level[key] for _, level in points], style, color="grey",
                    label=f"stock rasa init bot {key.replace('_ms', '')}")
    ax.set_xscale("log")
    ax.set_xticks(users, [str(u) for u in users])
    ax.set_xlabel("concurrent users (thinking 1–3 s between messages)")
    ax.set_ylabel("latency per message (ms)")
    ax.set_title(f"{report['layout']} layout, {os.cpu_count()} cores", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def demo_registry(workdir: Path) -> tuple[dict, list[str]]:
    """The demo registry in ``workdir``: the servers' environment (on 2024-11-15, every phase
    present) and the addresses the simulated users give."""
    db_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
    registry.load_demo(db_url, environ={})
    registry.dispose_engines()
    return {"BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15", **SERVING_THREADS}, [row[0] for row in demo.rows()]


def shipped_endpoints(workdir: Path) -> str:
    """endpoints.yml as `make run` serves it, without the action endpoint (set per run) and with its
    SQLite files in ``workdir``."""
    import yaml

    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text()) or {}
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


def floor_bot(workdir: Path, duration: float) -> dict:
    """FLOOR_BOT trained into a temporary folder, saturated by the same generator."""
    project = workdir / "floor"
    for name, text in FLOOR_BOT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    env = anchor_env()
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "train", "--quiet"], cwd=project, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return serve_and_drive(project, env, duration, levels=("saturation",))


def stock_bot(workdir: Path, duration: float) -> dict:
    """The stock `rasa init --no-prompt` bot (trained during init), served and driven the same way."""
    project = workdir / "stock"
    project.mkdir()  # rasa init wants the folder to exist
    env = anchor_env()
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "init", "--no-prompt", "--init-dir", str(project)], cwd=workdir,
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    init_s = time.perf_counter() - started
    return {"init_and_training_s": round(init_s, 1),
            **serve_and_drive(project, env, duration, levels=("single", "fifty", "saturation"))}


def serve_and_drive(project: Path, env: dict, duration: float, levels: tuple) -> dict:
    """`rasa run` in ``project`` (its last trained model), driven with STOCK_CONVERSATIONS."""
    from scripts.servers import free_port, wait_until_up

    port = free_port()
    log = project / "rasa.log"
    process = subprocess.Popen([str(ROOT / ".venv/bin/rasa"), "run", "--port", str(port), "--interface", "127.0.0.1"],
                               cwd=project, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process, 180, log)
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        plans = {"single": (1, duration * 3, (1.0, 3.0), 1), "fifty": (50, duration, (1.0, 3.0), 50),
                 "saturation": (20, duration, None, 7)}
        report = {level: asyncio.run(run_level(url, STOCK_CONVERSATIONS, [""], plans[level][0], plans[level][1],
                                               plans[level][2], seed=plans[level][3])) for level in levels}
        report["rasa_mb"] = round(peak_rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(20)
    return report


def targets(report: dict) -> list[dict]:
    """The ratios of issue #13, each as measured, met or not."""
    single, levels = report["realistic"][0], {level["users"]: level for level in report["realistic"]}
    rows = [
        ("one user: p95 ≤ 2 × its own p50", single["p95_ms"] / single["p50_ms"], 2.0, "≤"),
    ]
    if 50 in levels:
        rows.append(("50 thinking users: p95 ≤ 3 × the one-user p50", levels[50]["p95_ms"] / single["p50_ms"], 3.0, "≤"))
    if report.get("stock"):
        rows.append(("saturation ≥ 3 × the stock bot's", report["saturation"]["messages_per_s"]
                     / report["stock"]["saturation"]["messages_per_s"], 3.0, "≥"))
    if report.get("shipped_saturation"):
        rows.append(("production layout saturation ≥ 1.7 × the shipped single process",
                     report["saturation"]["messages_per_s"] / report["shipped_saturation"]["messages_per_s"], 1.7, "≥"))
    return [{"target": name, "measured": round(value, 2), "met": value <= bound if op == "≤" else value >= bound}
            for name, value, bound, op in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--quick", action="store_true", help="bounded smoke run for make test")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per load level")
    parser.add_argument("--layout", choices=("shipped", "production"), default="shipped")
    parser.add_argument("--no-anchor", action="store_true", help="skip the stock rasa init bot")
    args = parser.parse_args()
    duration = 3.0 if args.quick else args.duration
    levels_users = [1, 5] if args.quick else [1, 10, 50, 100]
    open_rates = [2.0] if args.quick else [5.0, 10.0, 20.0, 40.0]
    model = Path(args.model).resolve()
    production = args.layout == "production"

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env, addresses = demo_registry(workdir)
        training_s = None if args.quick else round(train_time(workdir / "models"), 1)
        prefix = f"bmabench{random.getrandbits(32):x}"
        database = None
        if production:
            from sqlalchemy import create_engine, text

            database = f"bma_bench_{prefix}"
            admin = create_engine("postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
                conn.execute(text(f'CREATE DATABASE "{database}_events"'))
            endpoints = production_endpoints(database, prefix)
        else:
            endpoints = shipped_endpoints(workdir)
        (workdir / "a").mkdir()
        servers = Servers(workdir / "a", env, model, endpoints_extra=endpoints)
        extra, nginx, shipped_saturation = [], None, None
        try:
            servers.start_actions()
            started = time.perf_counter()
            servers.start_rasa()
            first_answer(lambda: servers.say("bench-cold", "bonjour"))
            cold_start_s = round(time.perf_counter() - started, 1)
            url = servers.rasa_url + "/webhooks/rest/webhook"
            busy = {"rasa": servers.processes["rasa"].pid, "actions": servers.processes["actions"].pid}
            if production:
                # The shipped single process's saturation in the same run, for the ratio.
                shipped_saturation = measure_cpu(lambda: asyncio.run(run_level(
                    url, CONVERSATIONS, addresses, 3 if args.quick else 20, duration, None, seed=8)), busy)
                (workdir / "b").mkdir()
                second = Servers(workdir / "b", env, model, endpoints_extra=endpoints)
                second.actions_port = servers.actions_port
                second.start_rasa()
                extra.append(second)
                nginx, front = start_nginx(workdir, [servers.rasa_port, second.rasa_port])
                url = front + "/webhooks/rest/webhook"
            # One thinking user sends a message every ~2 s: three times longer for enough samples.
            realistic = [asyncio.run(run_level(url, CONVERSATIONS, addresses, users,
                                               duration * (3 if users == 1 and not args.quick else 1), (1.0, 3.0), seed=users))
                         for users in levels_users]
            busy.update({f"rasa{n}": other.processes["rasa"].pid for n, other in enumerate(extra, start=2)})
            saturation = measure_cpu(lambda: asyncio.run(run_level(url, CONVERSATIONS, addresses, 3 if args.quick else 20,
                                                                   duration, None, seed=7)), busy)
            open_loop = [asyncio.run(run_open_loop(url, CONVERSATIONS, addresses, rate, duration, seed=int(rate)))
                         for rate in open_rates]
            memory = {"rasa_mb": round(peak_rss_mb(servers.processes["rasa"].pid)),
                      "actions_mb": round(peak_rss_mb(servers.processes["actions"].pid))}
            for number, other in enumerate(extra, start=2):
                memory[f"rasa{number}_mb"] = round(peak_rss_mb(other.processes["rasa"].pid))
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait(10)
            for other in extra:
                other.stop()
            servers.stop()
            if production:
                import redis

                client = redis.Redis("127.0.0.1", 6379)
                for key in client.scan_iter(f"{prefix}*"):
                    client.delete(key)
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}_events" WITH (FORCE)'))
                admin.dispose()
        stock = None if args.quick or args.no_anchor else stock_bot(workdir, duration)
        framework_floor = None if args.quick or args.no_anchor else floor_bot(workdir, duration)

    messages = sorted({m.format(address="ec990001@adm.cfwb.be") for c in CONVERSATIONS for m, _ in c})
    floor = asyncio.run(nlu_floor(model, messages, 2 if args.quick else 20))
    single = realistic[0]
    report = {
        "layout": args.layout,
        "configuration": ("endpoints.yml as committed (SQL tracker store on SQLite), one Rasa process as scripts/run.sh "
                          "serves it, one action server" if not production else
                          "SQL tracker store and event broker on PostgreSQL (LeanSQLTrackerStore, LeanSQLEventBroker), "
                          "Redis lock store (AtomicRedisLockStore), two Rasa processes behind nginx, one action server"),
        "machine": {"cores": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "quick": args.quick, "model": model.name, "cold_start_s": cold_start_s, "training_s": training_s,
        "peak_rss": memory, "realistic": realistic, "saturation": saturation, "open_loop": open_loop,
        "shipped_saturation": shipped_saturation, "stock": stock, "framework_floor": framework_floor,
        "nlu_only": floor,
        "end_to_end_over_nlu_p50": round(single["p50_ms"] / floor["p50_ms"], 2) if floor["p50_ms"] else None,
    }
    report["targets"] = targets(report)
    RESULTS.mkdir(exist_ok=True)
    name = ("bench-quick" if args.quick else "bench") + ("-production" if production else "")
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.quick:
        plot(report, RESULTS / f"{name}.png")

    print(f"\n{report['configuration']}")
    print(f"{'users':>8}{'msgs':>7}{'msg/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for level in realistic + [saturation]:
        label = f"{level['users']}" + ("*" if level is saturation else "")
        print(f"{label:>8}{level['messages']:>7}{level['messages_per_s']:>8}{level['p50_ms']:>9}{level['p95_ms']:>9}"
              f"{level['p99_ms']:>9}{level['errors']:>8}")
    print(f"* saturation: no think time; CPU in use (cores of {os.cpu_count()}): {saturation['cpu_cores']} "
          "(machine: every process, the load generator included)")
    if shipped_saturation:
        print(f"one Rasa process on the same stores, saturation: {shipped_saturation['messages_per_s']} msg/s, p50 "
              f"{shipped_saturation['p50_ms']} ms; CPU in use: {shipped_saturation['cpu_cores']}")
    for level in open_loop:
        print(f"open loop {level['offered_per_s']:>5} msg/s offered: {level['messages_per_s']} served, p50 {level['p50_ms']} "
              f"p95 {level['p95_ms']} p99 {level['p99_ms']} ms, {level['errors']} errors")
    if stock:
        print(f"stock rasa init bot: 1 user p50 {stock['single']['p50_ms']} p95 {stock['single']['p95_ms']} ms; 50 users "
              f"p95 {stock['fifty']['p95_ms']} ms; saturation {stock['saturation']['messages_per_s']} msg/s; "
              f"{stock['rasa_mb']} MB")
    if framework_floor:
        ceiling = framework_floor["saturation"]["messages_per_s"]
        print(f"framework floor (stock rasa run: keyword lookup, rules, in-memory tracker, no action server): "
              f"saturation {ceiling} msg/s = {ceiling / stock['saturation']['messages_per_s']:.2f} × the stock bot; "
              f"shipped = {saturation['messages_per_s'] / ceiling:.2f} × the floor")
    print(f"cold start {cold_start_s} s; training {training_s} s; peak RSS (MB) {memory}")
    print(f"NLU only (Agent.parse_message): p50 {floor['p50_ms']} ms, p95 {floor['p95_ms']} ms")
    for row in report["targets"]:
        print(f"target {row['target']}: {row['measured']} {'met' if row['met'] else 'NOT met'}")
    levels = realistic + [saturation] + open_loop + ([shipped_saturation] if shipped_saturation else [])
    errors = sum(level["errors"] for level in levels)
    for level in levels:
        for example in level["error_examples"]:
            print(f"  error: {example}")
    if args.quick and (errors or any(level["messages"] == 0 for level in realistic)):
        print("FAIL: the smoke benchmark saw wrong answers or errors, or sent nothing")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
