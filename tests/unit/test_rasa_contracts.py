"""The contracts of rasa_patches/internals.py against the installed Rasa (3.6.21): every internal the
project relies on exists with the parameters it uses, Rasa's tables have the columns our plain SQL
reads and writes, the Redis keys and the stored lock and tracker are in the format our code writes,
and no private Rasa name reaches project code without an entry in ``INTERNALS``.
No service needed (SQLite files under tmp_path, an in-memory stand-in for the Redis client)."""
from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
import types
from pathlib import Path

import pytest
import sqlalchemy

import rasa_patches
from rasa_patches.internals import INTERNALS, Internal, InternalChanged, problems, resolve, verify

ROOT = Path(__file__).resolve().parents[2]
BY_TARGET = {internal.target: internal for internal in INTERNALS}


def entry(target: str) -> Internal:
    return BY_TARGET[target]


def test_the_guard_names_the_verified_version_and_the_table():
    import rasa

    assert rasa.__version__ == rasa_patches.VERIFIED_RASA_VERSION == "3.6.21"
    assert "internals.py" in (rasa_patches.__doc__ or "")
    with pytest.raises(rasa_patches.UnverifiedRasaVersion, match="rasa_patches/internals.py"):
        rasa_patches.check_version("3.7.0")
    assert len({i.target for i in INTERNALS}) == len(INTERNALS)


# --- names and signatures ----------------------------------------------------------------------------

@pytest.mark.parametrize("internal", INTERNALS, ids=lambda i: i.target)
def test_internal_exists_with_the_parameters_the_project_uses(internal):
    found = resolve(internal)
    if internal.params is not None:
        assert tuple(inspect.signature(found).parameters) == internal.params
    if internal.source:
        assert inspect.getsourcefile(found).replace("\\", "/").endswith("site-packages/" + internal.source)


def test_verify_names_what_changed(monkeypatch):
    verify()
    from rasa.core.tracker_store import SQLTrackerStore

    def _event_query(self, session, sender_id, all_sessions):  # a renamed parameter
        raise AssertionError

    monkeypatch.setattr(SQLTrackerStore, "_event_query", _event_query)
    assert problems() == ["rasa.core.tracker_store:SQLTrackerStore._event_query: parameters "
                          "('self', 'session', 'sender_id', 'all_sessions'), expected "
                          "('self', 'session', 'sender_id', 'fetch_events_from_all_sessions')"]
    with pytest.raises(InternalChanged, match="_event_query"):
        verify()
    monkeypatch.delattr(SQLTrackerStore, "_event_query")
    with pytest.raises(rasa_patches.UnverifiedRasaVersion, match="_event_query: missing"):
        verify()


class FakeRedis:
    """What Rasa's Redis stores call on their client, in memory."""

    def __init__(self):
        self.data, self.expiry = {}, {}

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self.data[key] = value.encode() if isinstance(value, str) else value
        self.expiry[key] = ex

    def delete(self, key):
        return int(self.data.pop(key, None) is not None)

    def keys(self, pattern):
        return [k for k in self.data if k.startswith(pattern.rstrip("*"))]


def instance_of(target: str, tmp_path: Path):
    """An instance of the class of ``target``, built as Rasa builds it (no server: Redis clients
    connect lazily, SQL stores on a SQLite file)."""
    if target.startswith("rasa.engine.runner.dask:DaskGraphRunner"):
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.runner.dask import DaskGraphRunner
        from rasa.engine.storage.local_model_storage import LocalModelStorage

        schema = GraphSchema({})
        return DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema, "contract"), [])
    if target.startswith("rasa.core.tracker_store:SQLTrackerStore"):
        from rasa.core.tracker_store import SQLTrackerStore

        return SQLTrackerStore(None, dialect="sqlite", db=str(tmp_path / "tracker.sqlite3"))
    if target.startswith("rasa.core.tracker_store:RedisTrackerStore"):
        from rasa.core.tracker_store import RedisTrackerStore

        return RedisTrackerStore(None, host="127.0.0.1", record_exp=60, key_prefix="bma")
    if target.startswith("rasa.core.lock_store:RedisLockStore"):
        from rasa.core.lock_store import RedisLockStore

        return RedisLockStore(host="127.0.0.1", key_prefix="bma")
    if target.startswith("rasa.core.brokers.sql:SQLEventBroker"):
        from rasa.core.brokers.sql import SQLEventBroker

        return SQLEventBroker(dialect="sqlite", db=str(tmp_path / "events.sqlite3"))
    if target.startswith("rasa.core.channels.socketio:SocketIOInput"):
        from rasa.core.channels.socketio import SocketIOInput

        return SocketIOInput()
    if target.startswith("rasa.nlu.classifiers.logistic_regression_classifier:LogisticRegressionClassifier"):
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

        return LogisticRegressionClassifier.create(
            LogisticRegressionClassifier.get_default_config(), LocalModelStorage(tmp_path), Resource("contract"),
            ExecutionContext(GraphSchema({}), "contract"))
    raise AssertionError(f"no instance for {target}: add one here")


@pytest.mark.parametrize("internal", [i for i in INTERNALS if i.attributes], ids=lambda i: i.target)
def test_instances_carry_the_attributes_the_project_reads(internal, tmp_path):
    made = instance_of(internal.target, tmp_path)
    missing = [name for name in internal.attributes if not hasattr(made, name)]
    assert not missing, f"{internal.target}: instances no longer have {missing}"


def test_rasa_still_calls_what_the_project_overrides_or_replaces():
    import rasa.cli.run
    import rasa.server
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier as LRC

    # An override nobody calls would be silently dead.
    assert "self._create_X(" in inspect.getsource(LRC.process)  # and in train, through its data preparation:
    assert inspect.getsource(LRC).count("self._create_X(") == 2
    assert "self._validate_action_result(" in inspect.getsource(sys.modules[RemoteAction.__module__])  # not the patched run
    assert inspect.getsource(rasa.server).count("await _load_agent(") >= 2  # a module global, looked up per call
    assert "set_defaults(func=run)" in inspect.getsource(rasa.cli.run.add_subparser)
    assert "self._event_query(" in inspect.getsource(SQLTrackerStore._additional_events)
    assert "await self.stream_events(tracker)" in inspect.getsource(RedisTrackerStore.save)


def test_rasas_copies_in_the_log_copies_modules_are_only_arguments_of_debug_logs():
    import ast
    import importlib

    from rasa_patches import log_copies

    for name in log_copies.MODULES:
        tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        in_debug_logs = {id(inner) for node in ast.walk(tree)
                         if isinstance(node, ast.Call) and ast.unparse(node.func) == "structlogger.debug"
                         for inner in ast.walk(node)}
        uses = [node for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "copy"]
        assert uses, f"{name} no longer copies: drop it from log_copies.MODULES"
        assert not [ast.unparse(n) for n in uses if id(n) not in in_debug_logs], f"{name} copies for its own use"
        assert any(isinstance(n, ast.Import) and [a.name for a in n.names] == ["copy"] for n in tree.body)


def test_the_rule_policy_looks_twice_with_states_only_create_states_builds():
    from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.utils.common import all_subclasses

    from rasa_patches import rule_policy

    source = inspect.getsource(rule_policy.RASA_PREDICT)
    assert source.count("self._find_action_from_rules(") == 2
    assert "await" not in source and not inspect.iscoroutinefunction(rule_policy.RASA_PREDICT)
    assert not [c for c in all_subclasses(TrackerFeaturizer) if "_create_states" in vars(c)]
    assert isinstance(inspect.getattr_static(TrackerFeaturizer, "_create_states"), staticmethod)
    applicable = inspect.getsource(RulePolicy._is_rule_applicable)
    assert "if turn_index >= len(reversed_rule_states):\n            return True" in applicable
    assert "self._is_rule_applicable(_key, i, state)" in inspect.getsource(rule_policy.RASA_GET_POSSIBLE_KEYS)
    featurizers = inspect.getsource(sys.modules[TrackerFeaturizer.__module__])
    assert "self._choose_last_user_input(trackers_as_states, use_text_for_last_user_input)" in featurizers


def test_an_endpoint_request_hands_its_json_body_to_the_session():
    from rasa.utils.endpoints import EndpointConfig

    source = inspect.getsource(EndpointConfig.request)
    assert "async with self.session() as session:" in source and "**kwargs," in source


def test_the_response_schema_has_one_branch_per_event_name():
    from rasa.core.actions.action import RemoteAction

    from rasa_patches import action_validation

    action_validation.install(type("Contract", (RemoteAction,), {}))  # its asserts hold


# --- tables ------------------------------------------------------------------------------------------

def columns_of(url: str) -> dict[str, object]:
    engine = sqlalchemy.create_engine(url)
    try:
        return {c["name"]: c["type"] for c in sqlalchemy.inspect(engine).get_columns("events")}
    finally:
        engine.dispose()


def test_the_tracker_table_has_the_columns_our_sql_uses(tmp_path):
    from analytics import privacy
    from channels.teams import MAX_CONVERSATION_ID
    from stores import sql_trackers

    instance_of("rasa.core.tracker_store:SQLTrackerStore", tmp_path).engine.dispose()
    columns = columns_of(f"sqlite:///{tmp_path / 'tracker.sqlite3'}")  # as Rasa created it
    assert tuple(columns) == entry("rasa.core.tracker_store:SQLTrackerStore.SQLEvent").columns
    assert columns["sender_id"].length == MAX_CONVERSATION_ID == 255
    inserted = re.search(r"INSERT INTO events \(([^)]*)\)", str(sql_trackers.INSERT_EVENT)).group(1)
    assert {c.strip() for c in inserted.split(",")} <= set(columns)
    kept = next(k for k in privacy.KEPT if k.key == "tracker_events")
    assert kept.table == "events" and {*kept.columns, kept.clock} <= set(columns)
    assert {"id", "data"} <= set(columns)  # bma/remask.py: SELECT id, data / UPDATE … WHERE id
    assert str(columns["timestamp"]).upper() in ("FLOAT", "REAL")  # a Unix time (analytics.privacy.UNIX)


def test_the_broker_table_is_the_one_the_console_declares(tmp_path):
    from analytics import privacy
    from analytics.db import broker_events

    instance_of("rasa.core.brokers.sql:SQLEventBroker", tmp_path).engine.dispose()
    columns = columns_of(f"sqlite:///{tmp_path / 'events.sqlite3'}")
    assert tuple(columns) == entry("rasa.core.brokers.sql:SQLEventBroker.SQLBrokerEvent").columns
    assert tuple(broker_events.c.keys()) == tuple(columns) and broker_events.name == "events"
    assert columns["sender_id"].length == broker_events.c.sender_id.type.length == 255
    kept = next(k for k in privacy.KEPT if k.key == "broker_events")
    assert kept.table == "events" and set(kept.columns) <= set(columns)


def test_a_published_event_is_one_row_of_its_json(tmp_path):
    from stores.sql_brokers import LeanSQLEventBroker

    event = {"sender_id": "anne", "event": "user", "timestamp": 1.5, "text": "bonjour"}
    rows = {}
    for name, broker in (("rasa", instance_of("rasa.core.brokers.sql:SQLEventBroker", tmp_path)),
                         ("ours", LeanSQLEventBroker(dialect="sqlite", db=str(tmp_path / "ours.sqlite3")))):
        broker.publish(event)
        with broker.engine.connect() as conn:
            rows[name] = conn.execute(sqlalchemy.text("SELECT id, sender_id, data FROM events")).all()
        broker.engine.dispose()
    assert rows["rasa"] == rows["ours"] == [(1, "anne", json.dumps(event))]


def normalised(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def test_the_latest_session_query_is_rasas_event_query(tmp_path):
    from stores.sql_trackers import LATEST_SESSION

    store = instance_of("rasa.core.tracker_store:SQLTrackerStore", tmp_path)
    with store.session_scope() as session:
        query = store._event_query(session, "SENDER", fetch_events_from_all_sessions=False)
        compiled = str(query.statement.compile(store.engine, compile_kwargs={"literal_binds": True}))
    store.engine.dispose()
    rasa_from = "FROM " + normalised(compiled).split(" FROM ", 1)[1]
    rasa_from = rasa_from.replace("anon_1", "latest").replace("max(events.timestamp)", "max(timestamp)")
    rasa_from = rasa_from.replace("FROM events WHERE events.sender_id = 'SENDER' AND events.type_name",
                                  "FROM events WHERE sender_id = 'SENDER' AND type_name")
    ours = normalised(LATEST_SESSION).replace(":sender_id", "'SENDER'")
    assert rasa_from == f"{ours} ORDER BY events.id"


def test_the_sql_url_is_the_one_rasa_opens(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore

    from analytics import privacy
    from bma import remask

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: /srv/bma/tracker.sqlite3\n")
    rasas = str(SQLTrackerStore.get_db_url("sqlite", db="/srv/bma/tracker.sqlite3"))
    assert remask.tracker_url_from_endpoints(str(endpoints)) == rasas
    assert privacy.tracker_url({"BMA_ENDPOINTS": str(endpoints)}) == rasas
    endpoints.write_text("tracker_store:\n  type: stores.sql_trackers.LeanSQLTrackerStore\n  dialect: postgresql\n"
                         "  url: db.example\n  port: 5433\n  db: bma\n  username: rasa\n  password: secret\n")
    rasas = SQLTrackerStore.get_db_url("postgresql", "db.example", 5433, "bma", "rasa", "secret").render_as_string(
        hide_password=False)
    assert remask.tracker_url_from_endpoints(str(endpoints)) == rasas
    assert privacy.tracker_url({"BMA_ENDPOINTS": str(endpoints)}) == rasas


def test_an_events_json_starts_with_its_timestamp():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    from analytics.retention import TIMESTAMP_RE

    parse_data = {"intent": {"name": "greet", "confidence": 1.0}, "timestamp": 5.0}
    for made in (UserUttered("bonjour", parse_data["intent"], parse_data=parse_data, timestamp=1.25,
                             metadata={"timestamp": 9.0}),
                 BotUttered("réponse", metadata={"timestamp": 9.0}, timestamp=1.25),
                 SlotSet("bma_address", "x", timestamp=1.25, metadata={"timestamp": 9.0}),
                 ActionExecuted("action_listen", timestamp=1.25, metadata={"timestamp": 9.0}),
                 SessionStarted(timestamp=1.25, metadata={"timestamp": 9.0})):
        data = made.as_dict()
        assert list(data)[:2] == ["event", "timestamp"], type(made).__name__
        stored = json.dumps({"sender_id": "anne", **data})  # as the broker publishes it
        assert float(TIMESTAMP_RE.search(stored).group(1)) == 1.25, type(made).__name__


# --- Redis: keys and formats -------------------------------------------------------------------------

def test_the_lock_key_and_ticket_format_are_what_the_lua_scripts_write(tmp_path):
    from rasa.core.lock import NO_TICKET_ISSUED, TicketLock

    store = instance_of("rasa.core.lock_store:RedisLockStore", tmp_path)
    assert store.key_prefix == "bma:lock:"
    store.red = FakeRedis()
    assert store.issue_ticket("conv", lock_lifetime=60) == NO_TICKET_ISSUED + 1 == 0  # the scripts' first number
    assert store.issue_ticket("conv", lock_lifetime=60) == 1  # the last live one + 1
    assert list(store.red.data) == ["bma:lock:conv"]
    stored = json.loads(store.red.data["bma:lock:conv"])
    assert set(stored) == {"conversation_id", "tickets"} and stored["conversation_id"] == "conv"
    tickets = [json.loads(t) for t in stored["tickets"]]  # each ticket a JSON string inside the JSON
    assert [set(t) for t in tickets] == [{"number", "expires"}] * 2 and [t["number"] for t in tickets] == [0, 1]
    # What the Lua scripts save (cjson, any key order), read back by Rasa's own get_lock.
    store.red.data["bma:lock:other"] = json.dumps({"tickets": [json.dumps({"expires": 4e9, "number": 3})],
                                                   "conversation_id": "other"}).encode()
    lock = store.get_lock("other")
    assert isinstance(lock, TicketLock) and lock.conversation_id == "other"
    assert [(t.number, t.expires) for t in lock.tickets] == [(3, 4e9)] and not lock.is_locked(3)
    store.delete_lock("other")
    assert "bma:lock:other" not in store.red.data


def test_the_tracker_key_and_value_are_what_our_redis_store_writes(tmp_path):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from stores.redis_trackers import PrefixRedisTrackerStore

    tracker = DialogueStateTracker.from_events("anne", [ActionExecuted("action_listen", timestamp=1.0),
                                                        UserUttered("bonjour", {"name": "greet"}, timestamp=2.0)])
    stored = {}
    for name, store in (("rasa", instance_of("rasa.core.tracker_store:RedisTrackerStore", tmp_path)),
                        ("ours", PrefixRedisTrackerStore(None, host="127.0.0.1", record_exp=60, key_prefix="bma"))):
        assert store.key_prefix == "bma:tracker:"
        store.red = FakeRedis()
        asyncio.run(store.save(tracker))
        asyncio.run(store.save(tracker))  # the second time over a stored conversation
        stored[name] = (store.red.data, store.red.expiry)
    assert stored["rasa"] == stored["ours"]
    data, expiry = stored["rasa"]
    assert data == {"bma:tracker:anne": json.dumps(tracker.as_dialogue().as_dict()).encode()}
    assert expiry == {"bma:tracker:anne": 60}


# --- channels, components --------------------------------------------------------------------------

def test_the_socketio_bubbles_are_the_ones_the_console_counts():
    from rasa.core.channels.socketio import SocketIOOutput

    from feedback import votes as feedback

    emitted = []

    class Sio:
        async def emit(self, event, data=None, room=None, **kwargs):
            emitted.append((event, data, room))

    text = "  Première bulle.\n\nDeuxième\nligne.\n\nTroisième.  "
    asyncio.run(SocketIOOutput(Sio(), "bot_uttered").send_text_message("sid", text))
    assert [(e, r) for e, _, r in emitted] == [("bot_uttered", "sid")] * 3
    assert [d["text"] for _, d, _ in emitted] == feedback.bubbles(text)


def test_the_socket_blueprint_is_a_sanic_blueprint_for_the_sio_server():
    from rasa.core.channels.socketio import SocketBlueprint
    from sanic import Blueprint
    from socketio import AsyncServer

    sio = AsyncServer(async_mode="sanic")
    blueprint = SocketBlueprint(sio, "/socket.io", "contract_socketio", __name__)
    assert isinstance(blueprint, Blueprint) and blueprint.name == "contract_socketio"
    assert blueprint.ctx.sio is sio and blueprint.ctx.socketio_path == "/socket.io"  # attached at registration


def test_the_server_app_holds_the_agent_in_its_context(monkeypatch):
    import rasa.core.agent
    import rasa.core.run

    agent = object()

    async def load_agent(*args, **kwargs):
        return agent

    monkeypatch.setattr(rasa.core.agent, "load_agent", load_agent)
    app = types.SimpleNamespace(ctx=types.SimpleNamespace())
    assert asyncio.run(rasa.core.run.load_agent_on_start("m.tar.gz", None, None, app, None)) is agent
    assert app.ctx.agent is agent  # what channels/teams.py reads (request.app.ctx.agent)


def test_spacy_documents_are_stored_under_the_key_the_classifier_reads():
    import spacy
    from rasa.nlu.constants import SPACY_DOCS
    from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    model = SpacyModel(model=spacy.blank("fr"), model_name="fr")
    with pytest.raises(Exception, match="Failed to load SpaCy language model"):
        SpacyNLP.ensure_proper_language_model(model.model)  # a stub, not loaded from disk
    component = SpacyNLP(model, {**SpacyNLP.get_default_config(), "model": "fr"})
    message = Message.build("bonjour, ma boîte bma ?")
    component.process([message], model)
    assert message.get(SPACY_DOCS[TEXT]).text == "bonjour, ma boîte bma ?"


# --- no private Rasa name outside the inventory ------------------------------------------------------

INVENTORY = "rasa_patches/internals.py"  # the list itself
SKIPPED_DIRS = {"tests", ".venv", "node_modules", "models", "var", "results", ".git", "web", "__pycache__"}
# The project's own attributes that happen to share a name with a private one of Rasa: not Rasa's.
OWN_NAMES = {
    "_model_storage": {"components/tfidf_intent_classifier.py"},  # set in its own __init__
    "_resource": {"components/tfidf_intent_classifier.py"},  # set in its own __init__
    "_progress": {"bma/registry/csv_import.py"},  # its own helper
}
RASA_TABLES_RE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE|EXISTS|ON)\s+events\b|\bbroker_events\b"
                            r"|\bSQL(?:Broker)?Event\b|\b(?:Table|Kept)\([^)]*?[\"']events[\"']")
RASA_REDIS_RE = re.compile(r"\.key_prefix\b|[\"'](?:lock|tracker):[\"']|\bTicketLock\b|\bcjson\b|\.red\b")


def project_files() -> dict[str, str]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if not SKIPPED_DIRS & set(relative.parts[:-1]) and relative.as_posix() != INVENTORY:
            found[relative.as_posix()] = path.read_text(encoding="utf-8")
    return found


def rasa_private_names() -> set[str]:
    import rasa
    import rasa_sdk

    names = set()
    for package in (rasa, rasa_sdk):
        for path in Path(package.__file__).parent.rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="ignore")
            names.update(re.findall(r"\bdef (_[A-Za-z]\w*)", text))
            names.update(re.findall(r"\bself\.(_[A-Za-z]\w*)", text))
            names.update(re.findall(r"^(?:class )?(_[A-Za-z]\w*)", text, re.M))
    return {n for n in names if not n.endswith("__")}


def private_uses(text: str, private: set[str]) -> set[str]:
    used = set(re.findall(r"\.(_[A-Za-z]\w*)", text)) | set(re.findall(r"\bdef (_[A-Za-z]\w*)", text))
    used |= set(re.findall(r"[\"'](_[A-Za-z]\w*)[\"']", text))  # e.g. a frame name in a profile
    found = used & private
    imports = re.findall(r"^\s*from\s+rasa(?:_sdk)?(?:\.\w+)*\s+import\s+(\([^)]*\)|[^\n]*)", text, re.M)
    for names in imports:
        found |= {n for n in re.findall(r"\b(_\w+)", names) if not n.endswith("__")}  # any imported _name
    return found


def covered(name: str, file: str) -> bool:
    return file in OWN_NAMES.get(name, ()) or any(
        name in internal.private_names and file in internal.where for internal in INTERNALS)


def test_no_private_rasa_name_outside_the_inventory():
    private = rasa_private_names()
    assert {"_event_query", "_load_agent", "_create_X", "_run_action"} <= private  # the scan reads Rasa
    files = project_files()
    assert "stores/sql_trackers.py" in files and not any(f.startswith("tests/") for f in files)
    uncovered = sorted((name, file) for file, text in files.items() for name in private_uses(text, private)
                       if not covered(name, file))
    assert not uncovered, ("private Rasa names used outside rasa_patches/internals.py (add an Internal with "
                           f"its contract test, or rename a name of the project's own): {uncovered}")


def test_the_scan_sees_a_new_private_name():
    private = rasa_private_names()
    assert private_uses("store._additional_events(session, tracker)", private) == {"_additional_events"}
    assert private_uses("from rasa.core.lock_store import _get_lock_lifetime", private) == {"_get_lock_lifetime"}
    assert private_uses("from rasa.core.x import (\n    Public,\n    _hidden,\n)", private) == {"_hidden"}
    assert not covered("_additional_events", "stores/sql_trackers.py")
    assert not covered("_event_query", "console/new_module.py")  # a known name, in a file not listed
    assert covered("_event_query", "stores/sql_trackers.py")


def test_rasas_tables_and_redis_keys_are_touched_only_where_listed():
    files = project_files()
    tables = {f for f, text in files.items() if RASA_TABLES_RE.search(text)}
    redis = {f for f, text in files.items() if RASA_REDIS_RE.search(text)}
    table_users = {f for target in ("rasa.core.tracker_store:SQLTrackerStore.SQLEvent",
                                    "rasa.core.brokers.sql:SQLEventBroker.SQLBrokerEvent") for f in entry(target).where}
    redis_users = {f for i in INTERNALS if i.module in ("rasa.core.lock_store", "rasa.core.lock")
                   or "RedisTrackerStore" in i.qualname for f in i.where}
    assert {"stores/sql_trackers.py", "bma/remask.py", "analytics/retention.py", "analytics/db.py"} <= tables
    assert tables <= table_users, f"Rasa's events tables used outside the inventory: {tables - table_users}"
    assert {"stores/redis_locks.py", "stores/redis_trackers.py"} <= redis
    assert redis <= redis_users, f"Rasa's Redis keys used outside the inventory: {redis - redis_users}"


def test_every_listed_place_exists_and_still_uses_the_name():
    files = project_files()
    for internal in INTERNALS:
        for file in internal.where:
            assert file in files, f"{internal.target}: {file} is gone"
        for name in internal.private_names:
            assert any(name in files[file] for file in internal.where), f"{internal.target}: {name} no longer used"
