"""The model fitted on every row after validation: kept only when it ended in time, and fitted
on as many rows as the folds were."""

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlwright.knowledge.templates as mlwright_templates
from mlwright.agents.builtin.coder import BuiltinCoder
from mlwright.agents.roles import Plan
from mlwright.validation import TRAIN, VALID
from tests.conftest import template_env


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
    return code, template_env(data, tmp_path, refit=True)


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


def test_a_boosted_refit_cut_short_of_the_folds_rounds_leaves_the_folds_predicting():
    """A refit stopped by the deadline before the rounds its fold models reached predicts
    worse than them; families without rounds (linear, forests) always refit."""
    from mlwright.knowledge.templates.predict_common import refit_replaces_folds

    assert not refit_replaces_folds(80, [100])
    assert refit_replaces_folds(100, [100]) and refit_replaces_folds(140, [90, 100])
    assert refit_replaces_folds(None, [None])


def test_without_a_refit_the_fold_that_saw_the_latest_rows_predicts():
    """Time-ordered folds grow: the last one trained on the most, and the latest, rows."""
    from mlwright.knowledge.templates.predict_common import folds_to_predict

    assert folds_to_predict([400, 600, 800]) == [2]
    assert folds_to_predict([800]) == [0]  # a single holdout


def test_rows_validated_by_several_folds_get_the_mean_of_their_predictions(lightgbm_run,
                                                                           tmp_path):
    """Repeated folds validate a row once per repeat: its out-of-fold prediction is their
    mean, and the test's is the mean of every fold model's."""
    code, env = lightgbm_run
    rows = len(pd.read_parquet(env["MLWRIGHT_TRAIN"]))
    first = np.where(np.arange(rows) % 2 == 0, VALID, TRAIN).astype(np.int8)
    second = np.where(np.arange(rows) % 3 == 0, VALID, TRAIN).astype(np.int8)
    folds = {"fold_0": first, "fold_1": np.where(first == VALID, TRAIN, VALID).astype(np.int8),
             "fold_2": second}
    pd.DataFrame(folds).to_parquet(tmp_path / "repeated.parquet", index=False)
    env = {**env, "MLWRIGHT_FOLDS": str(tmp_path / "repeated.parquet"), "MLWRIGHT_REFIT": "0"}
    out = tmp_path / "repeated"
    _train(code, env, out, time.time() + 600)
    oof = np.load(out / "oof.npy")
    assert not np.isnan(oof).any()

    sys.path.insert(0, str(out / "model"))
    try:
        import predict as member  # the run's own predictor, as final/predict.py loads it
        meta = json.loads((out / "model" / "meta.json").read_text())
        X = member.build_features(pd.read_parquet(env["MLWRIGHT_TRAIN"]), meta["schema"],
                                  meta["state"])
        per_fold = []
        for k in range(3):
            model = member.load_model(out / "model" / f"fold_{k}.pkl")
            per_fold.append(member.canonical_output(member.predict_model(model, X, meta["ctx"]),
                                                    meta["ctx"]))
    finally:
        sys.path.remove(str(out / "model"))
        sys.modules.pop("predict", None)
    both = np.arange(rows) % 3 == 0
    expected = np.where(first == VALID, per_fold[0], per_fold[1])
    expected[both] = (expected[both] + per_fold[2][both]) / 2
    assert np.allclose(oof, expected)


def test_large_models_are_stored_compressed_and_read_back_whole(tmp_path):
    """Forests of deep trees pickle to hundreds of MB: past COMPRESS_ABOVE they are stored
    zlib-compressed, and the standalone predictor reads either kind."""
    import importlib.util

    template = Path(mlwright_templates.__file__).parent / "predict_common.py"
    spec = importlib.util.spec_from_file_location("predict_common_under_test", template)
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    small, large = {"leaves": np.arange(10)}, {"leaves": np.zeros(3 * 2**20)}  # 24 MB of zeros
    common.save_model(small, tmp_path / "small.pkl")
    common.save_model(large, tmp_path / "large.pkl")
    assert pickle.loads((tmp_path / "small.pkl").read_bytes())["leaves"].tolist() == list(range(10))
    assert (tmp_path / "large.pkl").stat().st_size < common.COMPRESS_ABOVE / 10
    assert np.array_equal(common.load_model(tmp_path / "large.pkl")["leaves"], large["leaves"])
    assert np.array_equal(common.load_model(tmp_path / "small.pkl")["leaves"], small["leaves"])


@pytest.mark.parametrize("stops_on_time", [False, True])
def test_a_model_that_cannot_stop_fits_fewer_rows_once_its_folds_say_the_rest_would_overrun(
        lightgbm_run, tmp_path, stops_on_time):
    """A deadline already past when the first fold ends: a model that cannot stop at it (a
    solver, a vectoriser) fits the other folds on the fewest rows worth a fit and skips the
    refit, so the run ends with every row validated rather than killed at its window; one that
    stops on time (fewer rounds) keeps every row."""
    code, env = lightgbm_run
    if not stops_on_time:  # as a solver or a vectoriser would be
        (code / "predict.py").write_text((code / "predict.py").read_text()
                                         + "\nSTOPS_AT_DEADLINE = False\n")
    rows = len(pd.read_parquet(env["MLWRIGHT_TRAIN"]))
    part = np.arange(rows) % 3
    folds = {f"fold_{k}": np.where(part == k, VALID, TRAIN).astype(np.int8) for k in range(3)}
    pd.DataFrame(folds).to_parquet(tmp_path / "three.parquet", index=False)
    env = {**env, "MLWRIGHT_FOLDS": str(tmp_path / "three.parquet")}
    out = tmp_path / "late"
    meta, log = _train(code, env, out, deadline=time.time())
    fitted = [int(line.split()[2]) for line in log.splitlines()
              if line.startswith("fold ") and "rows fitted" in line]
    full = [int((folds[f"fold_{k}"] == TRAIN).sum()) for k in range(3)]
    progress = json.loads((out / "progress.json").read_text())
    assert not np.isnan(np.load(out / "oof.npy")).any()
    if stops_on_time:
        assert fitted == full and progress["row_share"] == 1.0
        assert "would overrun" not in log
    else:
        assert fitted == [full[0], 150, 150]
        assert progress["row_share"] < 0.6
        assert "no refit" in log and not (out / "model" / "full.pkl").exists()
        assert meta["predictors"] == ["fold_0.pkl"]  # the fold that fitted every row predicts


def test_a_model_that_stops_on_time_is_given_a_deadline_that_leaves_time_to_predict(
        lightgbm_run, tmp_path):
    """Predicting and saving come after a model stops: on a million rows they can take longer
    than the fit. Each later fit's deadline keeps back what that took in the finished folds,
    for every fit left, so the run as a whole ends by its own deadline."""
    code, env = lightgbm_run
    (code / "predict.py").write_text((code / "predict.py").read_text() + '''

def fit_model(X, y, X_valid, y_valid, params, ctx):  # records the deadline each fit was given
    import os

    with open(os.path.join(os.environ["MLWRIGHT_OUTPUT"], "deadlines.txt"), "a") as log:
        log.write(f"{time.time()} {ctx['deadline']}\\n")
    return float(np.mean(y))


def predict_model(model, X, ctx):  # slow to predict: half a second per call
    time.sleep(0.5)
    return np.full(len(X), model)


def used_rounds(model):
    return None
''')
    rows = len(pd.read_parquet(env["MLWRIGHT_TRAIN"]))
    part = np.arange(rows) % 3
    folds = {f"fold_{k}": np.where(part == k, VALID, TRAIN).astype(np.int8) for k in range(3)}
    pd.DataFrame(folds).to_parquet(tmp_path / "three.parquet", index=False)
    env = {**env, "MLWRIGHT_FOLDS": str(tmp_path / "three.parquet")}  # LightGBM stops on time
    out = tmp_path / "reserve"
    deadline = time.time() + 600
    _train(code, {**env}, out, deadline)
    given = [tuple(map(float, line.split()))
             for line in (out / "deadlines.txt").read_text().splitlines()]
    assert len(given) == 4  # three folds and the refit
    sizes = [int((folds[f"fold_{k}"] == TRAIN).sum()) for k in range(3)] + [rows]
    for index, (started, fit_deadline) in enumerate(given[1:3], start=1):
        share = sizes[index] / sum(sizes[index:])
        # at least 1 s (two predictions) kept back per fit left, this one included
        kept_back = 1.0 * (len(sizes) - index)
        assert fit_deadline <= started + (deadline - started - kept_back) * share + 0.01
    first = sizes[0] / sum(sizes)  # nothing known yet: nothing kept back
    assert given[0][1] >= given[0][0] + (deadline - given[0][0]) * first - 0.5
    assert given[3][1] <= deadline - 1.0  # the refit keeps back one fold's predicting
