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
The anchors, in the same run: the stock `rasa init --no-prompt` bot trained with the project's
Rasa into a temporary folder, and the framework floor (stock Rasa without our code), driven by the
same generator (their own four-step conversation). They stay up for the whole run and their
saturation is measured between the assistant's, in three rounds (assistant, stock, floor, then the
reverse order): each ratio compares the same minutes, and the report gives the median of the
rounds' ratios with each round's, since this machine's speed drifts within a run. Also: cold start, training time, peak resident memory of each
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
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# As scripts/run.sh serves: one TensorFlow/BLAS thread per Rasa process (servers and NLU floor).
from harness.stacks import SERVING_THREADS  # noqa: E402

os.environ.update(SERVING_THREADS)

from rasa.utils.log_utils import configure_structlog  # noqa: E402

configure_structlog(30)

from harness.load import (  # noqa: E402
    CONVERSATIONS,
    measure_cpu,
    peak_rss_mb,
    percentile,
    run_level,
    run_open_loop,
)
from harness.servers import Servers  # noqa: E402
from harness.stacks import (  # noqa: E402
    AnchorBot,
    demo_registry,
    first_answer,
    init_stock_bot,
    production_endpoints,
    shipped_endpoints,
    start_nginx,
    train_floor_bot,
    train_time,
)

RESULTS = ROOT / "results"
SATURATION_ROUNDS = 3


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


def median_level(levels: list[dict]) -> dict:
    """The level whose throughput is the median (the lower one of an even count)."""
    return sorted(levels, key=lambda level: level["messages_per_s"])[(len(levels) - 1) // 2]


def round_ratios(rounds: list[dict]) -> list[dict]:
    """Each saturation round's throughputs and the assistant's ratios to the anchors in it."""
    return [{"shipped": measured["shipped"]["messages_per_s"], "stock": measured["stock"]["messages_per_s"],
             "floor": measured["floor"]["messages_per_s"],
             "over_stock": round(measured["shipped"]["messages_per_s"] / measured["stock"]["messages_per_s"], 2),
             "over_floor": round(measured["shipped"]["messages_per_s"] / measured["floor"]["messages_per_s"], 2)}
            for measured in rounds if "stock" in measured]


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


def targets(report: dict) -> list[dict]:
    """The ratios of issue #13, each as measured, met or not."""
    single, levels = report["realistic"][0], {level["users"]: level for level in report["realistic"]}
    rows = [
        ("one user: p95 ≤ 2 × its own p50", single["p95_ms"] / single["p50_ms"], 2.0, "≤"),
    ]
    if 50 in levels:
        rows.append(("50 thinking users: p95 ≤ 3 × the one-user p50", levels[50]["p95_ms"] / single["p50_ms"], 3.0, "≤"))
    if report.get("stock"):
        rows.append(("saturation ≥ 3 × the stock bot's (median of the rounds)", report["saturation_over_stock"],
                     3.0, "≥"))
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
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="serve (and train) the code of another checkout of this project, e.g. a worktree "
                             "of an earlier commit with its own model, for a before/after with the same "
                             "generator and anchors (results/bench-checkout.json)")
    args = parser.parse_args()
    duration = 3.0 if args.quick else args.duration
    levels_users = [1, 5] if args.quick else [1, 10, 50, 100]
    open_rates = [2.0] if args.quick else [5.0, 10.0, 20.0, 40.0]
    model = Path(args.model).resolve()
    production = args.layout == "production"

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        checkout = args.checkout.resolve()
        env, addresses = demo_registry(workdir, checkout)
        training_s = None if args.quick else round(train_time(workdir / "models", checkout), 1)
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
            endpoints = shipped_endpoints(workdir, checkout)
        anchors: dict[str, AnchorBot] = {}
        stock_init_s = None
        if not (args.quick or args.no_anchor):
            stock_project, stock_init_s = init_stock_bot(workdir)
            floor_project = train_floor_bot(workdir)
        (workdir / "a").mkdir()
        servers = Servers(workdir / "a", env, model, endpoints_extra=endpoints, root=checkout)
        extra, nginx, shipped_saturation = [], None, None
        try:
            if stock_init_s is not None:  # one at a time: the finally below stops those that started
                anchors["stock"] = AnchorBot(stock_project)
                anchors["floor"] = AnchorBot(floor_project)
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
                second = Servers(workdir / "b", env, model, endpoints_extra=endpoints, root=checkout)
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
            rounds = []
            for number in range(SATURATION_ROUNDS if anchors else 1):
                measured = {}
                for name in (("shipped", "stock", "floor") if number % 2 == 0 else ("floor", "stock", "shipped")):
                    if name == "shipped":
                        measured[name] = measure_cpu(lambda: asyncio.run(run_level(
                            url, CONVERSATIONS, addresses, 3 if args.quick else 20, duration, None, seed=7)), busy)
                    elif anchors:
                        measured[name] = anchors[name].drive("saturation", duration)
                rounds.append(measured)
            saturation = median_level([measured["shipped"] for measured in rounds])
            open_loop = [asyncio.run(run_open_loop(url, CONVERSATIONS, addresses, rate, duration, seed=int(rate)))
                         for rate in open_rates]
            memory = {"rasa_mb": round(peak_rss_mb(servers.processes["rasa"].pid)),
                      "actions_mb": round(peak_rss_mb(servers.processes["actions"].pid))}
            for number, other in enumerate(extra, start=2):
                memory[f"rasa{number}_mb"] = round(peak_rss_mb(other.processes["rasa"].pid))
            stock = framework_floor = None
            if anchors:
                stock = {"init_and_training_s": round(stock_init_s, 1),
                         "single": anchors["stock"].drive("single", duration),
                         "fifty": anchors["stock"].drive("fifty", duration),
                         "saturation": median_level([measured["stock"] for measured in rounds]),
                         "rasa_mb": anchors["stock"].rss_mb()}
                framework_floor = {"saturation": median_level([measured["floor"] for measured in rounds]),
                                   "rasa_mb": anchors["floor"].rss_mb()}
        finally:
            for anchor in anchors.values():
                anchor.stop()
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
        "quick": args.quick, "model": model.name, "checkout": str(checkout), "cold_start_s": cold_start_s, "training_s": training_s,
        "peak_rss": memory, "realistic": realistic, "saturation": saturation, "open_loop": open_loop,
        "shipped_saturation": shipped_saturation, "stock": stock, "framework_floor": framework_floor,
        "nlu_only": floor,
        "saturation_rounds": round_ratios(rounds),
        "end_to_end_over_nlu_p50": round(single["p50_ms"] / floor["p50_ms"], 2) if floor["p50_ms"] else None,
    }
    if report["saturation_rounds"]:
        for key in ("over_stock", "over_floor"):
            report[f"saturation_{key}"] = statistics.median(row[key] for row in report["saturation_rounds"])
    report["targets"] = targets(report)
    RESULTS.mkdir(exist_ok=True)
    name = (("bench-quick" if args.quick else "bench") + ("-production" if production else "")
            + ("-checkout" if checkout != ROOT else ""))
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
              f"saturation {ceiling} msg/s (median of the rounds); {framework_floor['rasa_mb']} MB")
    for number, row in enumerate(report["saturation_rounds"], start=1):
        print(f"saturation round {number}: assistant {row['shipped']}, stock bot {row['stock']}, floor {row['floor']} "
              f"msg/s -> {row['over_stock']} × the stock bot, {row['over_floor']} × the floor")
    if report["saturation_rounds"]:
        print(f"median of the rounds: {report['saturation_over_stock']} × the stock bot, "
              f"{report['saturation_over_floor']} × the framework floor")
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
