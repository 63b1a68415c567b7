"""The speed-ups decide exactly as Rasa's own code: same event classes, same schema verdicts."""
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

import rasa_patches
from rasa_patches import action_validation, event_types

SCHEMA = RemoteAction.action_response_format_spec()
EVENT_NAMES = [branch["properties"]["event"]["const"] for branch in SCHEMA["properties"]["events"]["items"]["oneOf"]]


def rasa_verdict(result) -> bool:
    try:
        jsonschema.validate(result, SCHEMA)
        return True
    except jsonschema.ValidationError:
        return False


class Patched:
    """A stand-in class receiving the compiled validation, leaving RemoteAction untouched."""

    action_response_format_spec = staticmethod(RemoteAction.action_response_format_spec)


action_validation.install(Patched)


def our_verdict(result) -> bool:
    try:
        return Patched._validate_action_result(None, result)
    except jsonschema.ValidationError:
        return False


scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=5))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                      max_leaves=6)
keys = st.sampled_from(["timestamp", "metadata", "name", "value", "text", "parse_data", "policy", "confidence",
                        "intent", "entities", "date_time", "kill_on_user_msg", "data", "input_channel",
                        "message_id", "action_text", "hide_rule_turn", "key"])
events = st.builds(lambda name, fields: {**fields, "event": name} if name is not None else fields,
                   st.one_of(st.sampled_from(EVENT_NAMES), st.none(), st.text(max_size=6), st.integers()),
                   st.dictionaries(keys, values, max_size=4))
results = st.one_of(
    st.fixed_dictionaries({"events": st.lists(events, max_size=4)},
                          optional={"responses": st.one_of(st.lists(st.one_of(st.dictionaries(keys, values, max_size=2),
                                                                              scalars), max_size=3), scalars)}),
    st.fixed_dictionaries({"events": st.one_of(scalars, st.dictionaries(keys, values, max_size=2))}),
    scalars,
)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(results)
def test_compiled_validation_agrees_with_rasa_on_any_answer(result):
    assert our_verdict(result) == rasa_verdict(result)


def test_real_answers_of_our_actions_are_accepted():
    answer = {"events": [{"event": "slot", "timestamp": None, "name": "bma_address", "value": "ec000001@adm.cfwb.be"},
                         {"event": "active_loop", "name": None, "timestamp": None},
                         {"event": "followup", "name": "action_listen", "timestamp": None}],
              "responses": [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]}
    assert our_verdict(answer) and rasa_verdict(answer)
    broken = {"events": [{"event": "slot", "timestamp": "hier", "name": "bma_address"}]}
    assert not our_verdict(broken) and not rasa_verdict(broken)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        Patched._validate_action_result(None, broken)


def rasa_walk(type_name):
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def test_event_types_resolve_to_the_same_classes_as_rasa():
    event_types.install()
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in sorted(names):
        assert Event.resolve_by_type(name) is rasa_walk(name)
        assert Event.resolve_by_type(name) is rasa_walk(name)  # second time from the cache
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    assert Event.resolve_by_type("topic") is None
    round_trip = Event.from_parameters({"event": "slot", "name": "bma_address", "value": "po000001@adm.cfwb.be"})
    assert round_trip.key == "bma_address" and round_trip.value == "po000001@adm.cfwb.be"


def test_install_refuses_a_rasa_version_it_was_not_verified_on():
    rasa_patches.check_version(rasa_patches.VERIFIED_RASA_VERSION)
    with pytest.raises(rasa_patches.UnverifiedRasaVersion, match="verified on Rasa 3.6.21, not 3.7.0"):
        rasa_patches.check_version("3.7.0")


def test_the_launcher_refuses_another_rasa_version_with_a_clear_message(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    fake = tmp_path / "sitecustomize.py"  # makes the installed Rasa report another version
    fake.write_text("import rasa\nrasa.__version__ = '3.7.0'\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}:{root}", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-m", "rasa_patches", "--version"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "verified on Rasa 3.6.21, not 3.7.0" in result.stderr


def test_channels_refuse_to_serve_without_the_patches(monkeypatch):
    from channels.teams import TeamsInput
    from channels.web import GuardedRestInput, GuardedSocketIOInput

    monkeypatch.setattr(rasa_patches, "_installed", False)
    for channel in (GuardedRestInput(), GuardedSocketIOInput(), TeamsInput("", "", "", "http://127.0.0.1:1/", "http://127.0.0.1:1/")):
        with pytest.raises(RuntimeError, match="python -m rasa_patches run"):
            channel.blueprint(lambda message: None)
