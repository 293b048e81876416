"""Metric registry: each metric is one definition in one place.

A `Metric` knows its scorer, its direction, what a submission must hold for it, the loss the
recipes fit for it, the best constant prediction, and the words that name it (its names and
the parts a sentence describing it is made of, read by `task.metric_reading`). The harness
scores every prediction itself with these functions.

Predictions arrive in one canonical shape per task type: regression (n,) values, binary (n,)
probability of the positive class, multi-class (n, K) probabilities in the task's class order,
several targets (n, T). Targets are (n,) floats for regression, class indices for
classification, (n, T) floats for several targets.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import rankdata

EPS = 1e-15

# What a submission holds for a metric: class labels, probabilities, numbers, or the K most
# likely labels in order (MAP@K).
Prediction = Literal["labels", "probabilities", "values", "ranking"]


# ---- scorers ---------------------------------------------------------------------------------
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


def _confusion(y: np.ndarray, labels: np.ndarray) -> np.ndarray:
    size = int(max(y.max(initial=0), labels.max(initial=0))) + 1
    matrix = np.zeros((size, size))
    np.add.at(matrix, (y.astype(int), labels.astype(int)), 1)
    return matrix


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(_labels(pred) == y))


def balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean recall over the classes present in the truth."""
    labels = _labels(pred)
    return float(np.mean([np.mean(labels[y == k] == k) for k in np.unique(y)]))


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


def gini(y: np.ndarray, pred: np.ndarray) -> float:
    """Normalised Gini coefficient: 2 AUC - 1."""
    return 2.0 * roc_auc(y, pred) - 1.0


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


def micro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    """With one label per row, micro-averaged F1 equals accuracy."""
    return accuracy(y, pred)


def weighted_f1(y: np.ndarray, pred: np.ndarray) -> float:
    labels = _labels(pred)
    classes, support = np.unique(y, return_counts=True)
    scores = [_f1_per_class(y, labels, k) for k in classes]
    return float(np.average(scores, weights=support))


def quadratic_weighted_kappa(y: np.ndarray, pred: np.ndarray) -> float:
    """Cohen's kappa with quadratic weights over the classes in the task's (ordered) order."""
    labels = _labels(pred)
    size = int(max(y.max(initial=0), labels.max(initial=0),
                   (pred.shape[1] - 1) if pred.ndim == 2 else 1)) + 1
    observed = np.zeros((size, size))
    np.add.at(observed, (y.astype(int), labels.astype(int)), 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / max(1, len(y))
    index = np.arange(size)
    weights = (index[:, None] - index[None, :]) ** 2 / max(1, (size - 1) ** 2)
    denominator = float((weights * expected).sum())
    return 1.0 - float((weights * observed).sum()) / denominator if denominator else 0.0


def mcc(y: np.ndarray, pred: np.ndarray) -> float:
    """Matthews correlation coefficient, the multi-class form (binary as its special case)."""
    matrix = _confusion(y, _labels(pred))
    total = matrix.sum()
    correct = np.trace(matrix)
    predicted, true = matrix.sum(axis=0), matrix.sum(axis=1)
    numerator = correct * total - predicted @ true
    denominator = np.sqrt((total**2 - predicted @ predicted) * (total**2 - true @ true))
    return float(numerator / denominator) if denominator else 0.0


def map_at(k: int) -> Callable[[np.ndarray, np.ndarray], float]:
    """Mean average precision at k with one true label per row: 1/rank if within k."""

    def score(y: np.ndarray, pred: np.ndarray) -> float:
        scores = pred if pred.ndim == 2 else np.column_stack([1 - pred, pred])
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        hits = top == y.astype(int)[:, None]
        ranks = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, np.inf)
        return float(np.mean(1.0 / ranks))

    return score


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(mse(y, pred)))


def mse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean((pred.astype(float) - y) ** 2))


def mae(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(np.abs(pred.astype(float) - y)))


def median_ae(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.median(np.abs(pred.astype(float) - y)))


def _log1p(values: np.ndarray) -> np.ndarray:
    """log(1 + x) with negative values counted as zero, as graders do."""
    return np.log1p(np.clip(values.astype(float), 0, None))


def rmsle(y: np.ndarray, pred: np.ndarray) -> float:
    """RMSE between log1p of prediction and truth; negative predictions count as zero."""
    return rmse(_log1p(y), _log1p(pred))


def msle(y: np.ndarray, pred: np.ndarray) -> float:
    return mse(_log1p(y), _log1p(pred))


def mape(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean absolute percentage error as a fraction (scikit-learn's definition)."""
    scale = np.maximum(np.abs(y), np.finfo(float).eps)
    return float(np.mean(np.abs(pred.astype(float) - y) / scale))


def smape(y: np.ndarray, pred: np.ndarray) -> float:
    """Symmetric MAPE as a fraction in [0, 2]; a row where both are zero counts as exact."""
    pred = pred.astype(float)
    scale = np.abs(y) + np.abs(pred)
    ratio = np.divide(2 * np.abs(pred - y), scale, out=np.zeros_like(scale), where=scale > 0)
    return float(np.mean(ratio))


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    total = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((y - pred) ** 2) / total) if total else 0.0


def mcrmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean over target columns of each column's RMSE."""
    return float(np.mean([rmse(y[:, j], pred[:, j]) for j in range(y.shape[1])]))


def mean_auc(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean over target columns of each (0/1) column's ROC AUC."""
    return float(np.mean([_binary_auc(y[:, j], pred[:, j]) for j in range(y.shape[1])]))


# ---- the best constant, knowing only the target -------------------------------------------
def _mean(y: np.ndarray) -> float:
    return float(np.mean(y))


def _median(y: np.ndarray) -> float:
    return float(np.median(y))


def _log_mean(y: np.ndarray) -> float:
    return float(np.expm1(np.mean(_log1p(y))))


# ---- the registry ----------------------------------------------------------------------------
BINARY, MULTICLASS, REGRESSION, MULTITARGET = "binary", "multiclass", "regression", "multitarget"
CLASSIFICATION = frozenset({BINARY, MULTICLASS})


@dataclass(frozen=True)
class Metric:
    name: str
    summary: str
    higher_is_better: bool
    task_types: frozenset[str]
    score: Callable[[np.ndarray, np.ndarray], float]
    prediction: Prediction
    names: tuple[str, ...] = ()  # how people write it: abbreviations and full names
    parts: frozenset[str] = frozenset()  # what a sentence describing it is made of
    aliases: tuple[str, ...] = ()  # other spellings --metric and grade.json accept
    objectives: tuple[str, ...] = ("squared",)  # regression losses recipes may fit; first default
    fit_target: str = "none"  # "log": recipes fit log1p(target) when it is never negative
    constant: Callable[[np.ndarray], float] = _mean  # regression; classes use their shares
    top_k: int | None = None  # labels a ranking submission lists
    noisy_on_small_data: bool = False  # choose on log loss below SMALL_VALIDATION_ROWS
    rewards_rare_classes: bool = False  # a rare class counts as much as a common one
    argmax_is_best: bool = False  # labels: the likeliest class is the best guess (accuracy)

    @property
    def direction(self) -> str:
        return "higher" if self.higher_is_better else "lower"

    @property
    def wants_probabilities(self) -> bool:
        return self.prediction == "probabilities"

    def better(self, a: float, b: float) -> bool:
        """True when score a beats score b."""
        return a > b if self.higher_is_better else a < b

    def loss(self, value: float) -> float:
        """A value to minimise, whatever the direction."""
        return -value if self.higher_is_better else value

    def fits(self, task_type: str) -> bool:
        return task_type in self.task_types


def _parts(*names: str) -> frozenset[str]:
    return frozenset(names)


_METRIC_LIST = [
    Metric("rmse", "root mean squared error", False, frozenset({REGRESSION}), rmse, "values",
           names=("rmse", "root mean squared error", "root mean square error",
                  "root-mean-square deviation", "rmsd"),
           parts=_parts("squared_error", "root")),
    Metric("mse", "mean squared error", False, frozenset({REGRESSION}), mse, "values",
           names=("mse", "mean squared error", "mean square error", "l2 loss"),
           parts=_parts("squared_error")),
    Metric("mae", "mean absolute error", False, frozenset({REGRESSION}), mae, "values",
           names=("mae", "mean absolute error", "mean absolute deviation", "l1 loss"),
           parts=_parts("absolute_error"), objectives=("squared", "absolute"), constant=_median),
    Metric("rmsle", "root mean squared error of log(1 + x)", False, frozenset({REGRESSION}),
           rmsle, "values",
           names=("rmsle", "root mean squared logarithmic error", "root mean squared log error",
                  "root mean square logarithmic error"),
           parts=_parts("squared_error", "root", "log"), aliases=("rmse_log",),
           fit_target="log", constant=_log_mean),
    Metric("msle", "mean squared error of log(1 + x)", False, frozenset({REGRESSION}), msle,
           "values", names=("msle", "mean squared logarithmic error", "mean squared log error"),
           parts=_parts("squared_error", "log"), fit_target="log", constant=_log_mean),
    Metric("mape", "mean absolute percentage error", False, frozenset({REGRESSION}), mape,
           "values", names=("mape", "mean absolute percentage error",
                            "mean absolute percent error"),
           parts=_parts("percentage_error"), objectives=("squared", "absolute"),
           fit_target="log", constant=_median),
    Metric("smape", "symmetric mean absolute percentage error", False, frozenset({REGRESSION}),
           smape, "values", names=("smape", "symmetric mean absolute percentage error",
                                   "symmetric mape"),
           parts=_parts("percentage_error", "symmetric"), objectives=("squared", "absolute"),
           fit_target="log", constant=_median),
    Metric("r2", "coefficient of determination", True, frozenset({REGRESSION}), r2, "values",
           names=("r2", "r^2", "r²", "r-squared", "r squared", "coefficient of determination",
                  "rsq trad"),
           parts=_parts("r2")),
    Metric("median_ae", "median absolute error", False, frozenset({REGRESSION}), median_ae,
           "values", names=("medae", "median absolute error", "median absolute deviation"),
           parts=_parts("absolute_error", "median"), objectives=("squared", "absolute"),
           constant=_median),
    Metric("accuracy", "share of rows whose class is predicted right", True, CLASSIFICATION,
           accuracy, "labels", names=("accuracy", "classification accuracy",
                                      "categorization accuracy", "classification rate"),
           parts=_parts("accuracy"), noisy_on_small_data=True, argmax_is_best=True),
    Metric("balanced_accuracy", "mean recall over the classes", True, CLASSIFICATION,
           balanced_accuracy, "labels", rewards_rare_classes=True,
           names=("balanced accuracy", "macro-averaged recall", "macro recall",
                  "mean per-class recall", "average per-class recall",
                  "unweighted average recall", "mean class recall", "bal accuracy",
                  "average of sensitivity and specificity",
                  "mean of sensitivity and specificity"),
           parts=_parts("accuracy", "balanced")),
    Metric("roc_auc", "area under the ROC curve (one-vs-rest, macro, for several classes)",
           True, CLASSIFICATION, roc_auc, "probabilities",
           names=("auc", "roc auc", "auroc", "roc-auc", "auc-roc", "area under the roc curve",
                  "area under the receiver operating characteristic curve"),
           parts=_parts("auc"), aliases=("auc",)),
    Metric("gini", "normalised Gini coefficient (2 AUC - 1)", True, frozenset({BINARY}), gini,
           "probabilities", names=("normalized gini", "normalised gini", "gini coefficient",
                                   "gini", "2 auc - 1", "2 * auc - 1"),
           parts=_parts("gini")),
    Metric("logloss", "log loss (cross-entropy)", False, CLASSIFICATION, logloss,
           "probabilities", names=("log loss", "logloss", "logarithmic loss", "cross-entropy",
                                   "cross entropy", "negative log-likelihood",
                                   "negative log likelihood", "binary cross-entropy"),
           parts=_parts("log_loss"), aliases=("log_loss", "cross_entropy")),
    Metric("f1", "F1 of the positive class", True, frozenset({BINARY}), f1, "labels",
           rewards_rare_classes=True,
           names=("f1", "f1 score", "f1-score", "f-score", "f-measure", "f1 measure"),
           parts=_parts("f1")),
    Metric("macro_f1", "F1 per class, averaged", True, CLASSIFICATION, macro_f1, "labels",
           rewards_rare_classes=True,
           names=("macro f1", "macro-f1", "macro-averaged f1", "f1 macro"),
           parts=_parts("f1", "macro")),
    Metric("micro_f1", "F1 over all rows together (equals accuracy)", True, CLASSIFICATION,
           micro_f1, "labels", names=("micro f1", "micro-f1", "micro-averaged f1", "f1 micro"),
           parts=_parts("f1", "micro"), noisy_on_small_data=True, argmax_is_best=True),
    Metric("weighted_f1", "F1 per class, weighted by class support", True, CLASSIFICATION,
           weighted_f1, "labels", names=("weighted f1", "weighted-f1", "f1 weighted"),
           parts=_parts("f1", "weighted")),
    Metric("qwk", "quadratic weighted kappa over ordered classes", True, CLASSIFICATION,
           quadratic_weighted_kappa, "labels",
           names=("qwk", "quadratic weighted kappa", "quadratic kappa",
                  "quadratic weighted cohen's kappa"),
           parts=_parts("kappa", "quadratic"), aliases=("quadratic_weighted_kappa",)),
    Metric("mcc", "Matthews correlation coefficient", True, CLASSIFICATION, mcc, "labels",
           rewards_rare_classes=True,
           names=("mcc", "matthews correlation coefficient", "matthews correlation",
                  "matthews' correlation coefficient", "phi coefficient"),
           parts=_parts("mcc")),
    Metric("mcrmse", "mean column-wise root mean squared error", False,
           frozenset({MULTITARGET}), mcrmse, "values",
           names=("mcrmse", "mean columnwise root mean squared error",
                  "mean column-wise root mean squared error"),
           parts=_parts("squared_error", "root", "columnwise")),
    Metric("mean_auc", "mean column-wise ROC AUC", True, frozenset({MULTITARGET}), mean_auc,
           "probabilities", names=("mean column-wise auc", "mean columnwise auc",
                                   "mean column-wise roc auc"),
           parts=_parts("auc", "columnwise")),
]

MAP_K = re.compile(r"^map@(\d{1,3})$")


def _map_metric(k: int) -> Metric:
    return Metric(f"map@{k}", f"mean average precision of the {k} labels listed per row", True,
                  CLASSIFICATION, map_at(k), "ranking",
                  names=(f"map@{k}", f"mean average precision @ {k}",
                         f"mean average precision at {k}"),
                  parts=_parts("average_precision", "at_k"), top_k=k)


METRICS: dict[str, Metric] = {m.name: m for m in _METRIC_LIST}
_ALIASES = {alias: m.name for m in _METRIC_LIST for alias in m.aliases}
FAMILIES = [*METRICS, "map@K"]  # every name --metric accepts, K a number of labels


def get_metric(name: str) -> Metric:
    """The metric of a canonical name, an alias or map@K; KeyError names the nearest."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key in METRICS:
        return METRICS[key]
    found = MAP_K.match(key.replace("map_at_", "map@").replace("map_", "map@"))
    if found and int(found.group(1)) > 0:
        return _map_metric(int(found.group(1)))
    raise KeyError(f"unknown metric {name!r}{nearest_hint(key)}; known: {', '.join(FAMILIES)}")


def is_known(name: str) -> bool:
    try:
        get_metric(name)
    except KeyError:
        return False
    return True


def nearest_hint(name: str) -> str:
    """"; nearest supported: X" for a name close to a known one, else ""."""
    close = difflib.get_close_matches(name.lower(), [*METRICS, *_ALIASES], n=1, cutoff=0.5)
    return f" (nearest supported: {_ALIASES.get(close[0], close[0])})" if close else ""


def all_metrics() -> list[Metric]:
    """Every fixed metric and MAP@K for the usual K, for readers of the vocabulary."""
    return [*_METRIC_LIST, *(_map_metric(k) for k in (1, 3, 5, 10, 12))]


SMALL_VALIDATION_ROWS = 5000


def selection_metric(metric: Metric, scored_rows: int) -> Metric:
    """The metric decisions are made on (tuning, ranking, ensembling).

    Accuracy counts only which side of 0.5 a probability falls; on a few thousand rows or fewer
    that is mostly noise, and the search then chases it. Log loss is a proper scoring rule whose
    optimum is the true probability, so on small data choosing on it is the steadier route. On
    larger data accuracy itself is precise, and log loss would punish soft but accurate models.
    """
    if metric.noisy_on_small_data and scored_rows < SMALL_VALIDATION_ROWS:
        return METRICS["logloss"]
    return metric
