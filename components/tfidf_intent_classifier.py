"""Intent classifier: TF-IDF of words (1–2) and characters (2–5, within words, accents stripped) on
the raw text, next to the message's word vectors (SpacyFeaturizer), in a logistic regression.

Why: on questions written apart from the training data, the TF-IDF + logistic-regression baseline
of `make evaluate` understood users better than DIET and than Rasa's LogisticRegressionClassifier
on CountVectors (README, « Measured quality »): IDF weights, damped counts, accent-free character
n-grams (« recu », « ecole ») and unit-length rows suit short, SMS-style, typo-laden questions.
This component is that baseline plus spaCy's word vectors, inside the Rasa pipeline (fallback,
ranking, « Vouliez-vous dire »). Saved as plain arrays and JSON (no pickle).
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

ANALYZERS = {"words": ("word", (1, 2)), "chars": ("char_wb", (2, 5))}


def _vectorizer(name: str, vocabulary: Dict[str, int] | None = None) -> TfidfVectorizer:
    analyzer, ngrams = ANALYZERS[name]
    return TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, strip_accents="unicode",
                           vocabulary=vocabulary)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(IntentClassifier, GraphComponent):
    @classmethod
    def required_components(cls) -> List[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 30.0, "vector_weight": 1.0, "max_iter": 3000, "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers: Dict[str, TfidfVectorizer] = {}
        self.clf: LogisticRegression | None = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfIntentClassifier":
        return cls(config, model_storage, resource)

    def _features(self, messages: List[Message]) -> csr_matrix:
        texts = [message.get(TEXT) or "" for message in messages]
        blocks = [self.vectorizers[name].transform(texts) for name in ANALYZERS]
        vectors = []
        for message in messages:
            dense = message.get_dense_features(attribute=TEXT)[1]  # (sequence, sentence)
            vectors.append(np.asarray(dense.features, dtype=np.float64).reshape(-1) if dense is not None else None)
        if any(v is not None for v in vectors):
            width = next(len(v) for v in vectors if v is not None)
            matrix = np.vstack([v if v is not None else np.zeros(width) for v in vectors])
            blocks.append(csr_matrix(normalize(matrix) * float(self.config["vector_weight"])))
        return hstack(blocks).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get("intent") and e.get(TEXT)]
        if not examples:
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        self.vectorizers = {name: _vectorizer(name).fit(texts) for name in ANALYZERS}
        self.clf = LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]))
        self.clf.fit(self._features(examples), [e.get("intent") for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.clf is None or not messages:
            return messages
        probabilities = self.clf.predict_proba(self._features(messages))
        for message, row in zip(messages, probabilities):
            ranking = sorted(({"name": str(name), "confidence": float(p)} for name, p in zip(self.clf.classes_, row)),
                             key=lambda r: -r["confidence"])
            message.set("intent", ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            vocabularies = {name: {term: int(i) for term, i in v.vocabulary_.items()} for name, v in self.vectorizers.items()}
            (model_dir / "tfidf.json").write_text(json.dumps({
                "vocabularies": vocabularies, "classes": [str(c) for c in self.clf.classes_]}, ensure_ascii=False))
            np.savez(model_dir / "tfidf.npz", coef=self.clf.coef_, intercept=self.clf.intercept_,
                     **{f"idf_{name}": v.idf_ for name, v in self.vectorizers.items()})

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfIntentClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                saved = json.loads((model_dir / "tfidf.json").read_text())
                arrays = np.load(model_dir / "tfidf.npz", allow_pickle=False)
                for name in ANALYZERS:
                    vectorizer = _vectorizer(name, saved["vocabularies"][name])
                    vectorizer.idf_ = arrays[f"idf_{name}"]
                    component.vectorizers[name] = vectorizer
                clf = LogisticRegression(C=float(component.config["C"]))
                clf.classes_ = np.array(saved["classes"])
                clf.coef_, clf.intercept_ = arrays["coef"], arrays["intercept"]
                component.clf = clf
        except (ValueError, FileNotFoundError, KeyError):
            component.clf = None  # not trained (no intent examples)
        return component
