"""PrefixRedisTrackerStore on the machine's Redis: what Rasa's RedisTrackerStore would store."""
import asyncio
import time
import uuid

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from harness.servers import ROOT
from stores.redis_trackers import PrefixRedisTrackerStore

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def prefix(redis_server):
    value = f"bmatrk{uuid.uuid4().hex[:10]}"
    yield value
    client = redis.Redis("127.0.0.1", 6379)
    for key in client.scan_iter(f"{value}*"):
        client.delete(key)


def turn(text, reply, at):
    return [ActionExecuted("action_listen", timestamp=at),
            UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at + 0.1),
            ActionExecuted("utter_greet", timestamp=at + 0.2), BotUttered(reply, timestamp=at + 0.3)]


def session_start(at):
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at + 0.01)]


def stores(prefix):
    ours = PrefixRedisTrackerStore(DOMAIN, host="127.0.0.1", port=6379, db=0, key_prefix=f"{prefix}ours")
    rasas = RedisTrackerStore(DOMAIN, host="127.0.0.1", port=6379, db=0, key_prefix=f"{prefix}rasa")
    return ours, rasas


def count_rasa_merges(monkeypatch) -> dict:
    """How many times Rasa's own save (the merge) ran for our store."""
    merges = {"ours": 0}
    original = RedisTrackerStore.save

    async def counting_save(self, tracker, timeout=None):
        if isinstance(self, PrefixRedisTrackerStore):
            merges["ours"] += 1
        return await original(self, tracker, timeout)

    monkeypatch.setattr(RedisTrackerStore, "save", counting_save)
    return merges


def test_a_growing_conversation_is_saved_without_merge_and_reads_back_identically(prefix, monkeypatch):
    ours, rasas = stores(prefix)

    now = time.time()

    async def scenario(store):
        tracker = DialogueStateTracker.from_events("alice", session_start(now) + turn("bonjour", "Bonjour !", now + 1),
                                                   slots=DOMAIN.slots)
        await store.save(tracker)
        for step in range(2, 5):
            tracker = await store.retrieve("alice")
            tracker.update_with_events(turn(f"question {step}", f"réponse {step}", now + step) +
                                       [SlotSet("bma_address", "ec000001@adm.cfwb.be", timestamp=now + step + 0.4)],
                                       DOMAIN, override_timestamp=False)
            await store.save(tracker)
        return await store.retrieve_full_tracker("alice")

    merges = count_rasa_merges(monkeypatch)
    ours_tracker, rasa_tracker = asyncio.run(scenario(ours)), asyncio.run(scenario(rasas))
    assert merges["ours"] == 0  # every save of a growing conversation written directly
    assert [e.as_dict() for e in ours_tracker.events] == [e.as_dict() for e in rasa_tracker.events]
    assert len(ours_tracker.events) == 2 + 4 * 4 + 3
    assert ours_tracker.get_slot("bma_address") == "ec000001@adm.cfwb.be"


def test_a_second_session_keeps_the_first_one_through_rasas_merge(prefix, monkeypatch):
    ours, _ = stores(prefix)
    merges = count_rasa_merges(monkeypatch)

    async def scenario():
        now = time.time()
        first = session_start(now) + turn("bonjour", "Bonjour !", now + 1)
        await ours.save(DialogueStateTracker.from_events("bob", first, slots=DOMAIN.slots))
        latest = await ours.retrieve("bob")
        latest.update_with_events(session_start(now + 10) + turn("re-bonjour", "Re !", now + 11), DOMAIN, override_timestamp=False)
        await ours.save(latest)
        only_last = await ours.retrieve("bob")  # the latest session only, as Rasa gives it
        assert [e.text for e in only_last.events if isinstance(e, UserUttered)] == ["re-bonjour"]
        only_last.update_with_events(turn("merci", "Avec plaisir", now + 20), DOMAIN, override_timestamp=False)
        merges_before = merges["ours"]
        await ours.save(only_last)
        assert merges["ours"] == merges_before + 1  # not a prefix: Rasa's merge ran
        return await ours.retrieve_full_tracker("bob")

    full = asyncio.run(scenario())
    said = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert said == ["bonjour", "re-bonjour", "merci"]  # nothing lost, nothing doubled


def test_record_expiry_is_kept(prefix):
    store = PrefixRedisTrackerStore(DOMAIN, host="127.0.0.1", port=6379, db=0, key_prefix=f"{prefix}exp", record_exp=30)
    asyncio.run(store.save(DialogueStateTracker.from_events("carol", session_start(time.time()), slots=DOMAIN.slots)))
    ttl = redis.Redis("127.0.0.1", 6379).ttl(f"{prefix}exp:tracker:carol")
    assert 0 < ttl <= 30
