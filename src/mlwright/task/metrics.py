"""Metric registry. The harness scores every prediction itself with these functions.

Predictions arrive in one canonical shape per task type: regression (n,) values, binary (n,)
probability of the positive class, multi-class (n, K) probabilities in the task's class order.
Targets are (n,) floats for regression and class indices for classification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

EPS = 1e-15


def _labels(pred: np.ndarray) -> np.ndarray:
    if pred.ndim == 2:
        return pred.argmax(axis=1)
    return (pred >= 0.5).astype(int)


def _probabilities(pred: np.ndarray) -> np.ndarray:
    """Clip and normalise rows the way graders do for log loss."""
    p = np.clip(pred.astype(float), EPS, 1 - EPS)
    if p.ndim == 2:
        p = p / p.sum(axis=1, keepdims=True)
    return p


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(_labels(pred) == y))


def _binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    positives = y == 1
    n_pos = int(positives.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 0.5
    ranks = rankdata(score)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_auc(y: np.ndarray, pred: np.ndarray) -> float:
    if pred.ndim == 1:
        return _binary_auc(y, pred)
    # multi-class: one-vs-rest, macro average over classes present
    scores = [_binary_auc((y == k).astype(int), pred[:, k]) for k in np.unique(y)]
    return float(np.mean(scores))


def logloss(y: np.ndarray, pred: np.ndarray) -> float:
    p = _probabilities(pred)
    if p.ndim == 1:
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return float(-np.mean(np.log(p[np.arange(len(y)), y.astype(int)])))


def _f1_per_class(y: np.ndarray, labels: np.ndarray, k: int) -> float:
    tp = np.sum((labels == k) & (y == k))
    fp = np.sum((labels == k) & (y != k))
    fn = np.sum((labels != k) & (y == k))
    return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    """Binary F1 of the positive class (the second class in the task's order)."""
    return _f1_per_class(y, _labels(pred), 1)


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    labels = _labels(pred)
    classes = np.union1d(np.unique(y), np.unique(labels))
    return float(np.mean([_f1_per_class(y, labels, k) for k in classes]))


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((pred.astype(float) - y) ** 2)))


def mae(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(np.abs(pred.astype(float) - y)))


def rmse_log(y: np.ndarray, pred: np.ndarray) -> float:
    """RMSE between log1p of prediction and truth; negative predictions count as zero."""
    return rmse(np.log1p(np.clip(y, 0, None)), np.log1p(np.clip(pred.astype(float), 0, None)))


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    total = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((y - pred) ** 2) / total) if total else 0.0


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    task_types: frozenset[str]
    score: Callable[[np.ndarray, np.ndarray], float]
    wants_probabilities: bool

    @property
    def direction(self) -> str:
        return "higher" if self.higher_is_better else "lower"

    def better(self, a: float, b: float) -> bool:
        """True when score a beats score b."""
        return a > b if self.higher_is_better else a < b

    def loss(self, value: float) -> float:
        """A value to minimise, whatever the direction."""
        return -value if self.higher_is_better else value


_CLASSIFICATION = frozenset({"binary", "multiclass"})
_REGRESSION = frozenset({"regression"})

METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("accuracy", True, _CLASSIFICATION, accuracy, False),
        Metric("roc_auc", True, _CLASSIFICATION, roc_auc, True),
        Metric("logloss", False, _CLASSIFICATION, logloss, True),
        Metric("f1", True, frozenset({"binary"}), f1, False),
        Metric("macro_f1", True, _CLASSIFICATION, macro_f1, False),
        Metric("rmse", False, _REGRESSION, rmse, False),
        Metric("mae", False, _REGRESSION, mae, False),
        Metric("rmse_log", False, _REGRESSION, rmse_log, False),
        Metric("r2", True, _REGRESSION, r2, False),
    ]
}


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(sorted(METRICS))}") from None


SMALL_VALIDATION_ROWS = 5000


def selection_metric(metric: Metric, scored_rows: int) -> Metric:
    """The metric decisions are made on (tuning, ranking, ensembling).

    Accuracy counts only which side of 0.5 a probability falls; on a few thousand rows or fewer
    that is mostly noise, and the search then chases it. Log loss is a proper scoring rule whose
    optimum is the true probability, so on small data choosing on it is the steadier route. On
    larger data accuracy itself is precise, and log loss would punish soft but accurate models.
    """
    if metric.name == "accuracy" and scored_rows < SMALL_VALIDATION_ROWS:
        return METRICS["logloss"]
    return metric
