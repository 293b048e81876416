"""Kill a run with SIGKILL at ten different moments, resume each, and check the promises:

    python benchmarks/faults/kill_resume.py [--task examples/titanic] [--budget 40] [--out DIR]

For every moment: the resumed run ends with a valid submission (the sample's ids, in order, and
its columns), the wall time of both sessions together stays within the budget + 10 %, no run
that had finished before the kill is started again, and none is lost (each is still finished,
with its score, after the resume). Prints one row per moment and exits 1 if any check fails.
Timings depend on the machine; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def _events(journal: Path) -> list[tuple[int, float, str, str | None, dict, str | None]]:
    if not journal.exists():
        return []
    try:
        with sqlite3.connect(journal) as db:
            rows = db.execute("SELECT seq, ts, kind, run, payload, candidate FROM events "
                              "ORDER BY seq")
            return [(s, t, k, r, json.loads(p), c) for s, t, k, r, p, c in rows]
    except sqlite3.Error:
        return []


def _count(kind: str, n: int, action: str | None = None) -> Callable[[list, float, float], bool]:
    def reached(events, elapsed, budget):
        return sum(1 for e in events if e[2] == kind
                   and (action is None or e[4].get("action") == action)) >= n
    return reached


def _share(share: float) -> Callable[[list, float, float], bool]:
    return lambda events, elapsed, budget: elapsed >= share * budget


# (name, when to kill); a moment never reached kills at the run's natural end (noted).
MOMENTS = [
    ("before the journal", lambda events, elapsed, budget: elapsed >= 0.3),
    ("first run started", _count("run_started", 1)),
    ("first submission by a model", _count("submission_written", 2)),
    ("three runs finished", _count("run_finished", 3)),
    ("first tuning run", _count("run_started", 1, "tune")),
    ("an ensemble being published", _count("submission_written", 3)),
    ("10 % of the budget", _share(0.10)),
    ("50 % of the budget", _share(0.50)),
    ("90 % of the budget", _share(0.90)),
    ("writing the report", _count("session_ended", 1)),
]


def check_submission(task: Path, submission: Path) -> str:
    if not submission.exists():
        return "no submission"
    sample = pd.read_csv(task / "sample_submission.csv")
    got = pd.read_csv(submission)
    if list(got.columns) != list(sample.columns):
        return f"columns {list(got.columns)}"
    if got.iloc[:, 0].tolist() != sample.iloc[:, 0].tolist():
        return "ids differ from the sample's"
    if got.isna().any().any():
        return "empty cells"
    return ""


def one(task: Path, out: Path, budget: float, name: str, when) -> dict:
    command = [sys.executable, "-m", "mlwright", "run", str(task), "--budget", str(budget),
               "--out", str(out)]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    killed = False
    while process.poll() is None:
        if when(_events(out / "journal.sqlite"), time.monotonic() - started, budget):
            os.killpg(process.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.02)
    process.wait()
    first = time.monotonic() - started
    before = {e[3]: e[4] for e in _events(out / "journal.sqlite")
              if e[2] == "run_finished" and e[4].get("status") == "ok"}
    started_before = {e[3]: (e[5], e[4]) for e in _events(out / "journal.sqlite")
                      if e[2] == "run_started"}
    last_seq = max((e[0] for e in _events(out / "journal.sqlite")), default=0)
    row = {"moment": name, "killed": killed, "first_s": round(first, 1)}
    if not (out / "journal.sqlite").exists():
        # killed before the journal existed: nothing to resume, a fresh run is the way
        again = subprocess.run(command, capture_output=True, text=True)
        row.update(resumed="fresh run", second_s=None, exit=again.returncode)
        total = time.monotonic() - started - first
    else:
        resume_started = time.monotonic()
        again = subprocess.run([sys.executable, "-m", "mlwright", "resume", str(out)],
                               capture_output=True, text=True)
        row.update(resumed="resume", second_s=round(time.monotonic() - resume_started, 1),
                   exit=again.returncode)
        total = first + (time.monotonic() - resume_started)
    events = _events(out / "journal.sqlite")
    # A floor (the first quick model) cut short by its window is followed by the recipe's full
    # draft with the same parameters and a longer window, killed or not: that is not a redo.
    floors = {e[5] for e in events if e[2] == "candidate_created" and e[4]["plan"].get("floor")}

    def work(candidate: str | None, payload: dict) -> tuple:
        return (candidate in floors, payload["action"],
                json.dumps(payload["params"], sort_keys=True))

    after_starts = [(e[5], e[4]) for e in events if e[2] == "run_started" and e[0] > last_seq]
    done_work = {work(candidate, p) for run, (candidate, p) in started_before.items()
                 if run in before}
    redone = [p for candidate, p in after_starts if work(candidate, p) in done_work]
    finished_after = {e[3]: e[4] for e in events if e[2] == "run_finished"
                      and e[4].get("status") == "ok"}
    lost = [run for run in before if run not in finished_after]
    problems = []
    if again.returncode != 0:
        problems.append(f"exit {again.returncode}: {again.stderr.strip()[-200:]}")
    invalid = check_submission(task, out / "final" / "submission.csv")
    if invalid:
        problems.append(invalid)
    if total > 1.1 * budget + 5:  # + start-up of the second process
        problems.append(f"{total:.1f}s for a {budget:.0f}s budget")
    if redone:
        problems.append(f"{len(redone)} finished runs started again")
    if lost:
        problems.append(f"lost {lost}")
    row.update(total_s=round(total, 1), finished_before=len(before), redone=len(redone),
               lost=len(lost), ok=not problems, problems="; ".join(problems))
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", type=Path, default=ROOT / "examples" / "titanic")
    parser.add_argument("--budget", type=float, default=40.0)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "faults")
    args = parser.parse_args(argv)
    rows = []
    for index, (name, when) in enumerate(MOMENTS):
        out = args.out / f"kill-{index:02d}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        row = one(args.task, out, args.budget, name, when)
        rows.append(row)
        print(f"{name:32s} killed={row['killed']!s:5s} first={row['first_s']:5.1f}s "
              f"total={row['total_s']:5.1f}s finished={row['finished_before']:2d} "
              f"redone={row['redone']} lost={row['lost']} "
              f"{'ok' if row['ok'] else 'FAIL: ' + row['problems']}", flush=True)
        subprocess.run(["rm", "-rf", str(out / "candidates")], check=False)  # disk
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "results.csv", index=False)
    print(f"{int(table['ok'].sum())} of {len(table)} moments kept every promise")
    return 0 if table["ok"].all() else 1


if __name__ == "__main__":
    sys.exit(main())
