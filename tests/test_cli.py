"""Bad input: exit 2 with one line naming the file, column or option; no traceback."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from mlwright.bench.grading import grade_submission
from mlwright.journal import Journal
from tests.conftest import mlwright


def _expect_usage_error(result, *words):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_missing_task_dir(tmp_path):
    _expect_usage_error(mlwright("run", tmp_path / "nope"), "nope", "does not exist")


@pytest.mark.parametrize("file", ["train.csv", "test.csv"])
def test_missing_data_file(titanic, file):
    (titanic / file).unlink()
    _expect_usage_error(mlwright("run", titanic), file, "not found")


@pytest.mark.parametrize(
    "content,words",
    [("", ["train.csv", "empty"]),
     ("PassengerId,Sex,Age,Pclass,Survived\n", ["train.csv", "no data rows"]),
     ("\x89PNG\x00\x00binary", ["train.csv", "not a CSV"]),
     ("PassengerId,Sex,Age,Pclass,Survived\n1,male,3,1,0\n2,female,4\n", ["train.csv", "line 3"])],
)
def test_bad_train_file(titanic, content, words):
    (titanic / "train.csv").write_bytes(content.encode("latin-1"))
    _expect_usage_error(mlwright("run", titanic, "--budget", "20"), *words)


def test_target_not_in_train(titanic):
    frame = pd.read_csv(titanic / "train.csv").drop(columns=["Survived"])
    frame.to_csv(titanic / "train.csv", index=False)
    _expect_usage_error(mlwright("run", titanic), "Survived")


def test_test_columns_differ(titanic):
    frame = pd.read_csv(titanic / "test.csv").drop(columns=["Age"])
    frame.to_csv(titanic / "test.csv", index=False)
    _expect_usage_error(mlwright("run", titanic), "test.csv", "Age")


def test_only_train_and_test_with_options_gives_a_valid_submission(titanic, tmp_path):
    """No description, no sample submission: the options and the files say enough, and the
    guesses the user should check are printed first."""
    (titanic / "description.md").unlink()
    (titanic / "sample_submission.csv").unlink()
    out = tmp_path / "run"
    result = mlwright("run", titanic, "--budget", "20", "--out", out, "--id", "PassengerId")
    assert result.returncode == 0, result.stderr
    assert "metric: accuracy (no metric named" in result.stdout
    submission = pd.read_csv(out / "final" / "submission.csv")
    test = pd.read_csv(titanic / "test.csv")
    assert list(submission.columns) == ["PassengerId", "Survived"]
    assert submission["PassengerId"].tolist() == test["PassengerId"].tolist()
    assert set(submission["Survived"]) <= {0, 1}


def test_inspect_shows_each_decision_and_its_source(titanic):
    result = mlwright("inspect", titanic)
    assert result.returncode == 0, result.stderr
    for words in ("target      Survived", "files, high", "metric      accuracy (higher is better)",
                  "description, high", "stratified_kfold x 5"):
        assert words in result.stdout, result.stdout
    as_json = json.loads(mlwright("inspect", titanic, "--json", "--metric", "logloss").stdout)
    metric = next(row for row in as_json["rows"] if row["name"] == "metric")
    assert metric["source"] == "option" and metric["value"].startswith("logloss")


def test_inspect_refuses_what_a_run_would_refuse(titanic):
    (titanic / "description.md").write_text("## Evaluation\nScored by the Dice coefficient.")
    _expect_usage_error(mlwright("inspect", titanic), "Dice coefficient", "--metric")
    _expect_usage_error(mlwright("inspect", titanic, "--metric", "dise"), "--metric")


@pytest.mark.parametrize(
    "option,value,word",
    [("--brain", "magic", "--brain"), ("--budget", "soon", "--budget"),
     ("--model", "acme:big", "provider"), ("--executor", "spark", "--executor"),
     ("--ray-address", "127.0.0.1:1", "only with --executor ray")],
)
def test_bad_options(titanic, option, value, word):
    _expect_usage_error(mlwright("run", titanic, option, value), word)


def test_unreachable_ray_head_is_named_before_any_run_folder(titanic, tmp_path):
    out = tmp_path / "run"
    result = mlwright("run", titanic, "--executor", "ray", "--ray-address", "127.0.0.1:1",
                      "--out", out)
    _expect_usage_error(result, "--ray-address", "127.0.0.1:1")
    assert not out.exists()


def _constant_accuracy(task_root: Path) -> float:
    answers = pd.read_csv(task_root / "private" / "answers.csv")
    return answers["Survived"].value_counts(normalize=True).max()


def test_end_to_end_titanic(finished_titanic_run, tmp_path):
    titanic, out = finished_titanic_run
    summary = (out / "stdout.txt").read_text()
    for words in ("validation accuracy", "ensemble:", "submission:", "report:"):
        assert words in summary, summary
    submission = pd.read_csv(out / "final" / "submission.csv")
    sample = pd.read_csv(titanic / "sample_submission.csv")
    assert list(submission.columns) == list(sample.columns)
    assert submission["PassengerId"].tolist() == sample["PassengerId"].tolist()
    assert set(submission["Survived"]) <= {0, 1}
    leaderboard = pd.read_csv(out / "final" / "leaderboard.csv")
    assert {"lightgbm", "catboost", "xgboost", "linear"} <= set(leaderboard["recipe"])
    assert leaderboard["score"].notna().all()
    # the standalone predictor reproduces the submission
    again = tmp_path / "again.csv"
    subprocess.run([sys.executable, out / "final" / "predict.py", titanic / "test.csv", again],
                   check=True)
    pd.testing.assert_frame_equal(pd.read_csv(again), submission)
    events = Journal(out / "journal.sqlite").events()
    written = [e.payload for e in events if e.kind == "submission_written"]
    assert written[0]["weights"] == {"constant": 1.0} and written[-1]["score"] > written[0]["score"]


def test_titanic_submission_beats_the_constant_on_the_held_out_answers(finished_titanic_run):
    shared = Path(__file__).resolve().parents[2] / "shared" / "tasks" / "titanic"
    if not shared.exists():
        pytest.skip(f"{shared} (the held-out answers) is not beside the checkout")
    _, out = finished_titanic_run
    graded = grade_submission(shared, out / "final" / "submission.csv")
    assert graded.score > _constant_accuracy(shared)


def test_killed_run_resumes_without_redoing_finished_runs(titanic, tmp_path):
    import sqlite3

    out = tmp_path / "run"
    # a budget that outlasts three finished runs however busy the machine: the kill is mid-run
    process = subprocess.Popen([sys.executable, "-m", "mlwright", "run", titanic, "--budget", "90",
                                "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    journal = out / "journal.sqlite"
    deadline = time.monotonic() + 80
    finished_before = []
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:  # the journal may exist a moment before its table does
            with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as db:
                finished_before = [r for (r,) in db.execute(
                    "SELECT run FROM events WHERE kind='run_finished'")]
        except sqlite3.OperationalError:
            continue
            if len(finished_before) >= 3:
                break
    os.killpg(process.pid, signal.SIGKILL)
    killed_at = time.time()
    process.wait()
    assert len(finished_before) >= 3
    killed_report = mlwright("report", out)  # a killed run can be reported on
    assert killed_report.returncode == 0, killed_report.stderr
    assert "not finished" in (out / "final" / "report.html").read_text()
    with sqlite3.connect(journal) as db:
        finished_before = [r for (r,) in db.execute("SELECT run FROM events WHERE kind='run_finished'")]
        last_seq = db.execute("SELECT max(seq) FROM events").fetchone()[0]
    result = mlwright("resume", out)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(journal) as db:
        sessions = db.execute("SELECT count(*) FROM events WHERE kind='session_started'").fetchone()[0]
        started_runs = [r for (r,) in db.execute("SELECT run FROM events WHERE kind='run_started'")]
    assert sessions == 2
    assert len(started_runs) == len(set(started_runs))  # no run id started twice
    # ... nor the work of a finished run: the same candidate, action and parameters
    events = Journal(journal).events()
    work = {e.run: (e.candidate, e.payload["action"], json.dumps(e.payload["params"],
                                                                 sort_keys=True))
            for e in events if e.kind == "run_started"}
    done_before = {work[run] for run in finished_before}
    after = [work[e.run] for e in events if e.kind == "run_started" and e.seq > last_seq]
    assert after and not done_before & set(after)
    # it spends what was left, not a fresh budget: the time up to the kill counts as spent
    # (the session's pulse file is touched every second), however slow this machine is
    first_start = next(e.ts for e in events if e.kind == "session_started")
    spent = [e.payload for e in events if e.kind == "session_started"][1]["spent_seconds"]
    assert killed_at - first_start - 2.5 <= spent <= killed_at - first_start + 0.5, (
        spent, killed_at - first_start)
    assert (out / "final" / "submission.csv").exists()
    shutil.rmtree(out)
