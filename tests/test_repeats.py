"""Repeated folds give way when time is short: a run whose fits cost more than their share of
its window validates every row once instead of being killed with nothing (CatBoost on 837
icons of 2,304 pixels: 15 folds in a 36 s window, each fold's set-up alone longer than its
share, killed twice)."""

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
from mlwright.validation import VALID
from tests.conftest import template_env

# Appended to the rendered predict.py: every fit first pays this fixed cost, as a fit that
# sets up thousands of columns does, whatever its share of the window.
FIXED_COST = """
_fit_model = fit_model


def fit_model(*args):
    time.sleep({seconds})
    return _fit_model(*args)
"""


def _candidate(finished_titanic_run, tmp_path: Path, recipe: str, fixed_seconds: float,
               repeats: int = 3, k: int = 5) -> tuple[Path, dict[str, str], int]:
    _, out = finished_titanic_run
    data = out / "data"
    rows = len(pd.read_parquet(data / "train.parquet"))
    rng = np.random.default_rng(0)
    folds = {}
    for repeat in range(repeats):
        assignment = rng.permutation(rows) % k
        for fold in range(k):
            folds[f"fold_{repeat * k + fold}"] = np.where(assignment == fold, VALID,
                                                          1).astype(np.int8)
    pd.DataFrame(folds).to_parquet(tmp_path / "folds.parquet", index=False)
    code = tmp_path / "code"
    code.mkdir()
    for name, text in BuiltinCoder().write(Plan(recipe=recipe, rationale="r",
                                                params={})).files.items():
        if name == "predict.py" and fixed_seconds:
            text = "import time\n" + text + FIXED_COST.format(seconds=fixed_seconds)
        (code / name).write_text(text)
    (tmp_path / "params.json").write_text(json.dumps({}))
    return code, template_env(data, tmp_path), repeats * k


def _train(code: Path, env: dict[str, str], out: Path, seconds: float) -> tuple[dict, str]:
    """The candidate's train.py, run until it ends by itself (nothing stops it at its window:
    whether it kept within it is not what these tests check)."""
    out.mkdir()
    run_env = {**os.environ, **env, "MLWRIGHT_OUTPUT": str(out),
               "MLWRIGHT_DEADLINE": f"{time.time() + seconds:.3f}"}
    done = subprocess.run([sys.executable, str(code / "train.py")], env=run_env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "progress.json").read_text()), done.stdout


@pytest.mark.parametrize("recipe", ["linear", "lightgbm"])  # fixed rows; stops on time
def test_folds_that_cannot_all_fit_their_window_validate_every_row_once(
        finished_titanic_run, tmp_path, recipe):
    """Each fit takes at least a second; fifteen cannot end in nine. The run keeps the first
    five folds, which validate every row, and only their models predict the test."""
    code, env, folds = _candidate(finished_titanic_run, tmp_path, recipe, fixed_seconds=1.0)
    progress, log = _train(code, env, tmp_path / "out", seconds=9.0)
    assert f"5 of {folds} folds" in log
    assert len(progress["fold_seconds"]) == 5 and progress["fits"] == 5
    assert not np.isnan(np.load(tmp_path / "out" / "oof.npy")).any()  # every row validated
    meta = json.loads((tmp_path / "out" / "model" / "meta.json").read_text())
    assert set(meta["predictors"]) <= {f"fold_{i}.pkl" for i in range(5)}


def test_folds_with_time_for_all_of_them_keep_their_repeats(finished_titanic_run, tmp_path):
    code, env, folds = _candidate(finished_titanic_run, tmp_path, "linear", fixed_seconds=0.0)
    progress, log = _train(code, env, tmp_path / "out", seconds=600.0)
    assert "repeated folds would overrun" not in log
    assert len(progress["fold_seconds"]) == folds == progress["fits"]
