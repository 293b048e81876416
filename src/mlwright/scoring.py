"""The harness's side of a run: read what the candidate wrote, check it, score it itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.task.metrics import Metric
from mlwright.validation import VALID


class InvalidOutput(Exception):
    """The candidate's files are missing, of the wrong shape, or not finite."""


@dataclass(frozen=True)
class ScoredRun:
    score: float  # the task's metric
    loss: float  # the selection metric, as a loss (lower is better)
    fold_scores: list[float]
    oof: np.ndarray
    test: np.ndarray


def expected_shape(rows: int, task_type: str, n_classes: int) -> tuple[int, ...]:
    return (rows, n_classes) if task_type == "multiclass" else (rows,)


def read_predictions(run_dir: Path, train_rows: int, test_rows: int, task_type: str,
                     n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, rows in (("oof.npy", train_rows), ("test.npy", test_rows)):
        path = run_dir / name
        if not path.exists():
            raise InvalidOutput(f"{name} was not written")
        try:
            array = np.load(path, allow_pickle=False).astype("float64")
        except (ValueError, OSError) as exc:
            raise InvalidOutput(f"{name} is not a numeric .npy array ({exc})") from None
        want = expected_shape(rows, task_type, n_classes)
        if array.shape != want:
            raise InvalidOutput(f"{name} has shape {array.shape}, expected {want}")
        arrays.append(array)
    return arrays[0], arrays[1]


def predictions_digest(run_dir: Path) -> str:
    """A hash of the predictions as scored: journaled, so that a resume or a report notices a
    file changed behind the harness's back."""
    digest = hashlib.sha256()
    for name in ("oof.npy", "test.npy"):
        digest.update((run_dir / name).read_bytes())
    return digest.hexdigest()[:32]


def score_run(
    oof: np.ndarray, test: np.ndarray, y: np.ndarray, folds: pd.DataFrame, metric: Metric,
    selection: Metric, task_type: str,
) -> ScoredRun:
    roles = folds.to_numpy()
    scored = (roles == VALID).any(axis=1)
    for name, values in (("oof.npy", oof[scored]), ("test.npy", test)):
        if not np.all(np.isfinite(values)):
            raise InvalidOutput(f"{name} has missing or infinite values on rows that count")
    if task_type != "regression":
        oof = np.clip(oof, 0.0, 1.0)
        test = np.clip(test, 0.0, 1.0)
    fold_scores = []
    for column in range(roles.shape[1]):
        rows = roles[:, column] == VALID
        if rows.any():
            fold_scores.append(metric.score(y[rows], oof[rows]))
    loss = selection.loss(selection.score(y[scored], oof[scored]))
    return ScoredRun(metric.score(y[scored], oof[scored]), loss, fold_scores, oof, test)
