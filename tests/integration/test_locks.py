"""AtomicRedisLockStore on the machine's Redis: Rasa's ticket rules, atomic under concurrency."""
import asyncio
import threading
import time
import uuid

import pytest
import redis
from rasa.core.lock_store import LockError

from stores.redis_locks import AtomicRedisLockStore


@pytest.fixture
def store(redis_server):
    prefix = f"bmatest{uuid.uuid4().hex[:10]}"
    lock_store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    yield lock_store
    client = redis.Redis("127.0.0.1", 6379)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_tickets_follow_rasas_rules_and_format(store):
    assert store.issue_ticket("conv") == 0
    assert store.issue_ticket("conv") == 1
    lock = store.get_lock("conv")  # Rasa's own parser reads what the scripts wrote
    assert lock.conversation_id == "conv"
    assert [t.number for t in lock.tickets] == [0, 1]
    assert not lock.is_locked(0) and lock.is_locked(1)
    assert all(t.expires > time.time() + 50 for t in lock.tickets)
    store.cleanup("conv", 0)
    lock = store.get_lock("conv")
    assert [t.number for t in lock.tickets] == [1] and not lock.is_locked(1)
    store.cleanup("conv", 1)
    assert store.get_lock("conv") is None  # nobody waits: the lock is gone
    assert store.issue_ticket("conv") == 0


def test_expired_tickets_are_dropped(store):
    assert store.issue_ticket("late", lock_lifetime=0.05) == 0
    assert store.issue_ticket("late", lock_lifetime=60) == 1
    time.sleep(0.1)
    store.update_lock("late")
    assert [t.number for t in store.get_lock("late").tickets] == [1]
    store.cleanup("late", 1)
    assert store.get_lock("late") is None
    assert store.issue_ticket("late", lock_lifetime=0.05) == 0
    time.sleep(0.1)
    assert store.issue_ticket("late") == 0  # the expired one no longer counts


def test_concurrent_tickets_are_unique(store):
    numbers, errors = [], []

    def take(n):
        other = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=store.key_prefix.split(":")[0])
        for _ in range(n):
            try:
                numbers.append(other.issue_ticket("busy"))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=take, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == list(range(200))
    assert len(store.get_lock("busy").tickets) == 200


def test_messages_of_one_conversation_are_served_one_at_a_time(store):
    order = []

    async def handle(name):
        async with store.lock("conv", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    async def main():
        await asyncio.gather(*(handle(n) for n in "abc"))

    asyncio.run(main())
    assert [entry.split()[1] for entry in order] == ["in", "out"] * 3
    assert store.get_lock("conv") is None


def test_unreachable_redis_is_a_lock_error():
    dead = AtomicRedisLockStore(host="127.0.0.1", port=1, db=0, key_prefix="bmadead", socket_timeout=1)
    with pytest.raises(LockError):
        dead.issue_ticket("conv")
