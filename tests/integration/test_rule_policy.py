"""rasa_patches.rule_policy predicts exactly what Rasa predicts, on the trained model, through whole
conversations (forms, hand-off, a ticket, fallbacks; longer than the longest rule), and builds the
conversation's states once per prediction where Rasa builds them twice."""
import sys

import pytest
from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain

from harness.servers import latest_model
from rasa_patches import rule_policy

CONVERSATIONS = [
    ["bonjour", "j'ai perdu le nouveau mot de passe", "ec000001@adm.cfwb.be", "merci", "au revoir"],
    ["ma boîte a-t-elle migré ?", "ec990001@adm.cfwb.be", "et après ?", "je veux parler à quelqu'un",
     "ouvrir un ticket", "oui", "non"],
    ["xyzzy", "la boîte fonctionnera avec Thunderbird ?", "Qu'est-ce qui change ? Et je n'ai jamais reçu le mail 3",
     "es-tu un robot ?", "", "po012345@adm.cfwb.be a-t-elle migré ? FASE 1234"],
]


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    return Agent.load(str(model))


def rule_policy_of(agent) -> RulePolicy:
    """The loaded model's RulePolicy (its graph node's component)."""
    return next(node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
                if isinstance(getattr(node, "_component", None), RulePolicy))


def predict(agent, tracker, patched: bool, monkeypatch) -> tuple:
    """The policy graph's prediction, with the patch or with Rasa's own code, and the number of times
    the conversation's states were built."""
    built = []
    states_for_tracker_history = Domain.states_for_tracker_history

    def counted(self, *args, **kwargs):
        built.append(1)
        return states_for_tracker_history(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Domain, "states_for_tracker_history", counted)
        patch.setattr(RulePolicy, "_predict", rule_policy._predict if patched else rule_policy.RASA_PREDICT)
        patch.setattr(RulePolicy, "_get_possible_keys",
                      rule_policy._get_possible_keys if patched else rule_policy.RASA_GET_POSSIBLE_KEYS)
        patch.setattr(TrackerFeaturizer, "_create_states",
                      staticmethod(rule_policy._create_states if patched else rule_policy.RASA_CREATE_STATES))
        runner, target = agent.processor.graph_runner, agent.processor.model_metadata.core_target
        prediction = runner.run(inputs={"__tracker__": tracker}, targets=[target])[target]
    return prediction, len(built)


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_same_predictions_as_rasa_with_the_states_built_once(agent, messages, monkeypatch):
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("rules", [ActionExecuted("action_listen")], slots=agent.domain.slots)
    after_a_message = 0
    for text in messages:
        parse = agent.processor.graph_runner.run(
            inputs={"__message__": [UserMessage(text, sender_id="rules")], "__tracker__": tracker},
            targets=[agent.processor.model_metadata.nlu_target])[agent.processor.model_metadata.nlu_target][0]
        tracker.update(UserUttered(text, parse.get("intent"), parse.get("entities", [])), agent.domain)
        for step in range(6):  # the actions of one turn, as the processor loops, until it listens
            rasas, rasa_builds = predict(agent, tracker, False, monkeypatch)
            ours, our_builds = predict(agent, tracker, True, monkeypatch)
            assert ours.probabilities == rasas.probabilities
            assert (ours.policy_name, ours.events, ours.optional_events, ours.is_end_to_end_prediction,
                    ours.is_no_user_prediction, ours.action_metadata) == \
                   (rasas.policy_name, rasas.events, rasas.optional_events, rasas.is_end_to_end_prediction,
                    rasas.is_no_user_prediction, rasas.action_metadata)
            assert our_builds <= rasa_builds
            if step == 0 and rasa_builds == 2:
                after_a_message += 1
                assert our_builds == 1
            action = agent.domain.action_names_or_texts[ours.max_confidence_index]
            tracker.update_with_events(ours.events, agent.domain)
            tracker.update(ActionExecuted(action, policy=ours.policy_name, confidence=max(ours.probabilities)))
            if action == "action_listen":
                break
    assert after_a_message >= len(messages) - 1  # Rasa looked twice after (nearly) every message; we built once
    assert rule_policy._built.get() is None  # nothing kept between predictions


def test_the_rules_left_are_rasas_for_every_rule_played_as_a_conversation(agent):
    """Each rule's own states, after another rule's (a conversation longer than any rule), and every
    tail of them: the rules Rasa keeps, and ours, are the same sets, full-length rules included."""
    policy = rule_policy_of(agent)

    def as_conversation(rule_key: str) -> list:  # JSON lists back to the tuples of live states
        return [{kind: {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
                 for kind, values in state.items()} for state in RulePolicy._rule_key_to_state(rule_key)]

    checked = kept = 0
    for lookup in (policy.lookup["rules"], policy.lookup["rules_for_loop_unhappy_path"]):
        keys = list(lookup)
        longest = max(len(RulePolicy._rule_key_to_state(key)) for key in keys)
        assert longest >= 2
        for index, key in enumerate(keys):
            for other in (keys[index - 1], keys[(index + 7) % len(keys)]):
                # The whole rule after another one, and the rule without its first state (where only
                # its first state rules it out).
                for states in (as_conversation(other) + as_conversation(key),
                               as_conversation(other) + as_conversation(key)[1:]):
                    for start in range(len(states)):
                        expected = rule_policy.RASA_GET_POSSIBLE_KEYS(policy, lookup, states[start:])
                        assert rule_policy._get_possible_keys(policy, lookup, states[start:]) == expected
                        checked, kept = checked + 1, kept + len(expected)
    assert checked > 100 and kept > 0


def test_threads_predicting_at_once_each_get_rasas_prediction(agent, monkeypatch):
    """`POST /model/train` trains (and so predicts with) the rule policy in a thread while the server's
    loop predicts: each thread's states stay its own, and every prediction is Rasa's."""
    import threading

    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    monkeypatch.setattr(RulePolicy, "_predict", rule_policy._predict)
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_policy._get_possible_keys)
    monkeypatch.setattr(TrackerFeaturizer, "_create_states", staticmethod(rule_policy._create_states))
    policy = rule_policy_of(agent)
    trackers = []
    for n, intent in enumerate(["greet", "faq_lost_new_password", "check_migration_status", "thanks"]):
        tracker = DialogueStateTracker.from_events(f"thread{n}", [ActionExecuted("action_listen")], slots=agent.domain.slots)
        for _ in range(n + 1):  # conversations of different lengths
            tracker.update(UserUttered("…", {"name": intent, "confidence": 1.0}), agent.domain)
            tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("…", {"name": intent, "confidence": 1.0}), agent.domain)
        trackers.append(tracker)
    expected = [policy.predict_action_probabilities(t, agent.domain).probabilities for t in trackers]
    failures: list = []

    def predict_often(index: int) -> None:
        try:
            for _ in range(60):
                assert policy.predict_action_probabilities(trackers[index], agent.domain).probabilities == expected[index]
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=predict_often, args=(i,)) for i in range(len(trackers))]
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as the interpreter allows
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch_interval)
    assert not failures
    assert len({tuple(p) for p in expected}) > 1  # the conversations differ
