"""Figures for the end-to-end tabular issue: score vs plain baseline, budget kept, overhead,
memory, time to first submission. Prints a table; asserts nothing.

    python benchmarks/tabular.py [--budget 60] [--tasks titanic,telco-churn] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from mlwright.bench.grading import grade_submission
from mlwright.journal import Journal, first_model_seconds
from mlwright.time_use import time_use

TABULAR = ["titanic", "ames-house-prices", "telco-churn", "letter-recognition", "diamond-prices",
           "chicago-ridership"]


def run_task(task_root: Path, budget: str, out: Path) -> dict:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlwright", "run", str(task_root / "public"), "--budget", budget,
         "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    watched = psutil.Process(process.pid)
    peak = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.monotonic() - started
    stderr = process.stderr.read()
    return {"wall": wall, "exit": process.returncode, "peak_mb": peak, "stderr": stderr[-500:]}


def journal_figures(journal: Path, wall: float) -> dict:
    """The share of the wall time with no run in flight (the process's seconds outside the
    journal count as the harness's), the first model-based submission, the runs."""
    reader = Journal(journal)
    try:
        events = reader.events()
    finally:
        reader.close()
    use = time_use(events)
    outside = use.outside_s + max(0.0, wall - use.wall_s)
    runs = sum(1 for e in events if e.kind == "run_finished")
    return {"outside_share": outside / wall, "first_model_s": first_model_seconds(events, wall),
            "harness_cpu_s": use.harness_cpu_s, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", default="60")
    parser.add_argument("--tasks", default=",".join(TABULAR))
    parser.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    parser.add_argument("--keep", default=None, help="folder to keep run folders in")
    args = parser.parse_args()
    tasks_dir = Path(args.shared) / "tasks"
    keep = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mlwright-bench-"))
    budget_s = float(args.budget.rstrip("s"))
    header = (f"{'task':22} {'metric':9} {'score':>10} {'baseline':>10} {'beats':>5} {'wall s':>7} "
              f"{'<=+10%':>6} {'outside':>7} {'first s':>7} {'peak MB':>8} {'runs':>4}")
    print(f"budget {args.budget}; run folders in {keep}")
    print(header)
    print("-" * len(header))
    for name in args.tasks.split(","):
        root = tasks_dir / name
        out = keep / name
        result = run_task(root, args.budget, out)
        reference = json.loads((root / "reference.json").read_text())
        config = json.loads((root / "grade.json").read_text())
        if result["exit"] != 0:
            print(f"{name:22} FAILED exit {result['exit']}: {result['stderr']}")
            continue
        grade = grade_submission(root, out / "final" / "submission.csv")
        higher = config["direction"] == "higher"
        beats = grade.score > reference["plain"] if higher else grade.score < reference["plain"]
        figures = journal_figures(out / "journal.sqlite", result["wall"])
        first = figures["first_model_s"]
        print(f"{name:22} {grade.metric:9} {grade.score:10.4f} {reference['plain']:10.4f} "
              f"{'yes' if beats else 'NO':>5} {result['wall']:7.1f} "
              f"{'yes' if result['wall'] <= 1.1 * budget_s else 'NO':>6} "
              f"{figures['outside_share']:7.1%} {first if first is None else round(first, 1)!s:>7} "
              f"{result['peak_mb']:8.0f} {figures['runs']:4d}", flush=True)


if __name__ == "__main__":
    main()
