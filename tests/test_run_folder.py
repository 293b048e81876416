"""The run folder (--out) as users get it wrong: one that cannot be written, one that holds
another run, one another process is working in. Each ends in one line, and nothing is lost."""

import subprocess
import sys
import time

import pandas as pd

from tests.conftest import mlwright


def _one_line_error(result, *words):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), result.stderr
    assert "Traceback" not in result.stderr


def test_an_out_that_cannot_be_written_is_refused_in_one_line(titanic, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _one_line_error(mlwright("run", titanic, "--budget", "10", "--out", blocker / "run"),
                    str(blocker / "run"), "cannot write there", "--out")


def test_a_refused_task_leaves_no_run_folder(tmp_path):
    task = tmp_path / "empty-task"
    task.mkdir()
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "10", "--out", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_second_process_in_a_busy_run_folder_is_refused_and_the_first_goes_on(titanic,
                                                                                 tmp_path):
    out = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "mlwright", "run", str(titanic), "--budget",
                              "20", "--out", str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "journal.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (out / "journal.sqlite").exists()
    _one_line_error(mlwright("run", titanic, "--budget", "10", "--out", out),
                    "another mlwright process", f"pid {first.pid}")
    _one_line_error(mlwright("resume", out), "another mlwright process")
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr[-2000:]
    assert len(pd.read_csv(out / "final" / "submission.csv")) == len(
        pd.read_csv(titanic / "test.csv"))
    # ... and once it has ended, the folder holds a finished run, not a free one
    _one_line_error(mlwright("run", titanic, "--budget", "10", "--out", out),
                    "already holds a run", "mlwright resume")
