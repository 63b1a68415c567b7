"""The speed-ups decide exactly as Rasa's own code: same event classes, same schema verdicts."""
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from channels import resilience, speedups

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


resilience._install_compiled_response_validation(Patched)


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
    speedups.install()
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
