"""The model fitted on every row after validation: kept only when it ended in time, and fitted
on as many rows as the folds were."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlwright.agents.builtin.coder import BuiltinCoder
from mlwright.agents.roles import Plan
from mlwright.validation import TRAIN, VALID


@pytest.fixture
def lightgbm_run(finished_titanic_run, tmp_path) -> tuple[Path, dict[str, str]]:
    """A rendered LightGBM candidate over a finished run's tables, with one holdout fold."""
    _, out = finished_titanic_run
    data = out / "data"
    rows = len(pd.read_parquet(data / "train.parquet"))
    fold = np.where(np.arange(rows) % 5 == 0, VALID, TRAIN).astype(np.int8)
    pd.DataFrame({"fold_0": fold}).to_parquet(tmp_path / "folds.parquet", index=False)
    code = tmp_path / "code"
    code.mkdir()
    for name, text in BuiltinCoder().write(Plan(recipe="lightgbm", rationale="r",
                                                params={})).files.items():
        (code / name).write_text(text)
    (tmp_path / "params.json").write_text(json.dumps({"learning_rate": 0.1, "n_estimators": 200}))
    env = {
        "MLWRIGHT_SCHEMA": str(data / "schema.json"),
        "MLWRIGHT_TRAIN": str(data / "train.parquet"),
        "MLWRIGHT_TEST": str(data / "test.parquet"),
        "MLWRIGHT_CACHE": str(tmp_path / "cache"),
        "MLWRIGHT_PARAMS": str(tmp_path / "params.json"),
        "MLWRIGHT_FOLDS": str(tmp_path / "folds.parquet"),
        "MLWRIGHT_REFIT": "1",
        "MLWRIGHT_THREADS": "1",
    }
    return code, env


def _train(code: Path, env: dict[str, str], out: Path, deadline: float,
           fraction: float = 1.0) -> tuple[dict, str]:
    out.mkdir()
    run_env = {**os.environ, **env, "MLWRIGHT_OUTPUT": str(out),
               "MLWRIGHT_DEADLINE": f"{deadline:.3f}", "MLWRIGHT_ROW_FRACTION": str(fraction)}
    done = subprocess.run([sys.executable, str(code / "train.py")], env=run_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "model" / "meta.json").read_text()), done.stdout


def test_a_refit_that_ends_in_time_predicts_on_as_many_rows_as_the_folds(lightgbm_run, tmp_path):
    code, env = lightgbm_run
    meta, log = _train(code, env, tmp_path / "in-time", time.time() + 600, fraction=0.5)
    assert meta["predictors"] == ["full.pkl"]
    known = len(pd.read_parquet(env["MLWRIGHT_TRAIN"]))
    assert f"refit on {int(known * 0.5)} rows" in log


def test_a_refit_stopped_by_the_deadline_leaves_the_fold_models_predicting(lightgbm_run,
                                                                            tmp_path):
    """A refit cut short of its rounds predicts worse than the validated fold models."""
    code, env = lightgbm_run
    meta, log = _train(code, env, tmp_path / "late", time.time() - 1)
    assert meta["predictors"] == ["fold_0.pkl"]
    assert "refit stopped at the deadline" in log
    test = np.load(tmp_path / "late" / "test.npy")
    assert np.isfinite(test).all()


def test_without_a_refit_the_fold_that_saw_the_latest_rows_predicts(lightgbm_run, tmp_path):
    """Time-ordered folds: the last one trained on the most (and the latest) rows."""
    code, env = lightgbm_run
    rows = len(pd.read_parquet(env["MLWRIGHT_TRAIN"]))
    order = np.arange(rows)
    folds = {}
    for k, end in enumerate((0.4, 0.6, 0.8)):
        column = np.zeros(rows, dtype=np.int8)
        column[order < end * rows] = TRAIN
        column[(order >= end * rows) & (order < (end + 0.2) * rows)] = VALID
        folds[f"fold_{k}"] = column
    pd.DataFrame(folds).to_parquet(tmp_path / "time-folds.parquet", index=False)
    env = {**env, "MLWRIGHT_FOLDS": str(tmp_path / "time-folds.parquet")}
    meta, _ = _train(code, env, tmp_path / "late", time.time() - 1)
    assert meta["predictors"] == ["fold_2.pkl"]
