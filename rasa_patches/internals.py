"""Every Rasa internal the project relies on, outside Rasa's documented API: what, where, and what
the project expects of it. Verified on one Rasa version, ``rasa_patches.VERIFIED_RASA_VERSION``.

An internal here is a private name (``_event_query``), a class or function of a module Rasa does
not document for extension (``SQLTrackerStore.SQLEvent``, ``SocketBlueprint``), an attribute Rasa
sets on its own objects (``RedisLockStore.red``, ``app.ctx.agent``), Rasa's tables read or
rewritten with plain SQL (``events``), or a stored format (the Redis lock's JSON, an event's JSON).

- ``rasa_patches.install()`` refuses another Rasa version, and checks that every ``Internal`` below
  still exists with the parameters the project calls or overrides (``verify``);
- tests/unit/test_rasa_contracts.py checks each contract against the installed Rasa (signatures,
  the columns of the tables Rasa creates, the key and ticket formats, the SQL written from Rasa's
  query), and fails when project code reaches a private Rasa name missing from ``INTERNALS``.

Upgrading Rasa: run that test file on the new version, review each failing entry (and the code in
its ``where``), then update the entry and ``VERIFIED_RASA_VERSION``.

No Rasa import at module level: the table is read by the console's tests and the version guard.
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any

from rasa_patches import UnverifiedRasaVersion


@dataclass(frozen=True)
class Internal:
    target: str  # "module:Qualified.name", resolved by import then getattr
    where: tuple[str, ...]  # the project files that rely on it
    expects: str  # the contract, in words
    params: tuple[str, ...] | None = None  # its inspect.signature parameter names (called or overridden)
    attributes: tuple[str, ...] = ()  # attributes its instances carry (set by Rasa's __init__)
    columns: tuple[str, ...] = ()  # a table class: the columns of the table Rasa creates
    source: str = ""  # a function named by file in a profile: its file under site-packages

    @property
    def module(self) -> str:
        return self.target.split(":")[0]

    @property
    def qualname(self) -> str:
        return self.target.split(":")[1]

    @property
    def private_names(self) -> set[str]:
        """The underscore names of Rasa this entry covers (``__init__`` aside)."""
        names = set(self.qualname.split(".")) | set(self.attributes)
        return {n for n in names if n.startswith("_") and not n.startswith("__")}


PATCHES = ("rasa_patches/action_fallback.py", "rasa_patches/action_validation.py", "rasa_patches/api_token.py",
           "rasa_patches/event_types.py", "rasa_patches/gc_freeze.py", "rasa_patches/graph_runner.py",
           "rasa_patches/kept_alive.py", "rasa_patches/log_copies.py", "rasa_patches/rule_policy.py")
TRACKER_TABLE_USERS = ("stores/sql_trackers.py", "bma/remask.py", "analytics/privacy.py", "analytics/kept.py",
                       "analytics/retention.py")
BROKER_TABLE_USERS = ("stores/sql_brokers.py", "analytics/db.py", "analytics/rated_answers.py", "analytics/ingest.py",
                      "analytics/ingest_store.py",
                      "analytics/privacy.py", "analytics/kept.py", "analytics/retention.py", "analytics/broker_retention.py",
                      "console/synthetic.py")

INTERNALS: tuple[Internal, ...] = (
    # --- rasa_patches/ ------------------------------------------------------------------------------
    Internal("rasa.core.actions.action:RemoteAction.run", ("rasa_patches/action_fallback.py",),
             "wrapped (timeout, French fallback); called as run(self, output_channel, nlg, tracker, domain)",
             params=("self", "output_channel", "nlg", "tracker", "domain")),
    Internal("rasa.core.actions.action:RemoteAction._validate_action_result", ("rasa_patches/action_validation.py",),
             "replaced by the compiled-schema validator: (self, result) → True or raises ValidationError",
             params=("self", "result")),
    Internal("rasa.core.actions.action:RemoteAction.action_response_format_spec", ("rasa_patches/action_validation.py",),
             "a static method returning the JSON schema {events: {items: {oneOf: [one branch per event name]}}, "
             "responses}", params=()),
    Internal("rasa.core.actions.action:ActionExecutionRejection", ("rasa_patches/action_fallback.py",),
             "raised by a form's validation: passed through, never answered by the fallback"),
    Internal("rasa.cli.run:run", ("rasa_patches/api_token.py",),
             "what `rasa run` dispatches to, looked up by name when the parser is built; run(args)",
             params=("args",)),
    Internal("rasa.shared.core.events:Event.resolve_by_type", ("rasa_patches/event_types.py",),
             "a static method (type_name, default) → the Event subclass of that name", params=("type_name", "default")),
    Internal("rasa.core.run:load_agent_on_start", ("rasa_patches/gc_freeze.py",),
             "the server's model loader at start, awaited, returns the Agent (and sets app.ctx.agent)",
             params=("model_path", "endpoints", "remote_storage", "app", "loop")),
    Internal("rasa.server:_load_agent", ("rasa_patches/gc_freeze.py",),
             "the loader of PUT /model, looked up as a module global at call time, awaited, returns the Agent",
             params=("model_path", "model_server", "remote_storage", "endpoints")),
    Internal("rasa.engine.runner.dask:DaskGraphRunner.run", ("rasa_patches/graph_runner.py",),
             "replaced: run(self, inputs, targets); instances hold the schema and the GraphNode objects by name",
             params=("self", "inputs", "targets"), attributes=("_graph_schema", "_instantiated_nodes")),
    Internal("rasa.engine.graph:GraphSchema.minimal_graph_schema", ("rasa_patches/graph_runner.py",),
             "(self, targets) → a GraphSchema whose nodes[name].needs maps parameters to node or input names",
             params=("self", "targets")),
    Internal("rasa.utils.endpoints:EndpointConfig.session", ("rasa_patches/kept_alive.py",),
             "replaced: session(self) → an aiohttp ClientSession with the endpoint's headers, basic auth and "
             "ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT), entered with `async with` by request()", params=("self",)),
    Internal("rasa.utils.endpoints:DEFAULT_REQUEST_TIMEOUT", ("rasa_patches/kept_alive.py",),
             "the total timeout in seconds of Rasa's endpoint sessions"),
    Internal("rasa.core.run:configure_app", ("rasa_patches/kept_alive.py",),
             "wrapped: returns the Sanic app, looked up as a module global by serve_application"),
    Internal("rasa.utils.endpoints:EndpointConfig.request", ("rasa_patches/kept_alive.py",),
             "sends a json= body through the session's request, so the session's json_serialize encodes it",
             params=("self", "method", "subpath", "content_type", "compress", "kwargs")),
    Internal("rasa.core.processor:copy", ("rasa_patches/log_copies.py",),
             "the module global `copy`, used only as copy.deepcopy(…) arguments of structlogger.debug"),
    Internal("rasa.core.policies.rule_policy:copy", ("rasa_patches/log_copies.py",),
             "the module global `copy`, used only as copy.deepcopy(…) arguments of structlogger.debug"),
    Internal("rasa.core.actions.forms:copy", ("rasa_patches/log_copies.py",),
             "the module global `copy`, used only as copy.deepcopy(…) arguments of structlogger.debug"),
    Internal("rasa.core.policies.rule_policy:RulePolicy._predict", ("rasa_patches/rule_policy.py",),
             "wrapped: (self, tracker, domain) → (prediction, source), runs without awaiting; looks for rules "
             "with the text then the intent, each building the states with TrackerFeaturizer._create_states",
             params=("self", "tracker", "domain")),
    Internal("rasa.core.policies.rule_policy:RulePolicy._get_possible_keys", ("rasa_patches/rule_policy.py",),
             "replaced: (self, lookup, states) → the rule keys of lookup applicable to the states, filtered from "
             "the last state back with _is_rule_applicable(key, turn_index, state), True once turn_index ≥ the "
             "rule's length (_rule_key_to_state(key))", params=("self", "lookup", "states")),
    Internal("rasa.core.policies.rule_policy:RulePolicy._is_rule_applicable", ("rasa_patches/rule_policy.py",),
             "(self, rule_key, turn_index, conversation_state) → bool", params=("self", "rule_key", "turn_index",
                                                                                "conversation_state")),
    Internal("rasa.core.policies.rule_policy:RulePolicy._rule_key_to_state", ("rasa_patches/rule_policy.py",),
             "a cached static method: a rule key → its list of states", params=("rule_key",)),
    Internal("rasa.core.featurizers.tracker_featurizers:TrackerFeaturizer._create_states", ("rasa_patches/rule_policy.py",),
             "a static method, overridden by no subclass: (tracker, domain, omit_unset_slots, ignore_rule_only_turns, "
             "rule_only_data) → a list of states, each {kind: {key: str or tuple}}, edited in place by its callers",
             params=("tracker", "domain", "omit_unset_slots", "ignore_rule_only_turns", "rule_only_data")),
    # --- stores/ ------------------------------------------------------------------------------------
    Internal("rasa.core.tracker_store:SQLTrackerStore._event_query", ("stores/sql_trackers.py",),
             "(self, session, sender_id, fetch_events_from_all_sessions) → a Query; for the latest session it "
             "compiles to stores.sql_trackers.LATEST_SESSION (written as plain SQL there)",
             params=("self", "session", "sender_id", "fetch_events_from_all_sessions")),
    Internal("rasa.core.tracker_store:SQLTrackerStore.SQLEvent", TRACKER_TABLE_USERS + ("channels/teams.py",),
             "the tracker store's table `events` (id, sender_id VARCHAR(255), type_name, timestamp as a Unix "
             "time, intent_name, action_name, data as the event's JSON): inserted, read, re-masked and purged "
             "with plain SQL; Teams conversation ids fit sender_id (255)",
             columns=("id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")),
    Internal("rasa.core.tracker_store:SQLTrackerStore.__init__", ("stores/sql_trackers.py",),
             "instances hold `engine` and `sessionmaker` (replaced by a pooled SQLite engine) and `domain`",
             params=("self", "domain", "dialect", "host", "port", "db", "username", "password", "event_broker",
                     "login_db", "query", "kwargs"), attributes=("engine", "sessionmaker", "domain", "event_broker")),
    Internal("rasa.core.tracker_store:SQLTrackerStore.save", ("stores/sql_trackers.py",),
             "overridden with the same rows: one per event not yet stored in the latest session, "
             "intent_name = parse_data.intent.name, action_name = data.name, data = json.dumps(event.as_dict())",
             params=("self", "tracker")),
    Internal("rasa.core.tracker_store:SQLTrackerStore.session_scope", ("stores/sql_trackers.py",),
             "a context manager giving an ORM session (the non-SQLite, non-PostgreSQL path)", params=("self",)),
    Internal("rasa.core.tracker_store:SQLTrackerStore.get_db_url", ("bma/remask.py", "analytics/privacy.py"),
             "the URL Rasa opens for a tracker_store of endpoints.yml: sqlite:///<db>, or "
             "<dialect>://<user>:<password>@<url>:<port>/<db>; rebuilt by the project without Rasa",
             params=("dialect", "host", "port", "db", "username", "password", "login_db", "query")),
    Internal("rasa.core.tracker_store:RedisTrackerStore.save", ("stores/redis_trackers.py",),
             "overridden; (self, tracker, timeout); instances hold `red`, `key_prefix` ('<prefix>:tracker:') and "
             "`record_exp`; the key is key_prefix + sender_id, the value json.dumps(tracker.as_dialogue().as_dict())",
             params=("self", "tracker", "timeout"), attributes=("red", "key_prefix", "record_exp")),
    Internal("rasa.core.tracker_store:TrackerStore.stream_events", ("stores/redis_trackers.py",),
             "publishes the tracker's new events to the event broker; (self, tracker)", params=("self", "tracker")),
    Internal("rasa.core.lock_store:RedisLockStore.__init__", ("stores/redis_locks.py",),
             "keyword arguments from endpoints.yml; instances hold `red` (a redis client) and `key_prefix` "
             "('<prefix>:lock:'); the lock of a conversation is the key key_prefix + conversation_id",
             params=("self", "host", "port", "db", "username", "password", "use_ssl", "ssl_certfile", "ssl_keyfile",
                     "ssl_ca_certs", "key_prefix", "socket_timeout"), attributes=("red", "key_prefix")),
    Internal("rasa.core.lock_store:LockStore.issue_ticket", ("stores/redis_locks.py",),
             "overridden (Lua script): (self, conversation_id, lock_lifetime) → the new ticket's number, the last "
             "live one + 1, 0 when none",
             params=("self", "conversation_id", "lock_lifetime")),
    Internal("rasa.core.lock_store:LockStore.update_lock", ("stores/redis_locks.py",),
             "overridden (Lua script): drops the expired tickets", params=("self", "conversation_id")),
    Internal("rasa.core.lock_store:LockStore.cleanup", ("stores/redis_locks.py",),
             "overridden (Lua script): drops a finished ticket, deletes the lock once nobody waits",
             params=("self", "conversation_id", "ticket_number")),
    Internal("rasa.core.lock:TicketLock.dumps", ("stores/redis_locks.py",),
             "the stored lock, written by the Lua scripts and read by Rasa's get_lock: "
             '{"conversation_id": …, "tickets": ["{\\"number\\": n, \\"expires\\": unix time}", …]}', params=("self",)),
    Internal("rasa.core.brokers.sql:SQLEventBroker.SQLBrokerEvent", BROKER_TABLE_USERS,
             "the broker's table `events` (id, sender_id VARCHAR(255), data): one row per published event, "
             "data = json.dumps(event), in id order; declared again in analytics/db.py (read, purged)",
             columns=("id", "sender_id", "data")),
    Internal("rasa.core.brokers.sql:SQLEventBroker.__init__", ("stores/sql_brokers.py",),
             "instances hold `engine` and `sessionmaker` (replaced on SQLite)",
             params=("self", "dialect", "host", "port", "db", "username", "password"),
             attributes=("engine", "sessionmaker")),
    Internal("rasa.shared.core.events:Event.as_dict", ("analytics/broker_retention.py", "bma/remask.py", "analytics/ingest.py"),
             'an event\'s JSON starts with "event" then "timestamp", before its metadata and parse data: the '
             'purge reads the first "timestamp": <number> of the stored text', params=("self",)),
    # --- channels/ ----------------------------------------------------------------------------------
    Internal("rasa.core.channels.socketio:SocketBlueprint.__init__", ("channels/web.py",),
             "SocketBlueprint(sio, socketio_path, name, import_name): a sanic Blueprint serving socket.io",
             params=("self", "sio", "socketio_path", "args", "kwargs")),
    Internal("rasa.core.channels.socketio:SocketIOOutput.__init__", ("channels/web.py", "feedback/votes.py"),
             "SocketIOOutput(sio, bot_message_evt); a bot text becomes one bubble per text.strip().split('\\n\\n') "
             "(feedback.votes.bubbles counts the same bubbles)", params=("self", "sio", "bot_message_evt")),
    Internal("rasa.core.channels.socketio:SocketIOInput.__init__", ("channels/web.py",),
             "instances hold the options of credentials.yml read by the guarded blueprint",
             params=("self", "user_message_evt", "bot_message_evt", "namespace", "session_persistence",
                     "socketio_path", "jwt_key", "jwt_method", "metadata_key"),
             attributes=("user_message_evt", "bot_message_evt", "namespace", "session_persistence", "socketio_path")),
    Internal("rasa.server:create_app", ("channels/teams.py",),
             "the server's sanic app holds the agent as app.ctx.agent (request.app.ctx.agent.tracker_store)",
             params=("agent", "cors_origins", "auth_token", "response_timeout", "jwt_secret", "jwt_private_key",
                     "jwt_method", "endpoints")),
    # --- components/ --------------------------------------------------------------------------------
    Internal("rasa.nlu.classifiers.logistic_regression_classifier:LogisticRegressionClassifier._create_X",
             ("components/intent_classifier.py",),
             "overridden: (self, messages) → the feature matrix of train and process; instances hold `clf` "
             "(a scikit-learn LogisticRegression) and `config`",
             params=("self", "messages"), attributes=("clf", "config")),
    Internal("rasa.nlu.utils.spacy_utils:SpacyNLP.__init__", ("components/spacy_nlp.py",),
             "SpacyNLP(model: SpacyModel, config); SpacyNLP.ensure_proper_language_model(nlp); "
             "SpacyModel(model=, model_name=)", params=("self", "model", "config")),
    Internal("rasa.nlu.utils.spacy_utils:SpacyNLP.ensure_proper_language_model", ("components/spacy_nlp.py",),
             "a static method checking a loaded spaCy pipeline", params=("nlp",)),
    Internal("rasa.nlu.utils.spacy_utils:SpacyModel", ("components/spacy_nlp.py",),
             "a dataclass SpacyModel(model, model_name)", params=("model", "model_name")),
    Internal("rasa.nlu.constants:SPACY_DOCS", ("components/tfidf_intent_classifier.py",),
             "SPACY_DOCS[TEXT]: the message key under which SpacyNLP stores the spaCy document"),
    # --- scripts/ -----------------------------------------------------------------------------------
    Internal("rasa.utils.log_utils:configure_structlog", ("scripts/bench.py", "evaluation/quiet.py",
                                                           "rasa_patches/log_copies.py"),
             "configure_structlog(log_level): Rasa's structured logs quietened; it sets structlog's wrapper_class "
             "to structlog.make_filtering_bound_logger(log_level)", params=("log_level",)),
    Internal("rasa.core.processor:MessageProcessor.handle_message", ("scripts/profile_saturation.py",),
             "a py-spy frame `handle_message (rasa/core/processor.py:…)` marks handling a message",
             params=("self", "message"), source="rasa/core/processor.py"),
    Internal("rasa.core.processor:MessageProcessor._parse_message_with_graph", ("scripts/profile_saturation.py",),
             "a py-spy frame of that name in rasa/core/processor.py marks the NLU graph",
             params=("self", "message", "tracker", "only_output_properties"), source="rasa/core/processor.py"),
    Internal("rasa.core.processor:MessageProcessor._run_action", ("scripts/profile_saturation.py",),
             "a py-spy frame of that name in rasa/core/processor.py marks running an action",
             params=("self", "action", "tracker", "output_channel", "nlg", "prediction"),
             source="rasa/core/processor.py"),
    Internal("rasa.nlu.utils.spacy_utils:SpacyNLP.process", ("scripts/profile_saturation.py",),
             "a py-spy frame `process (rasa/nlu/utils/spacy_utils.py:…)` marks spaCy",
             params=("self", "messages", "model"), source="rasa/nlu/utils/spacy_utils.py"),
    Internal("rasa.core.policies.rule_policy:RulePolicy.predict_action_probabilities", ("scripts/profile_saturation.py",),
             "a py-spy frame of that name in rasa/core/policies/rule_policy.py marks the rule policy",
             params=("self", "tracker", "domain", "rule_only_data", "kwargs"),
             source="rasa/core/policies/rule_policy.py"),
)


class InternalChanged(UnverifiedRasaVersion):
    """A Rasa internal is gone or called differently (``python -m rasa_patches`` exits with it)."""


def resolve(internal: Internal) -> Any:
    found: Any = importlib.import_module(internal.module)
    for part in internal.qualname.split("."):
        found = getattr(found, part)
    return found


def problems(internals: tuple[Internal, ...] = INTERNALS) -> list[str]:
    """What no longer holds of the entries' names and parameters (empty when all do)."""
    found = []
    for internal in internals:
        try:
            obj = resolve(internal)
        except (ImportError, AttributeError) as error:
            found.append(f"{internal.target}: missing ({type(error).__name__}: {error})")
            continue
        if internal.params is not None:
            params = tuple(inspect.signature(obj).parameters)
            if params != internal.params:
                found.append(f"{internal.target}: parameters {params}, expected {internal.params}")
    return found


def verify(internals: tuple[Internal, ...] = INTERNALS) -> None:
    """Raise InternalChanged when an internal the project relies on is gone or called differently."""
    found = problems(internals)
    if found:
        raise InternalChanged("Rasa internals the project relies on changed (rasa_patches/internals.py, "
                              "tests/unit/test_rasa_contracts.py): " + "; ".join(found))
