"""A second opinion on the intent, for « Vouliez-vous dire… » (issue #24).

Multinomial logistic regression (C = 10) on two of the SVM's views, the TF-IDF of words (1–2) and
of accent-free characters (2–5): the baseline of `make evaluate`, fitted on the same examples. It
never decides alone. When it names another answer than the SVM and the SVM's confidence is below
``SECOND_OPINION_BELOW`` (bma/confusable.py), the assistant asks with both instead of guessing. The
two models err on different questions more often than on the same: on the four development sets
(1 831 questions, end to end), confidently wrong 49 → 42 for 16 right answers turned into a question
(docs/measurements-nlu.md). Saved as plain arrays next to the SVM's (no pickle).
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

# The views it reads: the first two of TEXT_VIEWS, so its columns are the SVM features' first ones.
SECOND_OPINION_VIEWS = ("words", "chars")
C = 10.0


def fit_second_opinion(features: csr_matrix, intents: list[str], classes: np.ndarray) -> LogisticRegression:
    """The regression fitted on ``features`` (the SVM's columns of SECOND_OPINION_VIEWS), its classes
    those of the SVM."""
    regression = LogisticRegression(C=C, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regression.fit(features, intents)
    if list(regression.classes_) != list(classes):
        raise ValueError("the second opinion's classes differ from the SVM's")
    return regression
