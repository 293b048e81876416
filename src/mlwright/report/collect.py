"""Everything the report shows, read back from a run folder (finished or killed).

The journal is the source of truth: the tree, the timings and the scores come from its events;
the candidates' folders add code history, logs and predictions.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright.agents.state import SearchState
from mlwright.errors import RunStateError
from mlwright.journal import Event, Journal
from mlwright.leaderboard import leaderboard_rows
from mlwright.paths import RunPaths
from mlwright.task.loading import read_header, read_table
from mlwright.task.metrics import get_metric
from mlwright.task.profile import DataProfile
from mlwright.task.run_tables import read_run_column
from mlwright.task.spec import TaskSpec
from mlwright.time_use import TimeUse, time_use

LOG_CHARS = 2500
DIFF_CHARS = 12000


@dataclass
class RunNode:
    run_id: str
    candidate_id: str
    recipe: str
    action: str  # draft | debug | tune | improve
    parent: str | None  # the run this one grew from; None for a candidate's first run
    status: str
    score: float | None
    fold_std: float | None
    seconds: float
    started: float  # seconds since the run began
    finished: float | None
    params: dict[str, Any]
    params_changed: dict[str, Any]  # against the parent run
    error: str | None
    log_tail: str
    row_fraction: float
    host: str = ""


@dataclass
class CandidateView:
    candidate_id: str
    recipe: str
    status: str
    rationale: str
    parent: str | None
    history: str  # the candidate repository's commits with their diffs


@dataclass
class ReportData:
    run_dir: Path
    spec: TaskSpec
    profile: DataProfile
    folds: dict[str, Any]
    budget_seconds: float
    brain: str
    elapsed: float
    finished: bool
    leaderboard: pd.DataFrame
    nodes: list[RunNode]
    candidates: list[CandidateView]
    weights: dict[str, float]
    submissions: list[tuple[float, float]]  # (seconds, validation score) each time one was written
    format_check: list[str]  # problems with final/submission.csv; empty when it is valid
    usage: list[dict[str, Any]] = field(default_factory=list)  # model calls per role (LLM brain)
    y: np.ndarray | None = None  # targets on the validation rows
    oof: np.ndarray | None = None  # the ensemble's validation predictions on the same rows
    importances: dict[str, float] = field(default_factory=dict)
    importance_run: str | None = None
    isolation: dict[str, Any] = field(default_factory=dict)  # the journal's last isolation event
    tampered: list[str] = field(default_factory=list)  # runs whose files changed after scoring
    time: TimeUse = field(default_factory=TimeUse)  # where the seconds went


def collect(run_dir: Path) -> ReportData:
    paths = RunPaths(Path(run_dir))
    for required in (paths.journal, paths.task, paths.profile):
        if not required.exists():
            raise RunStateError(f"{run_dir}: not a run folder ({required.name} missing)")
    journal = Journal(paths.journal)
    try:
        events = journal.events()
    finally:
        journal.close()
    spec = TaskSpec.model_validate_json(paths.task.read_text())
    data_profile = DataProfile.model_validate_json(paths.profile.read_text())
    origin = events[0].ts if events else 0.0
    configured = _first(events, "run_configured")
    folds = _first(events, "folds_fixed")
    nodes, candidates = _search_tree(events, paths, origin)
    written = [e for e in events if e.kind == "submission_written"]
    weights = written[-1].payload["weights"] if written else {}
    # Rebuilt from the journal, so a killed run (no leaderboard.csv yet) is shown the same way.
    state = SearchState.from_events(events, paths.candidates)
    leaderboard = leaderboard_rows(state, get_metric(spec.metric), weights)
    data = ReportData(
        run_dir=paths.root, spec=spec, profile=data_profile, folds=folds,
        budget_seconds=float(configured.get("budget_seconds", 0.0)),
        brain=configured.get("brain", "builtin"),
        elapsed=(events[-1].ts - origin) if events else 0.0,
        finished=any(e.kind == "session_ended" for e in events),
        leaderboard=leaderboard, nodes=nodes, candidates=candidates, weights=weights,
        submissions=[(e.ts - origin, e.payload["score"]) for e in written
                     if e.payload.get("score") is not None],
        format_check=check_final_format(paths, spec),
        usage=[e.payload for e in events if e.kind == "model_usage"],
        isolation=next((e.payload for e in reversed(events) if e.kind == "isolation"), {}),
        tampered=[e.run for e in events if e.kind == "run_tampered"],
        time=time_use(events),
    )
    _add_predictions(data, paths, nodes)
    _add_importances(data, paths, nodes)
    return data


def _first(events: list[Event], kind: str) -> dict[str, Any]:
    return next((e.payload for e in events if e.kind == kind), {})


def _search_tree(events: list[Event], paths: RunPaths, origin: float):
    """Runs as nodes. A debug run grows from the failed run before it; a tune or improve run
    from the candidate's best run when it started; a replacement candidate's first run from
    the failed candidate's last run."""
    nodes: dict[str, RunNode] = {}
    recipes, views, last_run = {}, {}, {}
    best: dict[str, tuple[float, str]] = {}
    for event in events:
        p = event.payload
        if event.kind == "candidate_created":
            recipes[event.candidate] = p["recipe"]
            plan = p.get("plan", {})
            views[event.candidate] = CandidateView(event.candidate, p["recipe"], "active",
                                                   plan.get("rationale", ""), p.get("parent"),
                                                   _git_history(paths.candidates / event.candidate))
        elif event.kind == "candidate_status" and event.candidate in views:
            views[event.candidate].status = p["status"]
        elif event.kind == "run_started":
            candidate = event.candidate
            if p["action"] in ("tune", "improve") and candidate in best:
                parent = best[candidate][1]
            elif candidate in last_run:
                parent = last_run[candidate]
            else:
                source = views[candidate].parent if candidate in views else None
                parent = last_run.get(source) if source else None
            parent_params = nodes[parent].params if parent in nodes else {}
            changed = {k: v for k, v in p["params"].items() if parent_params.get(k) != v} \
                if parent else {}
            nodes[event.run] = RunNode(
                event.run, candidate, recipes.get(candidate, "?"), p["action"], parent, "running",
                None, None, 0.0, event.ts - origin, None, p["params"], changed, None, "",
                p.get("row_fraction", 1.0))
            if p["action"] in ("draft", "debug"):
                last_run[candidate] = event.run
        elif event.kind == "run_finished" and event.run in nodes:
            node = nodes[event.run]
            node.status, node.score = p["status"], p.get("score")
            folds = p.get("fold_scores") or []
            node.fold_std = float(np.std(folds)) if folds else None
            node.seconds, node.finished = p.get("seconds", 0.0), event.ts - origin
            node.error = p.get("error")
            node.row_fraction = p.get("row_fraction", node.row_fraction)  # what it fitted
            node.host = p.get("host") or ""
            node.log_tail = _log_tail(paths.candidates / node.candidate_id / "runs" / node.run_id)
            loss = p.get("loss")
            if node.status == "ok" and loss is not None and \
                    (node.candidate_id not in best or loss < best[node.candidate_id][0]):
                best[node.candidate_id] = (loss, node.run_id)
    for node in nodes.values():
        if node.status == "running":
            node.status = "abandoned"
    return list(nodes.values()), list(views.values())


def _log_tail(run_dir: Path) -> str:
    parts = []
    for name in ("stdout.log", "stderr.log"):
        try:
            text = (run_dir / name).read_text(errors="replace").strip()
        except OSError:
            continue
        if text:
            parts.append(f"--- {name} ---\n{text[-LOG_CHARS:]}")
    return "\n".join(parts)


def _git_history(path: Path) -> str:
    if not (path / ".git").exists():
        return ""
    done = subprocess.run(["git", "-C", str(path), "log", "-p", "--reverse", "--no-color",
                           "--format=commit %h  %s"], capture_output=True, text=True, check=False)
    text = done.stdout
    return text if len(text) <= DIFF_CHARS else text[:DIFF_CHARS] + "\n… (cut)"


def check_final_format(paths: RunPaths, spec: TaskSpec) -> list[str]:
    """The final submission against the sample submission: columns, rows, ids, empty cells."""
    if not paths.submission.exists():
        return [f"{paths.submission} does not exist"]
    try:
        submission = pd.read_csv(paths.submission, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return [f"{paths.submission} is not a readable CSV ({exc})"]
    problems = []
    if list(submission.columns) != list(spec.submission_columns):
        problems.append(f"columns {list(submission.columns)} differ from "
                        f"{spec.submission_columns}")
    sample = spec.files.sample_submission
    if sample is not None and Path(sample).exists():
        expected = read_table(sample, string_columns=tuple(read_header(sample, 1)),
                              min_columns=1)
        if len(expected) != len(submission):
            problems.append(f"{len(submission)} rows; the sample has {len(expected)}")
        elif spec.id_column and spec.id_column in submission and \
                not submission[spec.id_column].equals(expected[spec.id_column]):
            problems.append("ids differ from the sample submission's")
    if submission.isna().any().any():
        problems.append(f"{int(submission.isna().sum().sum())} empty cells")
    return problems


def _add_predictions(data: ReportData, paths: RunPaths, nodes: list[RunNode]) -> None:
    """The published ensemble's validation predictions, blended from its members' oof.npy."""
    members = {r: w for r, w in data.weights.items() if r != "constant"}
    if not members or not paths.folds.exists():
        return
    from mlwright.session import encode_target
    from mlwright.validation import validation_mask

    folds = pd.read_parquet(paths.folds)
    scored = validation_mask(folds)
    where = {n.run_id: n.candidate_id for n in nodes}
    blended, total = None, 0.0
    for run_id, weight in members.items():
        file = paths.candidates / where.get(run_id, "?") / "runs" / run_id / "oof.npy"
        if not file.exists():
            return
        part = np.load(file)[scored] * weight
        blended = part if blended is None else blended + part
        total += weight
    train = read_run_column(paths.train_table, data.spec.target).to_frame()
    data.y = encode_target(data.spec, train)[scored]
    data.oof = blended / total


def _add_importances(data: ReportData, paths: RunPaths, nodes: list[RunNode]) -> None:
    """Feature importances of the best-scoring run that reported them (tree models do)."""
    higher = data.spec.direction == "higher"
    ranked = sorted((n for n in nodes if n.status == "ok" and n.score is not None),
                    key=lambda n: -n.score if higher else n.score)
    for node in ranked:
        file = paths.candidates / node.candidate_id / "runs" / node.run_id / "importances.json"
        if file.exists():
            data.importances = json.loads(file.read_text())
            data.importance_run = f"{node.run_id} ({node.recipe})"
            return
