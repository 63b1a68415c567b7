"""The rule policy without two costs that decide nothing (a speed patch, found with py-spy under
`make profile`).

- **The states, built once per prediction.** Right after a user message, Rasa 3.6's
  ``RulePolicy._predict`` looks for a rule twice: with the message's text, then with its intent.
  Each look rebuilds the states of the whole conversation from its events
  (``TrackerFeaturizer._create_states``: one prior tracker per event), 3 to 4 % of a message under
  load. Both looks build the same states; they differ only in the last user state, which
  ``_choose_last_user_input`` edits afterwards, in place. Here the states built by the first look
  are kept for the second, for the time of one ``_predict`` call only, and each look gets its own copy.
- **The rules, matched no further back than the longest rule.** ``_get_possible_keys`` filters the
  rules against every state of the conversation, from the last one back to the first, although a
  rule whose length the walk has passed always stays (``_is_rule_applicable`` returns True) and an
  empty set stays empty. Here the walk stops there, with the same rules left.

``tests/integration/test_rule_policy.py`` checks that the trained model predicts the same actions,
probabilities and events with and without the patch, and builds the states once.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RulePolicy

RASA_PREDICT = RulePolicy._predict
RASA_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys
RASA_CREATE_STATES = TrackerFeaturizer._create_states  # a static method
# The states built during the current ``RulePolicy._predict`` call (None outside one), per thread and
# task: the server's loop predicts while `POST /model/train` trains the rule policy in a thread (its
# training predicts too). Within the loop a prediction runs without awaiting: nothing interleaves.
_built: ContextVar[dict[tuple, list] | None] = ContextVar("bma_rule_states_built", default=None)


def copy_states(states: list[dict[str, dict[str, Any]]]) -> list[dict[str, dict[str, Any]]]:
    """A copy the featurizer may edit: a state maps a kind (user, prev_action, slots, active_loop)
    to a dict of strings and tuples, which nobody edits."""
    return [{kind: dict(values) for kind, values in state.items()} for state in states]


def rule_only_key(rule_only_data: dict[str, Any] | None) -> tuple | None:
    """The rule-only slots and loops as a key: the policy builds a new dict of lists for each look."""
    if rule_only_data is None:
        return None
    return tuple((kind, tuple(names)) for kind, names in sorted(rule_only_data.items()))


def _predict(self: RulePolicy, tracker, domain):
    token = _built.set({})
    try:
        return RASA_PREDICT(self, tracker, domain)
    finally:
        _built.reset(token)


def _create_states(tracker, domain, omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                   rule_only_data: dict[str, Any] | None = None) -> list:
    built = _built.get()
    if built is None:
        return RASA_CREATE_STATES(tracker, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    key = (id(tracker), id(domain), omit_unset_slots, ignore_rule_only_turns, rule_only_key(rule_only_data))
    states = built.get(key)
    if states is None:
        states = built[key] = RASA_CREATE_STATES(tracker, domain, omit_unset_slots, ignore_rule_only_turns,
                                                 rule_only_data)
    return copy_states(states)


def longest_rule(policy: RulePolicy, lookup: dict[str, str]) -> int:
    """The number of states of the longest rule of ``lookup``, remembered on the policy (it goes with
    its model). A lookup only loses rules once built (training pops the contradicting ones): a longest
    remembered before is then too long, which only walks further."""
    remembered = policy.__dict__.setdefault("bma_longest_rule", {})
    found = remembered.get(id(lookup))
    if found is None or found[0] is not lookup:
        found = remembered[id(lookup)] = (lookup, max((len(RulePolicy._rule_key_to_state(key)) for key in lookup),
                                                      default=0))
    return found[1]


def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list) -> set[str]:
    possible_keys = set(lookup.keys())
    longest = longest_rule(self, lookup)
    for turn_index, state in enumerate(reversed(states)):
        if turn_index >= longest or not possible_keys:
            break
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)}
    return possible_keys


def install() -> None:
    _predict.__doc__ = RASA_PREDICT.__doc__
    RulePolicy._predict = _predict
    RulePolicy._get_possible_keys = _get_possible_keys
    TrackerFeaturizer._create_states = staticmethod(_create_states)
