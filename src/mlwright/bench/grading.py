"""Grading a submission against a task's private answers (grade.json + private/answers.csv)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.errors import TaskInputError
from mlwright.task.metrics import get_metric


@dataclass(frozen=True)
class Grade:
    metric: str
    score: float
    rows: int


def grade_submission(task_root: Path, submission: Path) -> Grade:
    task_root = Path(task_root)
    config = json.loads((task_root / "grade.json").read_text())
    id_column, targets = config["id"], config["target"]
    answers = pd.read_csv(task_root / "private" / "answers.csv", dtype={id_column: str})
    predicted = pd.read_csv(submission, dtype={id_column: str})
    missing = [c for c in [id_column, *targets] if c not in predicted.columns]
    if missing:
        raise TaskInputError(f"{submission}: missing columns {missing}")
    merged = answers.merge(predicted, on=id_column, how="left", suffixes=("_true", ""))
    if merged[targets].isna().any().any() or len(predicted) != len(answers):
        raise TaskInputError(
            f"{submission}: ids differ from the answers' ({len(predicted)} rows, "
            f"{len(answers)} expected, {int(merged[targets].isna().any(axis=1).sum())} unmatched)"
        )
    metric = get_metric(config["metric"])
    truth_columns = [f"{t}_true" if f"{t}_true" in merged else t for t in targets]
    if len(targets) > 1:  # one probability column per class
        raise TaskInputError("per-class probability answers are not graded yet")
    truth = merged[truth_columns[0]]
    guess = merged[targets[0]]
    if "regression" in metric.task_types:
        y, pred = truth.to_numpy(dtype=float), guess.to_numpy(dtype=float)
    elif metric.wants_probabilities:
        classes = sorted(truth.astype(str).unique(), key=_numeric_first)
        y = truth.astype(str).map({c: i for i, c in enumerate(classes)}).to_numpy()
        pred = guess.to_numpy(dtype=float)
    else:
        classes = sorted(set(truth.astype(str)) | set(guess.astype(str)), key=_numeric_first)
        index = {c: i for i, c in enumerate(classes)}
        y = truth.astype(str).map(index).to_numpy()
        pred = np.eye(len(classes))[guess.astype(str).map(index).to_numpy()]
    if not np.all(np.isfinite(pred)):
        raise TaskInputError(f"{submission}: predictions have missing or infinite values")
    return Grade(metric.name, metric.score(y, pred), len(merged))


def _numeric_first(value: str):
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)
