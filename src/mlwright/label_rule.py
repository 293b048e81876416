"""Class labels from probabilities, for metrics that the likeliest class does not maximise.

Macro F1, balanced accuracy, the F1 of a rare class, MCC and kappa reward naming a rare class
more often than its probability alone says. The ensemble's probabilities are divided by the
class shares raised to a power (0: the likeliest class; 1: the likeliest relative to its share;
for two classes, a threshold other than 0.5) before the likeliest class is taken. The power is
fitted on the out-of-fold predictions of one half of the rows and scored on the other half, and
the other way round; it is kept only where that cross-fitted score beats the plain labels, and
that score is the one reported. One weight per class fitted freely had overfitted: on 1,100
rows of ten skewed classes it lost 0.02 macro F1 on the other half, where the power gained 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlwright.submission_format import reweighed
from mlwright.task.metrics import Metric

POWERS = np.linspace(-0.5, 2.0, 26)  # of the class shares the probabilities are divided by
MOST_ROWS = 20_000  # rows the power is fitted on (a deterministic sample beyond)


@dataclass(frozen=True)
class LabelRule:
    weights: list[float] | None  # one per class (two for a binary task); None: likeliest class
    score: float  # the metric of the labels: cross-fitted where weights were kept


def tunes_labels(metric: Metric) -> bool:
    return metric.prediction == "labels" and not metric.argmax_is_best


def fit_label_rule(predictions: np.ndarray, y: np.ndarray, metric: Metric) -> LabelRule:
    """Class weights for the ensemble's out-of-fold predictions, where they help on rows they
    were not fitted on; the plain labels' score otherwise."""
    plain = metric.score(y, predictions)
    if not tunes_labels(metric) or len(y) < 40:
        return LabelRule(None, plain)
    classes = 2 if predictions.ndim == 1 else predictions.shape[1]
    shares = np.maximum(np.bincount(y.astype(int), minlength=classes)[:classes], 1) / len(y)
    rows = np.random.default_rng(0).permutation(len(y))[:MOST_ROWS]
    halves = np.array_split(rows, 2)
    crossed = predictions.astype(float).copy()
    powers = []
    for fit_on, score_on in (halves, halves[::-1]):
        power = _best_power(predictions[fit_on], y[fit_on], metric, shares)
        crossed[score_on] = reweighed(predictions[score_on], shares ** -power)
        powers.append(power)
    cross_score = metric.score(y[rows], crossed[rows])
    if not metric.better(cross_score, metric.score(y[rows], predictions[rows])):
        return LabelRule(None, plain)
    weights = shares ** -float(np.mean(powers))
    return LabelRule([round(float(w), 6) for w in weights / weights.max()], cross_score)


def _best_power(predictions: np.ndarray, y: np.ndarray, metric: Metric,
                shares: np.ndarray) -> float:
    scores = [metric.score(y, reweighed(predictions, shares ** -power)) for power in POWERS]
    best = max(scores) if metric.higher_is_better else min(scores)
    chosen = [p for p, s in zip(POWERS, scores) if s == best]
    return float(min(chosen, key=abs))  # ties: the rule closest to the likeliest class
