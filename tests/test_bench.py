"""`mlwright bench` over a suite holding an MLE-bench competition folder, run unchanged:
results.csv gets a graded, valid row with its medal, and a second bench skips the finished task."""

import csv

from tests.conftest import mlwright
from tests.test_grading import mle_bench_competition


def test_bench_runs_grades_and_resumes(tmp_path):
    suite = tmp_path / "suite"
    mle_bench_competition(suite / "titanic-comp")
    out = tmp_path / "bench"
    first = mlwright("bench", suite, "--budget", "20", "--out", out)
    assert first.returncode == 0, first.stdout + first.stderr
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    row = rows[0]
    assert row["task"] == "titanic-comp" and row["valid"] == "True" and row["error"] == ""
    assert row["metric"] == "accuracy" and 0.6 < float(row["score"]) <= 1.0
    assert row["medal"] in ("gold", "silver", "bronze", "none")
    assert float(row["wall_s"]) <= 22 and float(row["peak_mb"]) > 0
    assert 0.6 < float(row["validation"]) <= 1.0  # what the run's own validation said
    assert 0 <= float(row["outside_s"]) <= float(row["wall_s"])  # the harness's share of it
    assert float(row["harness_cpu_s"]) > 0
    assert "| titanic-comp | accuracy |" in (out / "results.md").read_text()
    journal = out / "runs" / "titanic-comp" / "journal.sqlite"
    assert journal.exists()
    stamp = journal.stat().st_mtime
    again = mlwright("bench", suite, "--budget", "20", "--out", out)
    assert again.returncode == 0 and "done before" in again.stdout
    assert journal.stat().st_mtime == stamp  # nothing was run again


def test_bench_unknown_task_is_a_usage_error(tmp_path):
    suite = tmp_path / "suite"
    mle_bench_competition(suite / "titanic-comp")
    result = mlwright("bench", suite, "--tasks", "nope", "--out", tmp_path / "b")
    assert result.returncode == 2 and "--tasks: ['nope'] not in" in result.stderr
    (tmp_path / "empty").mkdir()
    empty = mlwright("bench", tmp_path / "empty")
    assert empty.returncode == 2 and "holds no task folders" in empty.stderr
