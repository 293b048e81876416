"""`mlwright bench`: run every task of a suite, grade it, and keep a results table.

Each task runs as its own `mlwright run` child process, so a crash in one task costs only that
task, and memory is measured per task. results.csv is rewritten after every task; a bench
started again over the same --out skips finished tasks and resumes an interrupted one from its
journal.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from mlwright.bench.grading import grade_submission
from mlwright.bench.measure import run_measured
from mlwright.bench.report import markdown_results
from mlwright.disk_full import folder_mb
from mlwright.errors import MlwrightError, OptionError, TaskInputError
from mlwright.journal import Journal, first_model_seconds, published_validation_score
from mlwright.task.layouts import looks_like_task
from mlwright.time_use import time_use

KILL_GRACE = 1.5  # a task still running at 1.5 x its budget (+60 s) is killed and marked failed


@dataclass(frozen=True)
class BenchOptions:
    budget: str
    budget_seconds: float
    brain: str = "builtin"
    model: str | None = None
    seed: int = 0
    tasks: tuple[str, ...] = ()


@dataclass
class BenchRow:
    task: str
    metric: str = ""
    direction: str = ""
    score: float | None = None
    validation: float | None = None  # what the run's own validation said of what it published
    baseline: float | None = None
    beats_baseline: bool | None = None
    wall_s: float | None = None
    budget_s: float | None = None
    within_budget: bool | None = None
    peak_mb: float | None = None
    tree_peak_mb: float | None = None
    disk_mb: float | None = None  # the run folder at its end (a file linked twice counts once)
    constant: float | None = None
    beats_constant: bool | None = None
    first_model_s: float | None = None  # when the first model-based submission was written
    outside_s: float | None = None  # seconds with no candidate run or step in flight
    harness_cpu_s: float | None = None  # the harness process's own CPU seconds
    valid: bool = False
    medal: str = ""
    resumed: bool = False
    error: str = ""


def find_tasks(suite_dir: Path, wanted: tuple[str, ...]) -> list[Path]:
    """The task folders of a suite, in name order, limited to WANTED when given."""
    suite_dir = Path(suite_dir).expanduser()
    if not suite_dir.is_dir():
        raise TaskInputError(f"{suite_dir}: suite folder does not exist")
    found = {p.name: p for p in sorted(suite_dir.iterdir()) if p.is_dir() and _is_task(p)}
    if not found:
        raise TaskInputError(f"{suite_dir}: holds no task folders (each needs a training table "
                             "such as train.csv, a train/ folder of class folders, or an "
                             "archive holding them)")
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise OptionError(f"--tasks: {unknown} not in {suite_dir}; it has {sorted(found)}")
    return [found[name] for name in wanted] if wanted else list(found.values())


def _is_task(folder: Path) -> bool:
    return looks_like_task(folder)  # by names only: nothing is unpacked to list a suite


def run_bench(suite_dir: Path, out: Path, options: BenchOptions,
              echo: Callable[[str], None] = print) -> list[BenchRow]:
    tasks = find_tasks(suite_dir, options.tasks)
    out.mkdir(parents=True, exist_ok=True)
    rows = {row.task: row for row in read_results(out / "results.csv")}
    for task_root in tasks:
        name = task_root.name
        if name in rows and rows[name].error == "":
            echo(f"[bench] {name}: done before ({rows[name].metric} {rows[name].score})")
            continue
        echo(f"[bench] {name}: running with budget {options.budget}")
        rows[name] = run_task(task_root, out, options)
        write_results(out, [rows[t.name] for t in tasks if t.name in rows])
        row = rows[name]
        echo(f"[bench] {name}: {row.metric} {row.score} in {row.wall_s:.1f}s"
             + (f" ({row.error})" if row.error else ""))
    return [rows[t.name] for t in tasks if t.name in rows]


def run_task(task_root: Path, out: Path, options: BenchOptions) -> BenchRow:
    run_dir = out / "runs" / task_root.name
    resumed = (run_dir / "journal.sqlite").exists() and (run_dir / "folds.parquet").exists()
    if resumed:
        command = [sys.executable, "-m", "mlwright", "resume", str(run_dir)]
    else:
        shutil.rmtree(run_dir, ignore_errors=True)  # a run killed before its journal existed
        command = [sys.executable, "-m", "mlwright", "run", str(task_root), "--budget",
                   options.budget, "--out", str(run_dir), "--brain", options.brain,
                   "--seed", str(options.seed)]
        if options.model:
            command += ["--model", options.model]
    measured = run_measured(command, out / "logs" / f"{task_root.name}.log",
                            timeout_s=options.budget_seconds * KILL_GRACE + 60)
    row = BenchRow(task=task_root.name, wall_s=round(measured.wall_s, 2),
                   budget_s=options.budget_seconds,
                   within_budget=measured.wall_s <= 1.1 * options.budget_seconds,
                   peak_mb=round(measured.peak_mb, 1), tree_peak_mb=round(measured.tree_peak_mb, 1),
                   resumed=resumed)
    if measured.exit_code != 0:
        last = measured.log_tail.strip().splitlines()[-1:] or ["no output"]
        row.error = f"exit {measured.exit_code}: {last[0][:200]}"
    if (run_dir / "journal.sqlite").exists():
        journal = Journal(run_dir / "journal.sqlite")
        events = journal.events()
        journal.close()
        first = first_model_seconds(events, None if resumed else measured.wall_s)
        row.first_model_s = None if first is None else round(first, 1)
        validation = published_validation_score(events)
        use = time_use(events)
        # the process's seconds outside the journal's sessions (reading the task before it,
        # writing the report after it) are the harness's too; a resumed run's are unknown
        before_after = 0.0 if resumed else max(0.0, measured.wall_s - use.wall_s)
        row.outside_s = round(use.outside_s + before_after, 1)
        row.harness_cpu_s = use.harness_cpu_s
        row.validation = None if validation is None else round(validation, 6)
    row.disk_mb = round(folder_mb(run_dir), 1)
    return grade_row(row, task_root, run_dir / "final" / "submission.csv")


def grade_row(row: BenchRow, task_root: Path, submission: Path) -> BenchRow:
    """Fill in score, baseline and medal; an ungradable task keeps its error, not a score."""
    try:
        result = grade_submission(task_root, submission)
    except MlwrightError as exc:
        row.error = row.error or str(exc).splitlines()[0][:300]
        return row
    row.metric, row.score, row.valid = result.metric, round(result.score, 6), True
    row.direction = "higher" if result.higher_is_better else "lower"
    row.medal = (result.medal.medal or "none") if result.medal else ""
    reference = task_root / "reference.json"
    if reference.is_file():
        figures = json.loads(reference.read_text())
        row.baseline, row.constant = figures.get("plain"), figures.get("constant")
        if row.baseline is not None:
            row.beats_baseline = _beats(result.score, row.baseline, result.higher_is_better)
        if row.constant is not None:
            row.beats_constant = _beats(result.score, row.constant, result.higher_is_better)
    return row


def _beats(score: float, other: float, higher_is_better: bool) -> bool:
    return score > other if higher_is_better else score < other


def read_results(path: Path) -> list[BenchRow]:
    if not path.is_file():
        return []
    types = {f.name: f.type for f in fields(BenchRow)}
    rows = []
    with path.open(newline="") as handle:
        for record in csv.DictReader(handle):
            values = {k: _parse(v, types[k]) for k, v in record.items() if k in types}
            rows.append(BenchRow(**values))
    return rows


def _parse(text: str, kind: str):
    if kind == "str":
        return text
    if text == "":
        return None if "None" in kind else False
    if "bool" in kind:
        return text == "True"
    return float(text)


def write_results(out: Path, rows: list[BenchRow]) -> None:
    """results.csv and results.md, each replaced atomically so a kill leaves the last good one."""
    names = [f.name for f in fields(BenchRow)]
    scratch = out / "results.csv.tmp"
    with scratch.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in asdict(row).items()})
    os.replace(scratch, out / "results.csv")
    markdown = out / "results.md.tmp"
    markdown.write_text(markdown_results(rows))
    os.replace(markdown, out / "results.md")
