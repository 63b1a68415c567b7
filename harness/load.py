"""The simulated users of `make bench` (scripts/bench.py): multi-turn conversations over REST,
every message with the answer it must get; closed loop (users thinking between messages) and open
loop (Poisson arrivals); the CPU and memory of the servers; the summaries (percentiles, errors)."""
from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time
import uuid
from pathlib import Path

import aiohttp

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
