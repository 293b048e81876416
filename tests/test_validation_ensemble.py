from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.ensemble import blend, select_ensemble
from mlwright.task.metrics import get_metric
from mlwright.task.spec import TaskFiles, TaskSpec, TimeAxis
from mlwright.task.time_values import time_values
from mlwright.validation import (
    REPEAT_ROWS,
    TRAIN,
    UNUSED,
    VALID,
    ValidationPlan,
    choose_scheme,
    make_folds,
)


def _spec(task_type="binary", time_column=None):
    return TaskSpec(name="t", files=TaskFiles(train="/x", test="/y"), description="", id_column="id",
                    target="y", task_type=task_type, classes=["0", "1"] if task_type == "binary" else [],
                    metric="accuracy", direction="higher", submission_kind="label",
                    submission_columns=["id", "y"],
                    time=TimeAxis(kind="date", columns=[time_column]) if time_column else None)


def test_stratified_folds_cover_every_row_once_and_keep_class_shares():
    y = np.array([0] * 80 + [1] * 20)
    train = pd.DataFrame({"y": y})
    folds = make_folds(ValidationPlan("stratified_kfold", 5, ""), _spec(), train, 10, seed=1)
    assert ((folds.to_numpy() == VALID).sum(axis=1) == 1).all()
    for column in folds:
        assert (y[folds[column] == VALID] == 1).sum() == 4


def test_few_rows_are_validated_on_repeated_shuffles():
    """Below REPEAT_ROWS each row is validated once per repeat, each repeat a stratified
    partition of its own; above, once."""
    small = choose_scheme(_spec(), REPEAT_ROWS - 1, 100, 120)
    assert small.repeats == 3 and small.n_folds == 15 and "repeated 3 times" in small.reason
    assert choose_scheme(_spec(), REPEAT_ROWS, 100, 120).repeats == 1
    assert choose_scheme(_spec("regression"), 300, 100, 120).scheme == "kfold"
    assert choose_scheme(_spec(), 300, 100, 30).repeats == 1  # drafts first on a short budget
    images = _spec()
    images.files.train_images = Path("/images")  # a network's epochs fit its fold's time
    assert choose_scheme(images, 300, 100, 120).repeats == 1
    y = np.array([0] * 80 + [1] * 20)
    folds = make_folds(small, _spec(), pd.DataFrame({"y": y}), 10, seed=1)
    assert folds.shape[1] == 15
    assert ((folds.to_numpy() == VALID).sum(axis=1) == 3).all()
    repeats = [folds.iloc[:, 5 * r:5 * (r + 1)].to_numpy() for r in range(3)]
    for block in repeats:
        assert ((block == VALID).sum(axis=1) == 1).all()
        for k in range(5):
            assert (y[block[:, k] == VALID] == 1).sum() == 4
    assert not np.array_equal(repeats[0], repeats[1])  # a new shuffle each time


def test_time_ordered_folds_never_train_on_the_future():
    dates = pd.date_range("2020-01-01", periods=100).astype(str)
    train = pd.DataFrame({"d": dates[::-1], "y": np.arange(100.0)})
    folds = make_folds(ValidationPlan("time_ordered", 3, ""), _spec("regression", "d"), train, 10, 0)
    times = pd.to_datetime(train["d"])
    for column in folds:
        fit, check = times[folds[column] == TRAIN], times[folds[column] == VALID]
        assert len(check) == 10 and fit.max() < check.min()
    assert (folds["fold_0"] == UNUSED).sum() == 20



def test_a_test_period_too_long_for_three_folds_gets_fewer_folds_as_long_as_it():
    """Fifteen years of history and five to forecast: two validation periods of five years
    each (each trained only on what precedes it), not three shorter ones."""
    train = pd.DataFrame({"d": pd.date_range("1969-01-01", "1983-12-31").astype(str)})
    train["y"] = np.arange(len(train), dtype=float)
    test = pd.DataFrame({"d": pd.date_range("1984-01-01", "1988-12-31").astype(str)})
    folds = make_folds(ValidationPlan("time_ordered", 3, ""), _spec("regression", "d"), train,
                       len(test), 0, test)
    assert list(folds.columns) == ["fold_0", "fold_1"]
    times = pd.to_datetime(train["d"])
    for column in folds:
        fit, check = times[folds[column] == TRAIN], times[folds[column] == VALID]
        assert fit.max() < check.min()
        assert abs((check.max() - check.min()).days - 1826) <= 2  # as long as the test's period
    short = test.iloc[:365]  # a year to forecast: three folds of a year
    assert make_folds(ValidationPlan("time_ordered", 3, ""), _spec("regression", "d"), train,
                      len(short), 0, short).shape[1] == 3


def test_rows_of_unreadable_time_stay_out_of_time_ordered_folds():
    """A row with no readable time could be from after the rows it would help validate."""
    dates = pd.date_range("2020-01-01", periods=100).astype(str).to_numpy(dtype=object)
    dates[[5, 50, 97]] = "unknown"
    train = pd.DataFrame({"d": dates, "y": np.arange(100.0)})
    folds = make_folds(ValidationPlan("time_ordered", 3, ""), _spec("regression", "d"), train,
                       10, 0)
    assert (folds.iloc[[5, 50, 97]].to_numpy() == UNUSED).all()
    times = pd.to_datetime(train["d"], errors="coerce")
    for column in folds:
        fit, check = times[folds[column] == TRAIN], times[folds[column] == VALID]
        assert len(check) == 10 and fit.max() < check.min()


def test_date_parts_past_the_months_end_keep_their_place_in_time():
    """Recorded data has days like 31 February: they order after that month, not nowhere."""
    frame = pd.DataFrame({"year": [1975, 1975, 1975, 1976], "month": [1, 2, 2, 13],
                          "day": [31, 28, 31, 1]})
    axis = {"kind": "parts", "columns": ["year", "month", "day"],
            "parts": ["year", "month", "day"]}
    times = time_values(frame, axis)
    assert times[0] < times[1] < times[2] and times[2] < pd.Timestamp("1975-03-05")
    assert pd.isna(times[3])  # no month 13: no time
    codes = pd.DataFrame({"year": [1975, 1975], "month": [2, 4], "day": [0, 99]})
    assert time_values(codes, axis).isna().all()  # day 0 or 99 is a code, not a day


def test_time_ordered_folds_keep_file_order_where_few_times_can_be_read():
    """A time column that is mostly unreadable still leaves rows to fit and to validate."""
    dates = np.array(["unknown"] * 100, dtype=object)
    dates[[10, 20, 30]] = ["2020-01-01", "2020-01-02", "2020-01-03"]
    train = pd.DataFrame({"d": dates, "y": np.arange(100.0)})
    folds = make_folds(ValidationPlan("time_ordered", 3, ""), _spec("regression", "d"), train,
                       10, 0)
    for column in folds:
        assert (folds[column] == TRAIN).sum() >= 20 and (folds[column] == VALID).sum() == 10


def test_caruana_beats_or_matches_best_single_model():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    noisy = {f"m{i}": np.clip(y + rng.normal(0, 0.7, 500), 0, 1) for i in range(4)}
    metric = get_metric("roc_auc")
    best_single = max(metric.score(y, p) for p in noisy.values())
    choice = select_ensemble(noisy, y, metric)
    assert choice.score > best_single
    assert abs(sum(choice.weights.values()) - 1) < 1e-9
    assert metric.score(y, blend(noisy, choice.weights)) == choice.score
