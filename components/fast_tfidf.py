"""TF-IDF rows and linear scores as scikit-learn computes them, without its per-call checks, which
cost more than the arithmetic for one message (py-spy, `make profile`). `tests/unit/test_tfidf_classifier.py`
compares each with scikit-learn."""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC


class FittedView(NamedTuple):
    """What inference reads of a fitted vectorizer, taken once: scikit-learn's ``idf_`` property
    rebuilds the array from a sparse diagonal on every read (3 % of a message under load, py-spy)."""
    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray


def fitted_view(vectorizer: TfidfVectorizer) -> FittedView:
    return FittedView(vectorizer.build_analyzer(), vectorizer.vocabulary_, np.asarray(vectorizer.idf_))


def tfidf_vector(view: FittedView, text: str) -> tuple[np.ndarray, np.ndarray]:
    """One text's row of ``vectorizer.transform`` (sublinear tf × idf, unit length) as (columns,
    values), without scikit-learn's per-call checks: 0.1 instead of 0.7 ms per view and message."""
    counts: dict[int, int] = {}
    for term in view.analyze(text):
        column = view.vocabulary.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * view.idf[columns]
    norm = np.sqrt(np.dot(values, values))
    return columns, (values / norm if norm > 0 else values)


def per_class(clf: LinearSVC) -> tuple[np.ndarray, np.ndarray]:
    """One weight row and one intercept per class of ``clf.classes_``. With two classes scikit-learn
    keeps one row, the second class against the first: its half is the second class's and its
    opposite the first's, so the softmax stays the same."""
    weights, intercepts = clf.coef_, np.atleast_1d(clf.intercept_)
    if weights.shape[0] == 1:
        return np.vstack([-weights / 2, weights / 2]), np.concatenate([-intercepts / 2, intercepts / 2])
    return weights, intercepts


def class_scores(clf: LinearSVC, features) -> np.ndarray:
    """One score per class: ``clf.decision_function`` with both columns of a two-class model."""
    weights, intercepts = per_class(clf)
    return np.asarray(features @ weights.T) + intercepts


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scores = scores / temperature
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """``sklearn.preprocessing.normalize(matrix)`` (each row to unit length; a row whose norm is below
    10 machine epsilons kept as it is, as scikit-learn does) without its input checks, which cost 2 %
    of a message under load (py-spy)."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    norms[norms < 10 * np.finfo(norms.dtype).eps] = 1.0
    return matrix / norms[:, np.newaxis]


def tfidf_rows(view: FittedView, texts: list[str]) -> csr_matrix:
    """``vectorizer.transform(texts)`` from ``tfidf_vector`` (`tests/unit/test_tfidf_classifier.py`
    compares both)."""
    rows = [tfidf_vector(view, text) for text in texts]
    indptr = np.cumsum([0] + [len(columns) for columns, _ in rows])
    return csr_matrix((np.concatenate([v for _, v in rows]) if rows else np.zeros(0),
                       np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, dtype=np.int64), indptr),
                      shape=(len(texts), len(view.vocabulary)))
