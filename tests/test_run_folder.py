"""The run folder (--out) as users get it wrong: one that cannot be written, one that holds
another run, one another process is working in, a disk that fills up. Each ends in one line,
and nothing is lost."""

import errno
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

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
    # a budget no machine uses up before the refusals below: the first is stopped after them
    first = subprocess.Popen([sys.executable, "-m", "mlwright", "run", str(titanic), "--budget",
                              "600", "--out", str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "journal.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (out / "journal.sqlite").exists()
    _one_line_error(mlwright("run", titanic, "--budget", "10", "--out", out),
                    "another mlwright process", f"pid {first.pid}")
    _one_line_error(mlwright("resume", out), "another mlwright process")
    assert first.poll() is None  # it went on, untouched by either
    first.kill()  # a kill at any moment leaves a whole submission
    first.communicate(timeout=120)
    assert len(pd.read_csv(out / "final" / "submission.csv")) == len(
        pd.read_csv(titanic / "test.csv"))
    # ... and once it has ended, the folder holds a finished run, not a free one
    _one_line_error(mlwright("run", titanic, "--budget", "10", "--out", out),
                    "already holds a run", "mlwright resume")


def _private_mount_namespace() -> list[str] | None:
    """`unshare` into a mount namespace where a tmpfs can be mounted, or None where refused."""
    for command in (["unshare", "-m"], ["unshare", "-rm"]):
        try:
            probe = subprocess.run([*command, "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                                   capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if probe.returncode == 0:
            return command
    return None


def test_a_full_disk_stops_the_run_in_one_line_and_resume_continues_it(titanic, tmp_path):
    namespace = _private_mount_namespace()
    if namespace is None:
        pytest.skip("no mount namespace here to make a small disk in")
    mount, report = tmp_path / "small-disk", tmp_path / "report.json"
    mount.mkdir()
    helper = Path(__file__).with_name("disk_full_helper.py")
    done = subprocess.run([*namespace, sys.executable, str(helper), str(titanic), str(mount),
                           str(report)], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(report.read_text())
    stopped, resumed = seen["stopped"], seen["resumed"]
    assert stopped["filled_errno"] == errno.ENOSPC
    assert stopped["rc"] == 2, stopped["stderr"][-3000:]
    lines = [line for line in stopped["stderr"].splitlines() if line.strip()]
    assert len(lines) == 1 and "disk is full" in lines[0] and "mlwright resume" in lines[0], \
        stopped["stderr"][-3000:]
    ids = pd.read_csv(titanic / "test.csv")["PassengerId"].tolist()
    for submission in (stopped["submission"], resumed["submission"]):
        table = pd.read_csv(io.StringIO(submission))
        assert table["PassengerId"].tolist() == ids and table["Survived"].notna().all()
    assert seen["integrity"] == "ok"
    assert resumed["rc"] == 0, resumed["stderr"]
    assert seen["sessions_ended"] == 1  # the resumed session ended the run
    assert set(seen["finished_before"]) <= set(seen["finished_after"])  # nothing lost
