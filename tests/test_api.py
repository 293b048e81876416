"""mlwright from Python: build from frames or a folder, load the model, predict the same
numbers as final/predict.py; mistakes are typed errors with the command line's message."""

import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.errors import OptionError, RunStateError, TaskInputError
from tests.conftest import TITANIC


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    train = pd.read_csv(TITANIC / "train.csv")
    test = pd.read_csv(TITANIC / "test.csv")
    out = tmp_path_factory.mktemp("api") / "run"
    result = mlwright.build(train, test, target="Survived", metric="accuracy",
                            id_column="PassengerId", budget=20, out=out, live=False)
    return result, test


def test_build_from_frames_returns_the_leaderboard_score_and_files(built):
    result, test = built
    assert result.metric == "accuracy" and 0.5 < result.score <= 1.0
    assert {"candidate", "recipe", "score"} <= set(result.leaderboard.columns)
    assert len(result.leaderboard) >= 1
    submission = pd.read_csv(result.submission)
    assert submission["PassengerId"].tolist() == test["PassengerId"].tolist()


def test_a_loaded_model_predicts_what_final_predict_py_writes(built, tmp_path):
    result, test = built
    model = mlwright.load(result.run_dir)
    labels = model.predict(test)
    written = pd.read_csv(result.submission)
    assert labels.astype(str).tolist() == written["Survived"].astype(str).tolist()
    proba = model.predict_proba(test)
    assert list(proba.columns) == list(model.classes_)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (proba.columns[proba.to_numpy().argmax(axis=1)].astype(str)
            == labels.astype(str)).all()
    assert "Survived" not in model.feature_names_in_ and "Pclass" in model.feature_names_in_
    again = tmp_path / "again.csv"
    test.to_csv(tmp_path / "new.csv", index=False)
    subprocess.run([sys.executable, str(result.run_dir / "final" / "predict.py"),
                    str(tmp_path / "new.csv"), str(again)], check=True)
    pd.testing.assert_frame_equal(pd.read_csv(again), written)
    with pytest.raises(OptionError, match="Pclass"):
        model.predict(test.drop(columns=["Pclass"]))


def test_mistakes_are_typed_errors_with_the_command_lines_message(tmp_path):
    train = pd.read_csv(TITANIC / "train.csv")
    test = pd.read_csv(TITANIC / "test.csv")
    with pytest.raises((OptionError, TaskInputError), match="nope"):
        mlwright.build(train, test, target="nope", budget=10, out=tmp_path / "a", live=False)
    with pytest.raises(OptionError, match="test"):
        mlwright.build(train, budget=10, out=tmp_path / "b")
    with pytest.raises(RunStateError, match="no final model"):
        mlwright.load(tmp_path)


def test_importing_mlwright_loads_nothing_heavy():
    code = ("import sys, mlwright\n"
            "heavy = {'torch', 'ray', 'fastapi', 'mlflow', 'lightgbm', 'sklearn', 'pandas'}\n"
            "print(sorted(heavy & set(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"


def test_a_build_stopped_by_ctrl_c_is_resumed_from_python(tmp_path):
    out = tmp_path / "run"
    # A test runner's worker may start children with SIGINT ignored (pytest-xdist's do); a
    # user's terminal does not: the child takes Ctrl-C as a terminal would deliver it.
    code = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "import pandas as pd, mlwright\n"
            f"train = pd.read_csv({str(TITANIC / 'train.csv')!r})\n"
            f"test = pd.read_csv({str(TITANIC / 'test.csv')!r})\n"
            f"mlwright.build(train, test, target='Survived', budget=30, out={str(out)!r}, "
            "live=False)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # the first run has started: early in the budget however loaded the machine is
    while time.monotonic() < deadline and not list(out.glob("candidates/*/runs/*")):
        time.sleep(0.1)
    child.send_signal(signal.SIGINT)  # what Ctrl-C sends
    _, stderr = child.communicate(timeout=120)
    assert child.returncode != 0 and "KeyboardInterrupt" in stderr
    resumed = mlwright.resume(out, live=False)
    assert resumed.score is not None
    assert len(pd.read_csv(resumed.submission)) == len(pd.read_csv(TITANIC / "test.csv"))
