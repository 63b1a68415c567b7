"""Two Rasa instances, one action server, deploy/'s SQL tracker store on PostgreSQL and the Redis lock
store (the machine's servers on 127.0.0.1): simulated users alternate between the instances,
concurrently. No lost or reordered event, no failed lock, every reply correct.

Run by `make test-scale` (and by .ci/run)."""
import asyncio
import time
import uuid

import aiohttp
import pytest
import redis
from sqlalchemy import create_engine, text

from bma import registry
from harness.servers import Servers, latest_model

pytestmark = pytest.mark.scale
from tests.conftest import PG_ADMIN_URL

REDIS_URL = ("127.0.0.1", 6379)
USERS = 24
REGISTRY_CSV = (
    "address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
    "po000002@adm.cfwb.be,yes,2024-10-14,2024-10-21,2024-11-11,2024-11-18\n"
    "ec000001@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n"
)
# (message, words the reply must contain)
CONVERSATION = [
    ("bonjour", "assistant automatique"),
    ("où en est ma boîte ?", "adresse de votre BMA"),
    ("po000002@adm.cfwb.be", "prévue le 18 novembre 2024"),
    ("j'ai perdu le nouveau mot de passe", "smail2_mode"),
    ("merci", "Je vous en prie"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_admin_url, redis_server):
    workdir = tmp_path_factory.mktemp("scale")
    name = f"bma_scale_{uuid.uuid4().hex[:8]}"
    prefix = f"bmascale{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    redis.Redis(*REDIS_URL).ping()
    db_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
    assert registry.import_csv(REGISTRY_CSV.encode(), db_url).ok
    registry.dispose_engines()
    endpoints = (
        f"tracker_store:\n  type: stores.sql_trackers.LeanSQLTrackerStore\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 5432\n"
        f"  username: postgres\n  db: {name}\n"
        f"lock_store:\n  type: stores.redis_locks.AtomicRedisLockStore\n  url: 127.0.0.1\n  port: 6379\n  db: 0\n  key_prefix: {prefix}\n"
    )
    env = {"BMA_DB_URL": db_url, "BMA_TODAY": "2024-11-15"}
    first = Servers(workdir / "a", env, latest_model(), endpoints_extra=endpoints)
    second = Servers(workdir / "b", env, latest_model(), endpoints_extra=endpoints)
    (workdir / "a").mkdir()
    (workdir / "b").mkdir()
    second.actions_port = first.actions_port  # one action server for both
    try:
        first.start_actions()
        first.start_rasa()
        second.start_rasa()
        yield first, second, name
    finally:
        first.stop()
        second.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        client = redis.Redis(*REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


async def converse(session, urls, sender, offset):
    replies = []
    for index, (message, _) in enumerate(CONVERSATION):
        url = urls[(index + offset) % 2]  # alternate instances on every message
        async with session.post(url, json={"sender": sender, "message": message}) as reply:
            assert reply.status == 200
            replies.append(" ".join(m.get("text", "") for m in await reply.json()))
    return replies


def test_users_alternating_between_two_instances(cluster):
    first, second, database = cluster
    urls = [s.rasa_url + "/webhooks/rest/webhook" for s in (first, second)]
    senders = [f"scale-{i}-{uuid.uuid4().hex[:6]}" for i in range(USERS)]

    async def run_all():
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            return await asyncio.gather(*(converse(session, urls, s, i) for i, s in enumerate(senders)))

    started = time.monotonic()
    results = asyncio.run(run_all())
    elapsed = time.monotonic() - started
    for sender, replies in zip(senders, results):
        for (message, expected), reply in zip(CONVERSATION, replies):
            assert expected in reply, (sender, message, reply[:200])

    engine = create_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}")
    with engine.connect() as conn:
        for sender in senders:
            user_texts = [row[0] for row in conn.execute(text(
                "SELECT data::json->>'text' FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                {"s": sender})]
            assert user_texts == [m for m, _ in CONVERSATION], (sender, user_texts)
            timestamps = [row[0] for row in conn.execute(text(
                "SELECT timestamp FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]
            assert timestamps == sorted(timestamps)
    engine.dispose()
    print(f"\n{USERS} users x {len(CONVERSATION)} messages over 2 instances in {elapsed:.1f} s: all correct")


def test_same_conversation_hit_on_both_instances_at_once(cluster):
    first, second, database = cluster
    urls = [s.rasa_url + "/webhooks/rest/webhook" for s in (first, second)]
    sender = f"race-{uuid.uuid4().hex[:6]}"

    async def race():
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            async def send(url, message):
                async with session.post(url, json={"sender": sender, "message": message}) as reply:
                    return reply.status, await reply.json()
            # A brand-new conversation, ten messages at once on both instances (a double-clicking user).
            return await asyncio.gather(*(send(urls[i % 2], "pourquoi cette migration ?") for i in range(10)))

    answers = asyncio.run(race())
    for status, body in answers:
        assert status == 200 and any("SMAIL2" in m.get("text", "") for m in body), (status, body)
    engine = create_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}")
    with engine.connect() as conn:
        rows = list(conn.execute(text(
            "SELECT type_name, action_name, data::json->>'text' FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender}))
        kinds = [row[0] for row in rows]
    engine.dispose()
    # The lock store serialises the turns: each user event is followed by its own answer.
    assert kinds.count("user") == 10, "\n".join(map(str, rows))
    turns = "".join("U" if k == "user" else "B" if k == "bot" else "" for k in kinds)
    assert turns == "UB" * 10, turns
