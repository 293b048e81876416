"""The search as plain data: candidates and their runs, rebuilt from the journal on resume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlwright.agents.roles import Fix, Plan
from mlwright.journal import Event
from mlwright.knowledge.costs import STOPPED_SHARE
from mlwright.workspace.candidate import CandidateRepo


@dataclass
class RunRecord:
    run_id: str
    candidate_id: str
    action: str  # draft | tune | improve | debug
    params: dict[str, Any]
    row_fraction: float = 1.0
    status: str = "running"  # running | ok | failed | cancelled | abandoned
    score: float | None = None  # the task's metric
    loss: float | None = None  # the selection metric as a loss: what decisions use
    fold_scores: list[float] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    started_at: float = 0.0
    window: float | None = None  # the seconds it was given
    digest: str | None = None  # of its predictions when scored (scoring.predictions_digest)
    cut_short: bool = False  # its deadline stopped a fold's fit: it learned less than it would

    @property
    def fitted_fully(self) -> bool:
        """On every row and to its end: neither a share of the rows nor a fit its deadline
        stopped."""
        return self.row_fraction >= 1 and not self.cut_short


@dataclass
class CandidateState:
    candidate_id: str
    recipe: str
    plan: Plan
    repo: CandidateRepo
    runs: list[RunRecord] = field(default_factory=list)
    status: str = "active"  # active | pruned | failed
    debug_attempts: int = 0
    tune_failures_in_row: int = 0
    kept: dict[str, Any] = field(default_factory=dict)  # a working fix's params, for every run

    def keep_fix(self, record: RunRecord, names: tuple[str, ...]) -> None:
        """A fix that made the candidate work stays in every later run (tuning, refining)."""
        if record.action == "debug" and record.status == "ok":
            self.kept.update({k: v for k, v in record.params.items() if k in names})

    def ok_runs(self) -> list[RunRecord]:
        return [r for r in self.runs if r.status == "ok"]

    def full_draft_done(self) -> bool:
        """Whether a run fitted every row without being stopped by its window: a floor that
        did so is the recipe's full draft too."""
        return any(r.fitted_fully and r.window and r.seconds <= STOPPED_SHARE * r.window
                   for r in self.ok_runs())

    def best_run(self) -> RunRecord | None:
        runs = self.ok_runs()
        return min(runs, key=lambda r: r.loss) if runs else None

    def typical_seconds(self) -> float | None:
        times = [r.seconds for r in self.ok_runs()]
        return float(np.median(times)) if times else None

    def count(self, action: str) -> int:
        return sum(1 for r in self.runs if r.action == action)


@dataclass
class SearchState:
    candidates: dict[str, CandidateState] = field(default_factory=dict)
    runs: dict[str, RunRecord] = field(default_factory=dict)
    # work an earlier session decided and did not finish: (candidate id, the fix to run)
    unfinished: list[tuple[str, Fix]] = field(default_factory=list)

    def next_run_id(self) -> str:
        return f"r{len(self.runs) + 1:04d}"

    def next_candidate_id(self) -> str:
        return f"c{len(self.candidates) + 1:03d}"

    def add_run(self, record: RunRecord) -> None:
        self.runs[record.run_id] = record
        self.candidates[record.candidate_id].runs.append(record)

    def out_of_reach(self, kept: int, members: set[str]) -> list[RunRecord]:
        """Runs that can no longer join an ensemble: those that did not finish (failed,
        cancelled, abandoned), and those ranked below the best `kept` (ranks only fill with
        better runs), unless a member of the current one."""
        ranked = sorted(self.ok_runs(), key=lambda r: r.loss)
        beyond = [r for r in ranked[kept:] if r.run_id not in members]
        return beyond + [r for r in self.runs.values()
                         if r.status in ("failed", "cancelled", "abandoned")]

    def ok_runs(self) -> list[RunRecord]:
        return [r for r in self.runs.values() if r.status == "ok"]

    @classmethod
    def from_events(cls, events: list[Event], candidates_dir) -> SearchState:
        """Replay the journal. Runs that started and never finished come back as abandoned."""
        state = cls()
        for event in events:
            p = event.payload
            if event.kind == "candidate_created":
                state.candidates[event.candidate] = CandidateState(
                    candidate_id=event.candidate,
                    recipe=p["recipe"],
                    plan=Plan.model_validate(p["plan"]),
                    repo=CandidateRepo(event.candidate, candidates_dir / event.candidate),
                )
            elif event.kind == "candidate_status":
                state.candidates[event.candidate].status = p["status"]
            elif event.kind == "run_started":
                state.add_run(RunRecord(event.run, event.candidate, p["action"], p["params"],
                                        p.get("row_fraction", 1.0), started_at=event.ts,
                                        window=p.get("window")))
                if p["action"] == "debug":
                    state.candidates[event.candidate].debug_attempts += 1
            elif event.kind == "run_finished":
                record = state.runs[event.run]
                record.status = p["status"]
                record.score = p.get("score")
                record.loss = p.get("loss")
                record.fold_scores = p.get("fold_scores", [])
                record.seconds = p.get("seconds", 0.0)
                record.error = p.get("error")
                record.digest = p.get("digest")
                record.row_fraction = p.get("row_fraction", record.row_fraction)
                record.cut_short = p.get("cut_short", False)
            elif event.kind == "run_tampered":
                state.runs[event.run].status = "failed"
                state.runs[event.run].error = p.get("reason")
        for record in state.runs.values():
            if record.status == "running":
                record.status = "abandoned"
        state.unfinished = _unfinished(events, state)
        return state


def _unfinished(events: list[Event], state: SearchState) -> list[tuple[str, Fix]]:
    """What the last session left undone, to do first: a retry it decided and never started,
    and a draft or fix its end cut short, run again as it was (else the candidate, counted as
    tried, would never be drafted nor tuned)."""
    decided: dict[str, tuple[int, Fix]] = {}
    last_started: dict[str, int] = {}
    for event in events:
        if event.kind == "run_started":
            last_started[event.candidate] = event.seq
        elif event.kind == "debug_decided" and event.payload.get("action") == "retry":
            fields = {k: v for k, v in event.payload.items() if k in Fix.model_fields}
            decided[event.candidate] = (event.seq, Fix.model_validate(fields))
    unfinished = []
    for candidate_id, candidate in state.candidates.items():
        if candidate.status != "active" or candidate.ok_runs():
            continue
        seq, fix = decided.get(candidate_id, (-1, None))
        if fix is not None and seq > last_started.get(candidate_id, -1):
            unfinished.append((candidate_id, fix))
        elif candidate.runs and candidate.runs[-1].status == "abandoned" \
                and candidate.runs[-1].action in ("draft", "debug"):
            cut = candidate.runs[-1]
            unfinished.append((candidate_id, Fix(
                action="retry", params=cut.params, row_fraction=cut.row_fraction,
                reason=f"{cut.run_id} was cut short by the end of the previous session")))
    return unfinished
