"""Rasa's logistic-regression intent classifier on scaled features.

Rasa 3.6's ``LogisticRegressionClassifier`` feeds raw counts (CountVectorsFeaturizer) next to
unscaled word vectors (SpacyFeaturizer) to a logistic regression with C=1: long messages weigh
more than short ones, and the regularisation is fixed. Here, as in the TF-IDF baseline of
`make evaluate`: counts are damped (log 1 + n) and each message's count block and vector block
are scaled to unit length; C is a setting (chosen by cross-validation, `make nlu-experiments`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ScaledLogisticRegressionClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 10.0, "vector_weight": 1.0}

    def __init__(self, config: dict[str, Any], *args, **kwargs) -> None:
        super().__init__(config, *args, **kwargs)
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]  # (sequence, sentence)
            dense = message.get_dense_features(attribute=TEXT)[1]
            blocks = []
            if sparse is not None:
                counts = csr_matrix(sparse.features, dtype=np.float64)
                counts.data = np.log1p(np.abs(counts.data)) * np.sign(counts.data)
                blocks.append(normalize(counts))
            if dense is not None:
                blocks.append(csr_matrix(normalize(np.asarray(dense.features, dtype=np.float64))
                                         * float(self.config["vector_weight"])))
            rows.append(hstack(blocks) if blocks else csr_matrix((1, 0)))
        return vstack(rows).tocsr()
