"""The one validation split a run uses, fixed before any candidate runs.

folds.parquet holds one int8 column per fold, `fold_K`: 1 = train on this row, 2 = validate on
it, 0 = leave it out (time-ordered folds never train on the future). Row i is train.csv's row i.
Repeated K-fold validates each row once per repeat; its out-of-fold prediction is their mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.task.spec import TaskSpec
from mlwright.task.time_values import time_values

TRAIN, VALID, UNUSED = 1, 2, 0
HOLDOUT_ROWS = 100_000
# On this few rows one K-fold split is noisy: a search of many trials and an ensemble chosen on
# it fit the split's luck (penguins, 249 rows: 0.928 accuracy in validation, 0.893 on the
# test). Each repeat of K-fold on a new shuffle averages some of that luck away, for K more
# fits a run; on this few rows a fit of a table costs less than starting its process.
REPEAT_ROWS = 1000
REPEATS = 3
REPEAT_MIN_BUDGET = 60.0  # below a minute, drafts of more recipes come first


@dataclass(frozen=True)
class ValidationPlan:
    scheme: str  # stratified_kfold | kfold | time_ordered | holdout
    n_folds: int  # fold columns in all: K x repeats
    reason: str
    repeats: int = 1


def choose_scheme(spec: TaskSpec, rows: int, test_rows: int, budget_seconds: float) -> ValidationPlan:
    outputs = max(1, len(spec.classes)) if spec.task_type == "multiclass" else 1
    work = rows * outputs
    if spec.time:
        return ValidationPlan("time_ordered", 3, f"test comes after train in {spec.time.label}")
    if rows > HOLDOUT_ROWS or work > 3_000_000:
        return ValidationPlan("holdout", 1, f"{rows} rows: one 20% holdout keeps runs affordable")
    n_folds = 5
    if budget_seconds < 300 and work > 150_000:
        n_folds = 3
    # not for images: a network sizes its epochs to its fold's time, a third of it each
    repeats = REPEATS if (rows < REPEAT_ROWS and budget_seconds >= REPEAT_MIN_BUDGET
                          and spec.files.train_images is None) else 1
    again = f", repeated {repeats} times on {rows} rows" if repeats > 1 else ""
    if spec.is_classification:
        return ValidationPlan("stratified_kfold", n_folds * repeats,
                              f"class shares kept equal in every fold{again}", repeats)
    return ValidationPlan("kfold", n_folds * repeats, f"shuffled K-fold on a numeric target{again}",
                          repeats)


def make_folds(
    plan: ValidationPlan, spec: TaskSpec, train: pd.DataFrame, test_rows: int, seed: int,
    test: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The folds; time-ordered ones mirror how far and how long the test lies after training
    where the test rows are given."""
    rows = len(train)
    rng = np.random.default_rng(seed)
    if plan.scheme == "time_ordered":
        times = time_values(train, spec.time.model_dump())
        if test is not None:
            # fewer folds as long as the test's period before more, shorter ones: a model
            # validated a year ahead is not yet known to hold five years ahead
            test_times = time_values(test, spec.time.model_dump())
            for n_folds in range(plan.n_folds, 0, -1):
                folds = _time_spans(times, n_folds, test_times)
                if folds is not None:
                    return folds
        return _time_ordered(times, plan.n_folds, test_rows)
    labels = train[spec.target].astype(str).to_numpy() if spec.is_classification else None
    if plan.scheme == "holdout":
        assignment = _assign(rows, 5, labels, rng)
        return pd.DataFrame({"fold_0": np.where(assignment == 0, VALID, TRAIN).astype(np.int8)})
    per_repeat = plan.n_folds // plan.repeats
    columns = {}
    for repeat in range(plan.repeats):
        assignment = _assign(rows, per_repeat, labels, rng)
        for k in range(per_repeat):
            column = np.where(assignment == k, VALID, TRAIN).astype(np.int8)
            columns[f"fold_{repeat * per_repeat + k}"] = column
    return pd.DataFrame(columns)


def _assign(rows: int, n_folds: int, labels: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Fold index per row; with labels, each class is dealt round-robin after a shuffle."""
    assignment = np.empty(rows, dtype=np.int64)
    if labels is None:
        order = rng.permutation(rows)
        assignment[order] = np.arange(rows) % n_folds
        return assignment
    offset = 0
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        assignment[members] = (np.arange(len(members)) + offset) % n_folds
        offset += len(members)
    return assignment


def _time_ordered(times: pd.Series, n_folds: int, test_rows: int) -> pd.DataFrame:
    """The last n_folds blocks, each as long as the test period, each trained on what precedes it."""
    # Rows whose time cannot be read stay out of every fold (trained on, they could come from
    # after the rows they validate), unless they are most rows: then they go first, as before.
    known = np.flatnonzero(times.notna().to_numpy())
    if len(known) < max(0.5 * len(times), 4 * (n_folds + 2)):
        known = np.arange(len(times))
    order = known[np.argsort(times.iloc[known].fillna(times.min()).to_numpy(), kind="stable")]
    rows = len(order)
    block = max(1, min(test_rows, rows // (n_folds + 2)))
    columns = {}
    for k in range(n_folds):
        start = rows - (n_folds - k) * block
        column = np.full(len(times), UNUSED, dtype=np.int8)
        column[order[:start]] = TRAIN
        column[order[start : start + block]] = VALID
        columns[f"fold_{k}"] = column
    return pd.DataFrame(columns)


def _time_spans(times: pd.Series, n_folds: int, test_times: pd.Series) -> pd.DataFrame | None:
    """The last n_folds periods as long as the test's, each trained only on rows at least as
    far before it as the test lies after the training data: the gap is mirrored, so a model
    that could only use what is known at prediction time is validated the same way."""
    if times.isna().all() or test_times.isna().all():
        return None
    span = test_times.max() - test_times.min()
    distance = test_times.min() - times.max()  # the last training row to the first test row
    unique = np.sort(times.dropna().unique())
    step = pd.Timedelta(np.median(np.diff(unique))) if len(unique) > 1 else pd.Timedelta(0)
    columns, end = {}, times.max()
    for k in reversed(range(n_folds)):
        start = end - span
        column = np.full(len(times), UNUSED, dtype=np.int8)
        column[((times >= start) & (times <= end)).to_numpy()] = VALID
        column[(times <= start - distance).to_numpy()] = TRAIN
        if (column == VALID).sum() == 0 or (column == TRAIN).sum() < 0.2 * len(times):
            return None
        columns[f"fold_{k}"] = column
        end = start - step
    return pd.DataFrame(dict(sorted(columns.items())))


def validation_mask(folds: pd.DataFrame) -> np.ndarray:
    """Rows that some fold validates on: the rows out-of-fold predictions exist for."""
    return (folds.to_numpy() == VALID).any(axis=1)


def write_folds(folds: pd.DataFrame, path: Path) -> None:
    folds.to_parquet(path, index=False)


def read_folds(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)
