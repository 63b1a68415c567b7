"""spaCy for the NLU pipeline, without the pipes Rasa never reads.

Rasa's SpacyNLP loads `fr_core_news_sm` with only the dependency parser disabled, so every
message also runs the named-entity recogniser — about half of spaCy's time per message
(`make bench`, py-spy) for entities no component uses: the tokenizer reads tokens, lemmas and
tags, i.e. tok2vec → morphologizer → attribute_ruler → lemmatizer. It also loads the model once
per graph node (provider and processor). This component excludes the unused pipes (their
weights are not even loaded) and loads each pipeline once per process.

``lemmatizer: lookup`` goes further: lemmas from spaCy's French lookup table
(spacy-lookups-data) instead of the rule lemmatizer, which needs the tagger's part of speech and so
the tok2vec network — 2.3 ms of a message against 0.04 ms, the largest share of a served message
once the stores were fixed (py-spy). The classifier reads the lemmas, the word vectors (a lexical
lookup) and the stop-word flags, not the tags; with lookup lemmas it is as accurate on
cross-validation and the two rounds written apart (`make nlu-views`). ``lemmatizer: rule`` (the
default) keeps spaCy's pipeline.
"""
from __future__ import annotations

import functools
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

UNUSED_PIPES = ("parser", "ner", "senter")
# What the tags and the rule lemmas need, left out with ``lemmatizer: lookup``.
TAGGING_PIPES = ("tok2vec", "morphologizer", "attribute_ruler", "lemmatizer")


@functools.cache
def load_pipeline(model_name: str, exclude: tuple[str, ...], lemmatizer: str = "rule") -> SpacyModel:
    """The spaCy pipeline `model_name` without the `exclude`d pipes, loaded once per process;
    with ``lemmatizer="lookup"``, without the tagging pipes and with the lookup-table lemmatizer."""
    import spacy

    if not model_name:
        raise InvalidModelError("LeanSpacyNLP needs `model:` (e.g. fr_core_news_sm) in config.yml")
    if lemmatizer not in ("rule", "lookup"):
        raise InvalidModelError(f"LeanSpacyNLP: lemmatizer must be rule or lookup, not {lemmatizer!r}")
    if lemmatizer == "lookup":
        exclude = tuple(sorted(set(exclude) | set(TAGGING_PIPES)))
    try:
        language = spacy.load(model_name, exclude=list(exclude))
        if lemmatizer == "lookup":
            language.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()  # spacy-lookups-data
    except (OSError, ValueError) as error:
        raise InvalidModelError(f"spaCy model {model_name!r} or spacy-lookups-data is not installed (make setup "
                                f"installs both): {error}") from error
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
    def get_default_config() -> dict[str, Any]:
        return {**SpacyNLP.get_default_config(), "exclude": list(UNUSED_PIPES), "lemmatizer": "rule"}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LeanSpacyNLP:
        config = {**cls.get_default_config(), **config}
        model = load_pipeline(config.get("model"), tuple(sorted(config["exclude"])), config["lemmatizer"])
        cls.ensure_proper_language_model(model.model)
        return cls(model, config)
