"""The figures of `make evaluate`: the confusion matrix and the confidence histogram (PNG)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from evaluation.scoring import FALLBACK, OOS  # noqa: E402


def plot_confusion(truth, predicted, path: Path, title: str) -> None:
    labels = sorted(set(truth) | set(predicted))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    fig, ax = plt.subplots(figsize=(12, 10))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confidence(truth, predicted, confidences, path: Path, threshold: float) -> None:
    right = [c for t, p, c in zip(truth, predicted, confidences) if t == p or (t == OOS and p == FALLBACK)]
    wrong = [c for t, p, c in zip(truth, predicted, confidences) if not (t == p or (t == OOS and p == FALLBACK))]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bins = np.linspace(0, 1, 21)
    ax.hist([right, wrong], bins=bins, label=[f"correct ({len(right)})", f"wrong ({len(wrong)})"], color=["#2a7ab0", "#d9534f"])
    ax.axvline(threshold, color="black", linestyle="--", label=f"fallback threshold {threshold}")
    ax.set_xlabel("confidence of the best intent")
    ax.set_ylabel("held-out items")
    ax.set_title("Intent confidence on the held-out file (shipped pipeline)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
