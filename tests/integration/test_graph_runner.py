"""rasa_patches.graph_runner gives exactly what Rasa's dask runner gives, on the trained model:
the NLU graph's messages and the policy graph's predictions, for a whole conversation."""
import pytest

from harness.servers import latest_model
from rasa_patches import graph_runner

MESSAGES = ["bonjour", "j'ai perdu le nouveau mot de passe", "ec000001@adm.cfwb.be", "Bonjour, ma boîte "
            "po012345@adm.cfwb.be a-t-elle migré ? FASE 1234", "xyzzy", "la boîte fonctionnera avec Thunderbird ?",
            "merci", ""]


def test_same_outputs_as_rasas_dask_runner():
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    model = latest_model()
    if model is None:
        pytest.fail("no trained model under models/: run `make model` (make test does)")
    agent = Agent.load(str(model))
    runner, metadata = agent.processor.graph_runner, agent.processor.model_metadata
    tracker = DialogueStateTracker.from_events("graph", [ActionExecuted("action_listen")], slots=agent.domain.slots)
    for text in MESSAGES:
        outputs = []
        for run in (graph_runner.DASK_RUN, graph_runner.run):
            parsed = run(runner, inputs={"__message__": [UserMessage(text, sender_id="graph", message_id="m")], "__tracker__": tracker},
                         targets=[metadata.nlu_target])
            outputs.append([{key: m.get(key) for key in ("text", "intent", "intent_ranking", "entities")}
                            for m in parsed[metadata.nlu_target]])
        assert outputs[0] == outputs[1]
        parse = outputs[0][0]
        tracker.update(UserUttered(text, parse.get("intent"), parse.get("entities", [])), agent.domain)
        predictions = [run(runner, inputs={"__tracker__": tracker}, targets=[metadata.core_target])[metadata.core_target]
                       for run in (graph_runner.DASK_RUN, graph_runner.run)]
        assert predictions[0].probabilities == predictions[1].probabilities
        assert predictions[0].policy_name == predictions[1].policy_name and predictions[0].events == predictions[1].events
        tracker.update(ActionExecuted(agent.domain.action_names_or_texts[predictions[0].max_confidence_index]))
        tracker.update(ActionExecuted("action_listen"))
    # Same plan for the same targets: computed once.
    assert len(runner._bma_plans) == 2
