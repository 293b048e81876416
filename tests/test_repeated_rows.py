"""Rows that repeat: a table of a few coded columns over many rows holds few distinct rows. A
family that takes weights (WEIGHTED) fits each distinct (features, target) pair once, weighted
by its count, which for its loss is the same fit, and so fits every row where it was given a
share. A family whose code ignores the weights (a model's rewrite) is fitted row by row."""

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
from tests.conftest import template_env


@pytest.fixture
def coded_table(finished_titanic_run, tmp_path) -> dict[str, str]:
    """Titanic's rows seen through two coded columns only (class and sex): a dozen distinct
    (features, target) pairs over 700 rows."""
    _, out = finished_titanic_run
    data = out / "data"
    schema = json.loads((data / "schema.json").read_text())
    schema.update(numeric=["Pclass"], categorical=["Sex"])
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    rows = len(pd.read_parquet(data / "train.parquet"))
    assignment = np.random.default_rng(0).permutation(rows) % 5
    folds = {f"fold_{k}": np.where(assignment == k, VALID, TRAIN).astype(np.int8)
             for k in range(5)}
    pd.DataFrame(folds).to_parquet(tmp_path / "folds.parquet", index=False)
    (tmp_path / "params.json").write_text(json.dumps({}))
    return template_env(data, tmp_path, schema=tmp_path / "schema.json")


def _run(recipe: str, env: dict[str, str], out: Path, fraction: float,
         weighted: bool = True) -> tuple[np.ndarray, np.ndarray, dict, str]:
    code = out / "code"
    code.mkdir(parents=True)
    for name, text in BuiltinCoder().write(Plan(recipe=recipe, rationale="r",
                                                params={})).files.items():
        if name == "predict.py" and not weighted:
            text += "\nWEIGHTED = False\n"
        (code / name).write_text(text)
    run_env = {**os.environ, **env, "MLWRIGHT_OUTPUT": str(out),
               "MLWRIGHT_DEADLINE": f"{time.time() + 600:.3f}",
               "MLWRIGHT_ROW_FRACTION": str(fraction)}
    done = subprocess.run([sys.executable, str(code / "train.py")], env=run_env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return (np.load(out / "oof.npy"), np.load(out / "test.npy"),
            json.loads((out / "progress.json").read_text()), done.stdout)


def test_a_weighted_fit_of_the_distinct_rows_is_the_fit_of_every_row(coded_table, tmp_path):
    """XGBoost's gradients, hessians and early stopping sum over rows: weighted by their
    counts, the distinct rows give the same trees, so the out-of-fold and test predictions
    agree. Given a tenth of the rows, the weighted run still fits all of them."""
    oof, test, progress, log = _run("xgboost", coded_table, tmp_path / "weighted", 0.1)
    plain_oof, plain_test, plain, plain_log = _run("xgboost", coded_table, tmp_path / "plain",
                                                   1.0, weighted=False)
    assert "each fitted once, weighted" in log and "every row, not 10% of them" in log
    assert progress["weighted"] and not plain["weighted"] and "distinct" not in plain_log
    assert progress["row_share"] > 1  # more rows than the tenth it was given
    assert np.allclose(oof, plain_oof, atol=1e-4) and np.allclose(test, plain_test, atol=1e-4)


@pytest.mark.parametrize("recipe", ["lightgbm", "xgboost"])
def test_boosted_families_fit_the_distinct_rows_weighted(coded_table, tmp_path, recipe):
    oof, test, progress, log = _run(recipe, coded_table, tmp_path / recipe, 1.0)
    assert progress["weighted"] and "each fitted once, weighted" in log
    assert "every row, not" not in log  # given every row, there is nothing to raise
    assert np.isfinite(oof).all() and np.isfinite(test).all()
    y = pd.read_parquet(coded_table["MLWRIGHT_TRAIN"])["Survived"].astype(int).to_numpy()
    assert ((oof > 0.5) == y).mean() > 0.7  # class and sex alone say this much on titanic
