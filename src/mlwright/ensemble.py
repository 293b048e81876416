"""Greedy ensemble selection with replacement (Caruana et al., 2004) over out-of-fold predictions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlwright.task.metrics import Metric


@dataclass(frozen=True)
class EnsembleChoice:
    weights: dict[str, float]  # run id -> weight, summing to 1
    score: float


def select_ensemble(
    predictions: dict[str, np.ndarray],
    y: np.ndarray,
    metric: Metric,
    rounds: int = 30,
    patience: int = 6,
) -> EnsembleChoice:
    """Start from the best single model, then repeatedly add (with replacement) the model whose
    addition scores best; keep the best prefix. Predictions are restricted to scored rows."""
    names = list(predictions)
    scores = {n: metric.score(y, predictions[n]) for n in names}
    best_single = min(names, key=lambda n: metric.loss(scores[n]))
    counts = {best_single: 1}
    total = predictions[best_single].astype(float).copy()
    best = EnsembleChoice({best_single: 1.0}, scores[best_single])
    stale = 0
    for size in range(2, rounds + 2):
        trial_scores = {n: metric.score(y, (total + predictions[n]) / size) for n in names}
        pick = min(names, key=lambda n: metric.loss(trial_scores[n]))
        total += predictions[pick]
        counts[pick] = counts.get(pick, 0) + 1
        if metric.better(trial_scores[pick], best.score):
            best = EnsembleChoice({n: c / size for n, c in counts.items()}, trial_scores[pick])
            stale = 0
        else:
            stale += 1
            if stale >= patience:
                break
    return best


def blend(predictions: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    return sum(weights[n] * predictions[n].astype(float) for n in weights)
