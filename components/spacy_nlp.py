"""spaCy for the NLU pipeline, without the pipes Rasa never reads.

Rasa's SpacyNLP loads `fr_core_news_sm` with only the dependency parser disabled, so every
message also runs the named-entity recogniser — about half of spaCy's time per message
(`make bench`, py-spy) for entities no component uses: the tokenizer reads tokens, lemmas and
tags, i.e. tok2vec → morphologizer → attribute_ruler → lemmatizer. It also loads the model once
per graph node (provider and processor). This component excludes the unused pipes (their
weights are not even loaded) and loads each pipeline once per process.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.nlu.model import InvalidModelError

UNUSED_PIPES = ("parser", "ner", "senter")


@functools.lru_cache(maxsize=None)
def load_pipeline(model_name: Text, exclude: Tuple[Text, ...]) -> SpacyModel:
    """The spaCy pipeline `model_name` without the `exclude`d pipes, loaded once per process."""
    import spacy

    if not model_name:
        raise InvalidModelError("LeanSpacyNLP needs `model:` (e.g. fr_core_news_sm) in config.yml")
    try:
        language = spacy.load(model_name, exclude=list(exclude))
    except OSError as error:
        raise InvalidModelError(f"spaCy model {model_name!r} is not installed (make setup installs it): {error}")
    required = spacy.info(model_name).get("spacy_version", "")
    if not spacy.util.is_compatible_version(spacy.about.__version__, required):
        raise InvalidModelError(f"{model_name} needs spaCy {required}, this is spaCy {spacy.about.__version__}")
    return SpacyModel(model=language, model_name=model_name)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="LeanSpacyNLP",
)
class LeanSpacyNLP(SpacyNLP):
    """SpacyNLP (same options, same documents for the tokenizer) minus the unused pipes."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SpacyNLP.get_default_config(), "exclude": list(UNUSED_PIPES)}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LeanSpacyNLP:
        config = {**cls.get_default_config(), **config}
        model = load_pipeline(config.get("model"), tuple(sorted(config["exclude"])))
        cls.ensure_proper_language_model(model.model)
        return cls(model, config)
