"""`make bench`: latency, throughput and footprint of the assistant over the REST webhook.

Starts the action server and the Rasa server (demo registry, BMA_TODAY=2024-11-15), then drives
them with simulated users holding multi-turn conversations:
  (a) realistic traffic: users arriving at random moments and thinking 1–3 s between messages,
      at 1 (three times longer, for enough samples), 10, 50 and 100 users;
  (b) saturation: 20 users with no think time.
A reply with no message counts as an error. Also: cold start (process start → first answer),
training time, peak resident memory of each server, and the NLU-only floor
(Agent.parse_message on the same messages). Writes results/bench.json and results/bench.png.

--quick runs a bounded smoke version (a few seconds per level, no training) for `make test`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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
CONVERSATIONS = [
    ["bonjour", "j'ai perdu le nouveau mot de passe", "{address}", "merci"],
    ["où en est ma boîte ?", "{address}", "je n'ai reçu aucun mail", "au revoir"],
    ["pourquoi cette migration ?", "qu'est-ce qui change pour moi ?", "combien de boîtes doivent migrer", "merci beaucoup"],
    ["statut de {address}", "j'ai oublié l'ancien mot de passe", "je veux parler à un humain", "merci"],
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the peak resident set of the process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def user_loop(session, url, addresses, deadline, think, results, rng):
    if think:  # users arrive at random moments, not all in the same millisecond
        await asyncio.sleep(rng.uniform(0, think[1]))
    while time.monotonic() < deadline:
        sender = f"bench-{rng.getrandbits(48):x}"
        address = rng.choice(addresses)
        for template in rng.choice(CONVERSATIONS):
            if time.monotonic() >= deadline:
                return
            message = template.format(address=address)
            started = time.perf_counter()
            ok = False
            try:
                async with session.post(url, json={"sender": sender, "message": message}) as reply:
                    body = await reply.json(content_type=None)
                    ok = reply.status == 200 and isinstance(body, list) and any(m.get("text") for m in body)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                ok = False
            results.append((time.perf_counter() - started, ok))
            if think:
                await asyncio.sleep(rng.uniform(*think))


async def run_level(url, addresses, users, duration, think, seed) -> dict:
    results: list[tuple[float, bool]] = []
    deadline = time.monotonic() + duration
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        await asyncio.gather(*(user_loop(session, url, addresses, deadline, think, results, random.Random(seed + i))
                               for i in range(users)))
        elapsed = time.monotonic() - started
    latencies = [latency * 1000 for latency, ok in results if ok]
    return {
        "users": users, "think_s": list(think) if think else None, "seconds": round(elapsed, 1),
        "messages": len(results), "errors": sum(1 for _, ok in results if not ok),
        "messages_per_s": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


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


def plot(levels: list[dict], path: Path, instances: int = 1) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = [level["users"] for level in levels]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key, style in (("p50_ms", "o-"), ("p95_ms", "s-"), ("p99_ms", "^-")):
        ax.plot(users, [level[key] for level in levels], style, label=key.replace("_ms", ""))
    ax.set_xscale("log")
    ax.set_xticks(users, [str(u) for u in users])
    ax.set_xlabel("concurrent users (thinking 1–3 s between messages)")
    ax.set_ylabel("latency per message (ms)")
    setup = "one Rasa process" if instances == 1 else f"{instances} Rasa processes behind nginx"
    ax.set_title(f"BMA assistant over REST, {setup}, {os.cpu_count()} cores")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--quick", action="store_true", help="bounded smoke run for make test")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per load level")
    parser.add_argument("--instances", type=int, default=1, choices=(1, 2),
                        help="2: two Rasa processes behind nginx, Redis tracker and lock stores")
    args = parser.parse_args()
    duration = 3.0 if args.quick else args.duration
    levels_users = [1, 5] if args.quick else [1, 10, 50, 100]
    model = Path(args.model).resolve()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
        assert registry.import_csv(demo.csv_bytes(), db_url).ok
        registry.dispose_engines()
        addresses = [row[0] for row in demo.rows()]
        training_s = None if args.quick else round(train_time(workdir / "models"), 1)
        env = {"BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15", **SERVING_THREADS}
        prefix = f"bmabench{random.getrandbits(32):x}"
        shared = ("" if args.instances == 1 else
                  f"tracker_store:\n  type: stores.redis_trackers.PrefixRedisTrackerStore\n  url: 127.0.0.1\n  port: 6379\n  db: 0\n  key_prefix: {prefix}\n"
                  f"lock_store:\n  type: stores.redis_locks.AtomicRedisLockStore\n  url: 127.0.0.1\n  port: 6379\n  db: 0\n  key_prefix: {prefix}\n")
        (workdir / "a").mkdir()
        servers = Servers(workdir / "a", env, model, endpoints_extra=shared)
        extra = []
        nginx = None
        try:
            servers.start_actions()
            started = time.perf_counter()
            servers.start_rasa()
            while True:  # first answer
                try:
                    if any(m.get("text") for m in servers.say("bench-cold", "bonjour")):
                        break
                except OSError:
                    time.sleep(0.2)
            cold_start_s = round(time.perf_counter() - started, 1)
            if args.instances == 2:
                (workdir / "b").mkdir()
                second = Servers(workdir / "b", env, model, endpoints_extra=shared)
                second.actions_port = servers.actions_port
                second.start_rasa()
                extra.append(second)
                nginx, front = start_nginx(workdir, [servers.rasa_port, second.rasa_port])
            url = (front if nginx else servers.rasa_url) + "/webhooks/rest/webhook"
            # One thinking user sends a message every ~2 s: three times longer for enough samples.
            realistic = [asyncio.run(run_level(url, addresses, users, duration * (3 if users == 1 and not args.quick else 1),
                                               (1.0, 3.0), seed=users))
                         for users in levels_users]
            saturation = asyncio.run(run_level(url, addresses, 3 if args.quick else 20, duration, None, seed=7))
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
            if args.instances == 2:
                import redis

                client = redis.Redis("127.0.0.1", 6379)
                for key in client.scan_iter(f"{prefix}*"):
                    client.delete(key)

    messages = sorted({m.format(address="ec000001@adm.cfwb.be") for c in CONVERSATIONS for m in c})
    floor = asyncio.run(nlu_floor(model, messages, 2 if args.quick else 20))
    single = realistic[0]
    report = {
        "instances": args.instances,
        "machine": {"cores": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "quick": args.quick, "model": model.name, "cold_start_s": cold_start_s, "training_s": training_s,
        "peak_rss": memory, "realistic": realistic, "saturation": saturation, "nlu_only": floor,
        "end_to_end_over_nlu_p50": round(single["p50_ms"] / floor["p50_ms"], 2) if floor["p50_ms"] else None,
    }
    RESULTS.mkdir(exist_ok=True)
    name = ("bench-quick" if args.quick else "bench") + ("" if args.instances == 1 else f"-{args.instances}proc")
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2))
    if not args.quick:
        plot(realistic, RESULTS / f"{name}.png", args.instances)

    print(f"\n{'users':>6}{'msgs':>7}{'msg/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for level in realistic + [saturation]:
        label = f"{level['users']}" + ("*" if level is saturation else "")
        print(f"{label:>6}{level['messages']:>7}{level['messages_per_s']:>8}{level['p50_ms']:>9}{level['p95_ms']:>9}"
              f"{level['p99_ms']:>9}{level['errors']:>8}")
    print("* saturation: no think time")
    print(f"cold start {cold_start_s} s; training {training_s} s; peak RSS (MB) {memory}")
    print(f"NLU only (Agent.parse_message): p50 {floor['p50_ms']} ms, p95 {floor['p95_ms']} ms; "
          f"end-to-end / NLU-only at 1 user (p50): {report['end_to_end_over_nlu_p50']}")
    errors = sum(level["errors"] for level in realistic + [saturation])
    if args.quick and (errors or any(level["messages"] == 0 for level in realistic)):
        print("FAIL: the smoke benchmark saw errors or sent nothing")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
