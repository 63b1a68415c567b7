"""The actions record what they decided (bma/decisions.py) in their replies' metadata; the analytics
read it back from the events Rasa's SQL event broker writes (analytics/decisions.py), never from
the registry, which may have changed since; events recorded before count as « non enregistré »;
questions the FAQ does not answer have one store, the inbox."""
import asyncio
import datetime as dt

import pytest
from rasa.core.actions.action import create_bot_utterance
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from actions import faq, handoff
from analytics import ingest, out_of_faq
from analytics.config import AnalyticsConfig
from analytics.db import DailyCount, InboxMessage, analytics_engine
from analytics.decisions import answer_phase, recorded_counts
from bma import decisions
from bma.answers import Situation
from bma.decisions import FALLBACK_MARK, UNRECORDED
from bma.phases import CampaignPeriod
from bma.replies import ASSISTANT, Reply
from bma.secrets import mask_json
from rasa_patches import action_fallback
from tests.conftest import registry_for_actions

ROWS = ("address,in_mode,email1_date,email2_date,email3_date,migration_date\n"
        "ec000001@adm.cfwb.be,yes,2024-11-04,2024-11-11,2024-12-02,2024-12-09\n")
ADDRESS = "ec000001@adm.cfwb.be"  # on 2024-11-20: password sent (e-mail 2)


@pytest.fixture(autouse=True)
def small_registry(monkeypatch, sqlite_url):
    yield from registry_for_actions(monkeypatch, sqlite_url, ROWS)


def user(text, intent, confidence=0.99, entities=()):
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": intent, "confidence": confidence}, "entities": list(entities),
        "intent_ranking": [{"name": intent, "confidence": confidence}]}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def run(action, events, slots):
    latest = next((e["parse_data"] | {"text": e["text"]} for e in reversed(events) if e["event"] == "user"), {})
    tracker = Tracker("conv-1", slots, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages


# --- what the actions record --------------------------------------------------------------------------
def test_the_handoff_records_its_desk_phase_and_period():
    events = [user("j'ai perdu le nouveau mot de passe", "faq_lost_new_password"), slot("topic", "faq_lost_new_password"),
              user("je veux parler à quelqu'un", "human_handoff")]
    (message,) = run(handoff.ActionHumanHandoff(), events, {"bma_address": ADDRESS, "topic": "faq_lost_new_password"})
    recorded = message["bma_decision"]
    assert recorded["topic"] == "human_handoff" and recorded["desks"] == ["etnic"]
    assert (recorded["lookup"], recorded["phase"], recorded["period"]) == ("found", "password_sent", "during")
    assert recorded["sources"] and recorded["address_given"] is False  # the address was given turns ago
    assert ADDRESS not in repr(recorded)  # identifiers only
    assert mask_json({"bma_decision": recorded}) == {"bma_decision": recorded}  # left as is by the masker


def test_an_address_just_given_is_flagged_once_per_turn():
    events = [user("j'ai perdu le nouveau mot de passe", "faq_lost_new_password"),
              user(f"qu'est-ce qui change ? {ADDRESS}", "faq_what_changes",
                   entities=[{"entity": "bma_address", "value": ADDRESS}]), slot("bma_address", ADDRESS)]
    messages = run(faq.ActionAnswerFaq(), events, {"bma_address": ADDRESS})
    assert len(messages) == 2  # the general answer, then the mailbox's state
    assert [m["bma_decision"]["address_given"] for m in messages] == [True, False]
    assert messages[1]["bma_decision"]["topic"] == "check_migration_status"
    assert messages[1]["bma_decision"]["phase"] == "password_sent"


def test_a_faq_answer_records_the_desks_it_names_and_an_unknown_address():
    events = [user("ancien mot de passe perdu", "faq_lost_old_password"), slot("bma_address", "ec777777@adm.cfwb.be")]
    (message,) = run(faq.ActionAnswerFaq(), events, {"bma_address": "ec777777@adm.cfwb.be"})
    recorded = message["bma_decision"]
    assert recorded["lookup"] == "not_found" and recorded["phase"] is None and recorded["address_given"]
    assert set(recorded["desks"]) == {"sgne", "enseignement_be"}
    assert decisions.looked_up_phase(recorded) == "unknown"


def test_the_fallback_of_rasa_patches_records_a_decision_with_the_one_marker():
    assert action_fallback.FALLBACK_MARK is decisions.FALLBACK_MARK
    reply = action_fallback.fallback_reply("action_human_handoff", "human_handoff", "un humain svp")
    recorded = action_fallback.fallback_decision("action_human_handoff", "human_handoff", reply)
    assert decisions.is_recorded(recorded) and recorded["topic"] == "human_handoff"
    assert recorded["desks"] == ["sgne", "etnic"] and recorded["lookup"] is None


def test_a_decision_holds_identifiers_only():
    recorded = decisions.decision(Reply("Bonjour", [("Statut", "/check_migration_status")], [ASSISTANT]), "greet",
                                  period=CampaignPeriod.OVER)
    assert recorded == {"topic": "greet", "sub": None, "sources": ["assistant"], "offers": ["/check_migration_status"],
                        "desks": [], "period": "over", "lookup": None, "phase": None, "address_given": False}


# --- what the analytics read from real broker rows ----------------------------------------------------
def publish(path, sender, events):
    """The rows Rasa's own SQL event broker writes (one per event, its JSON with the sender id)."""
    broker = SQLEventBroker(dialect="sqlite", db=str(path))
    for event in events:
        broker.publish({"sender_id": sender, **event.as_dict()})
    broker.engine.dispose()


def bot(message: dict, ts: float) -> BotUttered:
    """The BotUttered Rasa makes of an action server's message (RemoteAction)."""
    event = create_bot_utterance(dict(message))
    event.timestamp = ts
    return event


def counts(url) -> dict:
    with Session(analytics_engine(url), future=True) as db:
        return {(m, k): n for m, k, n in db.execute(select(DailyCount.metric, DailyCount.key, DailyCount.count))}


def config(sqlite_url, events):
    return AnalyticsConfig(db_url=sqlite_url, events_url=f"sqlite:///{events}", timezone="Europe/Brussels", low_confidence=0.7)


def test_the_aggregation_counts_the_recorded_desk_and_phase_not_the_registry_of_today(tmp_path, sqlite_url):
    ts = dt.datetime(2024, 11, 20, 10, tzinfo=dt.timezone.utc).timestamp()
    turn = [user("j'ai perdu le nouveau mot de passe", "faq_lost_new_password"), slot("bma_address", ADDRESS)]
    (answer,) = run(faq.ActionAnswerFaq(), turn, {"bma_address": ADDRESS})
    (handed,) = run(handoff.ActionHumanHandoff(), [*turn, slot("topic", "faq_lost_new_password"),
                                                   user("un humain", "human_handoff")],
                    {"bma_address": ADDRESS, "topic": "faq_lost_new_password"})
    publish(tmp_path / "events.sqlite3", "conv-1", [
        UserUttered("j'ai perdu le nouveau mot de passe", {"name": "faq_lost_new_password", "confidence": 0.99},
                    timestamp=ts),
        SlotSet("bma_address", ADDRESS, timestamp=ts), ActionExecuted("action_answer_faq", timestamp=ts + 1),
        bot(answer, ts + 1), SlotSet("topic", "faq_lost_new_password", timestamp=ts + 1),
        UserUttered("un humain", {"name": "human_handoff", "confidence": 0.99}, timestamp=ts + 2),
        ActionExecuted("action_human_handoff", timestamp=ts + 3), bot(handed, ts + 3)])
    # Since then the registry changed: the address is gone. What was decided stands.
    with analytics_engine(sqlite_url).begin() as conn:
        conn.execute(text("DELETE FROM mailboxes"))
    assert ingest.ingest_batch(config(sqlite_url, tmp_path / "events.sqlite3")) == 8
    found = counts(sqlite_url)
    assert found[("handoff", "")] == 1 and found[("handoff_desk", "etnic")] == 1
    assert found[("lookup_phase", "password_sent")] == 1
    assert not any(key == UNRECORDED for _, key in found)


def test_events_recorded_before_count_as_unrecorded(tmp_path, sqlite_url):
    ts = dt.datetime(2024, 11, 20, 10, tzinfo=dt.timezone.utc).timestamp()
    old = {"topic": "check_migration_status", "sub": None, "sources": ["registry"], "offers": []}
    publish(tmp_path / "events.sqlite3", "conv-old", [
        UserUttered(ADDRESS, {"name": "inform", "confidence": 0.99}, timestamp=ts),
        SlotSet("bma_address", ADDRESS, timestamp=ts), ActionExecuted("action_answer_faq", timestamp=ts),
        BotUttered("Votre boîte…", metadata={"bma_decision": old}, timestamp=ts),
        UserUttered("un humain", {"name": "human_handoff", "confidence": 0.99}, timestamp=ts + 1),
        ActionExecuted("action_human_handoff", timestamp=ts + 1),
        BotUttered("Contactez…", metadata={"bma_decision": {**old, "topic": "human_handoff"}}, timestamp=ts + 1),
        UserUttered("encore", {"name": "human_handoff", "confidence": 0.99}, timestamp=ts + 2),
        ActionExecuted("action_human_handoff", timestamp=ts + 2),
        BotUttered("Réponse de secours", metadata={FALLBACK_MARK: True}, timestamp=ts + 2)])
    ingest.ingest_batch(config(sqlite_url, tmp_path / "events.sqlite3"))
    found = counts(sqlite_url)
    assert found[("handoff", "")] == 2 and found[("handoff_desk", UNRECORDED)] == 2
    assert found[("lookup_phase", UNRECORDED)] == 1 and found[("error", "action_server")] == 1
    assert not any(metric == "handoff_desk" and key != UNRECORDED for metric, key in found)


def test_recorded_counts_and_answer_phase_rules():
    new = decisions.decision(Reply("x", [], [ASSISTANT]), "human_handoff", desks=("sgne", "etnic"), lookup="found",
                             phase="migrated", address_given=True)
    assert recorded_counts(new, "action_human_handoff", ADDRESS) == [
        ("handoff_desk", "sgne"), ("handoff_desk", "etnic"), ("lookup_phase", "migrated")]
    assert recorded_counts(None, "action_answer_faq", ADDRESS) == []  # a template's reply decides nothing
    assert answer_phase(new, ADDRESS, None) == ("migrated", "migrated")
    assert answer_phase(None, ADDRESS, "migrated") == ("migrated", "migrated")  # a later reply, same mailbox
    assert answer_phase(None, ADDRESS, None) == (UNRECORDED, None)
    assert answer_phase(None, None, None) == (None, None)
    down = {**new, "lookup": "unavailable", "phase": None}
    assert answer_phase(down, ADDRESS, None) == (None, None)


# --- one store for the questions the FAQ does not answer ------------------------------------------------
def test_a_question_outside_the_faq_goes_to_the_inbox_only(tmp_path, sqlite_url):
    question = "Y aura-t-il une formation pour utiliser Exchange ?"
    (message,) = run(faq.ActionAnswerFaq(), [user(question, "faq_not_covered", 0.8)], {})
    with analytics_engine(sqlite_url).connect() as conn:  # the action server stores nothing
        assert conn.execute(select(InboxMessage)).all() == []
    ts = dt.datetime(2024, 11, 20, 10, tzinfo=dt.timezone.utc).timestamp()
    publish(tmp_path / "events.sqlite3", "conv-2", [
        UserUttered(question, {"name": "faq_not_covered", "confidence": 0.8}, timestamp=ts),
        ActionExecuted("action_answer_faq", timestamp=ts), bot(message, ts)])
    ingest.ingest_batch(config(sqlite_url, tmp_path / "events.sqlite3"))
    assert [(m.text, m.reasons) for m in out_of_faq.out_of_faq(sqlite_url)] == [(question, "not_covered")]


def test_situation_period_is_what_the_decision_records():
    assert Situation(dt.date(2025, 3, 1)).period is CampaignPeriod.OVER


def test_the_out_of_faq_command_lists_the_inboxs_questions(sqlite_url, tmp_path, capsys):
    day = dt.datetime(2024, 11, 20, 10)
    with Session(analytics_engine(sqlite_url), future=True) as db, db.begin():
        db.execute(insert(InboxMessage).values(
            event_id=7, received_at=day, day=day.date(), text="les archives de 2010 seront-elles gardées ?",
            group_key="archives 2010 gardees", reasons="low_confidence,not_covered"))
        db.execute(insert(InboxMessage).values(
            event_id=8, received_at=day, day=day.date(), text="bonjour", group_key="bonjour", reasons="fallback"))
    assert out_of_faq.main(["--db-url", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert out == "#7 2024-11-20 10:00 les archives de 2010 seront-elles gardées ?\n"
    assert out_of_faq.main(["--db-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}"]) == 0
    assert capsys.readouterr().out == "Aucune question hors FAQ.\n"
