"""Forecasting with panel series: Grunfeld's investment data (11 US firms, 1935-1954, shipped
with statsmodels); the last three years are the test. The firm is found as the series key,
target lags reach at least as far back as the test reaches ahead, the lag features hold the
firm's own earlier values, and validation leaves the same distance between train and valid."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlwright.task.loading import locate_task
from mlwright.task.metrics import get_metric
from mlwright.task.profile import profile
from mlwright.task.understand import understand
from mlwright.validation import TRAIN, VALID, choose_scheme, make_folds
from tests.conftest import mlwright

grunfeld = pytest.importorskip("statsmodels.datasets.grunfeld")

DESCRIPTION = """# Firm investment

Forecast each firm's yearly gross investment (`invest`) for the last years of the record from
its market value and capital stock.

## Evaluation
Mean absolute error.
"""


@pytest.fixture
def panel_task(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    data = grunfeld.load_pandas().data
    data = data.assign(date=data["year"].astype(int).astype(str) + "-12-31",
                       firm=data["firm"].astype(str)).drop(columns="year")
    data.insert(0, "id", range(len(data)))
    task = tmp_path / "grunfeld"
    task.mkdir()
    later = data["date"] >= "1952"
    data[~later].to_csv(task / "train.csv", index=False)
    held_out = data[later]
    held_out.drop(columns="invest").to_csv(task / "test.csv", index=False)
    held_out[["id"]].assign(invest=0.0).to_csv(task / "sample_submission.csv", index=False)
    (task / "description.md").write_text(DESCRIPTION)
    return task, held_out


def _template_namespace() -> dict:
    """The feature code exactly as candidates get it: their rendered predict.py."""
    from mlwright.agents.builtin.coder import render_predict
    from mlwright.knowledge.recipes import get_recipe

    namespace: dict = {"__name__": "candidate_predict"}
    exec(compile(render_predict(get_recipe("lightgbm")), "predict.py", "exec"), namespace)
    return namespace


def test_series_are_found_and_lags_only_look_back_past_the_horizon(panel_task):
    task, _ = panel_task
    data = understand(locate_task(task, None))
    assert data.spec.time is not None and data.spec.time.columns == ["date"]
    _, schema = profile(data.spec, data.train, data.test)
    layout = schema.temporal
    assert layout is not None and layout.groups == ["firm"]
    assert layout.horizon >= 3 and min(layout.lags) >= layout.horizon and layout.near

    code = _template_namespace()
    plain = schema.model_dump()
    state = code["learn_feature_state"](data.train, plain)
    first = layout.lags[0]
    test_features = code["build_features"](data.test, plain, state)
    lagged = test_features[f"invest__lag{first}"]
    assert lagged.notna().all()  # every test row's lag is a known training value
    years = pd.to_datetime(data.test["date"]).dt.year - first
    train = data.train.assign(year=pd.to_datetime(data.train["date"]).dt.year)
    expected = [float(train[(train.firm == f) & (train.year == y)]["invest"].iloc[0])
                for f, y in zip(data.test["firm"], years, strict=True)]
    np.testing.assert_allclose(lagged.to_numpy(), expected)
    train_features = code["build_features"](data.train, plain, state)
    assert train_features[f"invest__lag{first}"].isna().sum() == first * 11  # no earlier data


def test_validation_mirrors_the_distance_to_the_test(panel_task):
    task, _ = panel_task
    data = understand(locate_task(task, None))
    plan = choose_scheme(data.spec, len(data.train), len(data.test), 60)
    folds = make_folds(plan, data.spec, data.train, len(data.test), 0, data.test)
    times = pd.to_datetime(data.train["date"])
    test_span = pd.to_datetime(data.test["date"]).max() - pd.to_datetime(data.test["date"]).min()
    for column in folds.columns:
        roles = folds[column].to_numpy()
        valid, fit = times[roles == VALID], times[roles == TRAIN]
        assert valid.max() - valid.min() <= test_span
        assert fit.max() < valid.min()  # never trained on the future
        assert set(data.train["firm"][roles == VALID]) == set(data.train["firm"])


def test_panel_forecast_end_to_end(panel_task, tmp_path):
    task, held_out = panel_task
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "40", "--out", out, timeout=200)
    assert result.returncode == 0, result.stderr[-2000:]
    submission = pd.read_csv(out / "final" / "submission.csv")
    truth = held_out["invest"].to_numpy()
    mae = get_metric("mae").score(truth, submission["invest"].to_numpy())
    train = pd.read_csv(task / "train.csv")
    per_firm_mean = held_out["firm"].map(train.groupby("firm")["invest"].mean()).to_numpy()
    assert mae < get_metric("mae").score(truth, per_firm_mean)
