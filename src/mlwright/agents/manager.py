"""The manager: spends the budget over candidates. Diverse drafts first, then tuning where
validation says it pays, debugging of failures, pruning of the hopeless; stops on time.

Every decision is journaled; every finished run is scored by the harness, never by the candidate.
"""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright.agents.builtin.coder import render_candidate
from mlwright.agents.preparation import Preparations, steps_for
from mlwright.agents.roles import CodeFiles, Coder, Designer, Fix, Plan, RunFailure
from mlwright.agents.state import CandidateState, RunRecord, SearchState
from mlwright.budget import Deadline
from mlwright.ensemble import blend, select_ensemble
from mlwright.execution.base import Executor, RunOutcome, RunRequest
from mlwright.journal import Journal
from mlwright.knowledge.costs import CostModel, RunProgress
from mlwright.knowledge.recipes import (
    RECIPES,
    STICKY_PARAMS,
    RecipeContext,
    floor_recipes,
    get_recipe,
)
from mlwright.label_rule import fit_label_rule
from mlwright.paths import RunPaths
from mlwright.progress import Progress, RunLine
from mlwright.publish import Member, Publisher
from mlwright.scoring import InvalidOutput, predictions_digest, read_predictions, score_run
from mlwright.task.metrics import Metric
from mlwright.validation import validation_mask
from mlwright.workspace.candidate import CandidateRepo
from mlwright.workspace.exposures import check_exposure, prep_exposure, run_exposure
from mlwright.workspace.sandbox import SandboxLimits, python_command, run_sandboxed

ENSEMBLE_POOL = 12
KEPT_PREDICTIONS = 24
PRUNE_SHARE = 0.9  # tune only candidates within 90% of the best's gain over a constant
# Draft no more recipes of a view (what a model sees of the rows) whose full drafts gained less
# than this share of another view's best gain over the constant: on WordNet glosses, trees on
# the texts' lengths gained 7 % of what their n-grams did, and five more such drafts took half
# the slots' time.
VIEW_SHARE = 0.25
LARGE_ROWS = 50_000  # above this, tuning trials fit on a sample of rows
CHECK_SECONDS = 30.0  # the most a coder's check of its code may take
CHECK_ROWS = 2000  # rows a check fits on
PREP_SHARE = 0.7  # the most of the budget a preparation step (text embeddings) may take
FLOOR_SHARE = 0.1  # the first model-based submission is sized to this share of the budget
SIZING_MARGIN = 0.8  # rows are sized to this share of a window, against estimates that miss


@dataclass(frozen=True)
class SearchSetup:
    paths: RunPaths
    ctx: RecipeContext
    folds: pd.DataFrame
    y: np.ndarray
    metric: Metric
    selection: Metric  # what decisions are made on; see metrics.selection_metric
    budget_seconds: float
    seed: int
    slots: int
    threads: int
    memory_mb: int
    constant_loss: float
    refit: bool  # fit one more model on all rows for the test predictions
    keep_all_models: bool = False  # --keep-models all: no run's fitted models are deleted
    disk_mb: int | None = None  # what one run may write: its share of the free disk


class Manager:
    def __init__(self, setup: SearchSetup, state: SearchState, journal: Journal, executor: Executor,
                 designer: Designer, coder: Coder, tuner, publisher: Publisher, progress: Progress,
                 deadline: Deadline, policy=None):
        self.setup = setup
        self.state = state
        self.journal = journal
        self.executor = executor
        self.designer = designer
        self.coder = coder
        self.tuner = tuner
        self.publisher = publisher
        self.progress = progress
        self.deadline = deadline
        self.policy = policy  # a model's choice of the next candidate; None: the rules below
        self.reserve = max(2.0, 0.03 * setup.budget_seconds)
        self.scored_rows = validation_mask(setup.folds)
        self.predictions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.published_score: float | None = None  # None: the constant is what is published
        # The constant is the floor: an ensemble replaces it, or an earlier one, only by beating
        # it in validation (a first model can be worse than the class shares, in log loss).
        self.published_loss: float = setup.constant_loss
        self.ensemble_weights: dict[str, float] = {}
        self.pending_plans: list[Plan] = []
        self.pending_fixes: list[tuple[str, Fix]] = list(state.unfinished)
        self.inflight: dict[Future, RunRecord] = {}
        self.preps = Preparations(setup.paths)
        self.costs = CostModel(setup.ctx, setup.folds.shape[1], setup.refit)
        self.prep_inflight: dict[Future, str] = {}
        self.checks = 0
        if hasattr(coder, "checker"):
            coder.checker = self.check_code  # a coder that tries its code before handing it in

    # ---- the loop -------------------------------------------------------------------------
    def search(self) -> None:
        # The first model is under way before any role is asked: a designer that takes its time
        # (a model behind a slow endpoint, a starved machine) never delays it.
        floor, whole = self._floor_plan()
        if floor is not None:
            self.pending_plans = [floor]
            self._fill_slots()
        taken = {c.recipe for c in self.state.candidates.values()
                 if not c.plan.floor or c.full_draft_done()}
        proposed = self.designer.propose(
            self.setup.ctx, taken, self.setup.budget_seconds, self.setup.folds.shape[1]
        )
        # the designer's plan that the floor already is (the same recipe and parameters on
        # every row, ending unhurried) is not run twice
        self.pending_plans += [p for p in proposed if not whole or (
            p.recipe, p.params) != (floor.recipe, floor.params)]
        self.journal.append("plans_proposed", plans=[p.model_dump() for p in self.pending_plans])
        while True:
            self._fill_slots()
            if not self.inflight and not self.prep_inflight:
                break
            timeout = max(0.5, self._time_for_runs() + 5.0)
            done, _ = wait([*self.inflight, *self.prep_inflight], timeout=timeout,
                           return_when=FIRST_COMPLETED)
            if not done:
                self.executor.shutdown(cancel=True)
                continue
            improved = False
            for future in done:
                if future in self.prep_inflight:
                    self._finish_prep(self.prep_inflight.pop(future), future.result())
                    continue
                record = self.inflight.pop(future)
                improved |= self._finish(record, future.result())
            self._fill_slots()  # keep the workers busy before the slower aggregation
            if improved:
                self.aggregate()
            self._drop_weak_models()
        self._drop_weak_models()  # runs cancelled at the end

    def _floor_plan(self) -> tuple[Plan | None, bool]:
        """Before anything ambitious, the cheapest strong recipe on as many rows as fit a small
        share of the budget, so every task has a model-based submission early. Its code is the
        recipe's own template whatever the brain: the first model waits for no model's words.
        Also whether it is the recipe's full draft too (every row, ending inside its window)."""
        if self.state.ok_runs() or any(c.plan.floor for c in self.state.candidates.values()):
            return None, False
        ctx, target = self.setup.ctx, self._floor_target()
        fitting = floor_recipes(ctx)
        if not fitting:
            return None, False
        def fraction(recipe):  # with the recipe's cheaper choices, as a floor runs it
            work = self.costs.work(recipe, self.costs.cheapest(recipe, recipe.defaults(ctx)), 1)
            return self.costs.fraction_for(recipe, target) / work

        chosen = next((r for r in fitting if self.costs.worth_running(fraction(r))),
                      min(fitting, key=self.costs.estimate))
        params = self.costs.cheapest(chosen, chosen.defaults(ctx))
        share = min(1.0, max(fraction(chosen), self.costs.smallest_fraction()))
        how = ("on every row, in a short window" if share >= 1 else
               f"on {share:.0%} of the rows to end within about {target:.0f}s")
        plan = Plan(recipe=chosen.name, params=params, floor=True,
                    row_fraction=round(share, 4),
                    rationale=f"{chosen.summary}. The first model, {how}, so a model-based "
                              "submission exists early.")
        whole = share >= 1 and params == chosen.defaults(ctx)
        return plan, whole and self.costs.estimate(chosen) <= target

    def _same_run(self, recipe: str, fraction: float, params: dict[str, Any]) -> str | None:
        """A run of RECIPE with these parameters on at least these rows, under way or finished
        without its deadline cutting a fit short: its id, else None."""
        for candidate in self.state.candidates.values():
            for run in candidate.runs:
                done = run.status == "running" or (run.status == "ok" and not run.cut_short)
                if (candidate.recipe == recipe and done and run.params == params
                        and run.row_fraction >= fraction):
                    return run.run_id
        return None

    def _floor_target(self) -> float:
        return max(self.costs.start(get_recipe("linear")) + 3.0,
                   FLOOR_SHARE * self.setup.budget_seconds)

    def _time_for_runs(self) -> float:
        return self.deadline.remaining() - self.reserve

    def _fill_slots(self) -> None:
        while len(self.inflight) + len(self.prep_inflight) < self.executor.slots:
            if not self._launch_next():
                return

    def _launch_next(self) -> bool:
        left = self._time_for_runs()
        if left < 4.0:
            return False
        if self.pending_fixes:
            candidate_id, fix = self.pending_fixes.pop(0)
            candidate = self.state.candidates[candidate_id]
            window = min(self._draft_window(), left)
            params = {**get_recipe(candidate.recipe).defaults(self.setup.ctx), **fix.params}
            sized = self._sized(candidate.recipe, fix.row_fraction, window, params)
            if sized is None:
                self._set_status(candidate, "failed", f"{fix.reason}; even the fewest rows "
                                                      f"worth a fit would not end in {window:.0f}s")
                return True
            fraction, params = sized
            candidate.debug_attempts += 1
            candidate.repo.write_params(params)
            candidate.repo.write(fix.files, f"debug: {fix.reason}")
            return self._launch(candidate, params, "debug", fraction, window)
        if self._launch_prep(left):
            return True
        for plan in list(self.pending_plans):
            recipe = get_recipe(plan.recipe)
            steps = {name: self.preps.require(name) for name in steps_for(recipe,
                                                                          self.setup.ctx)}
            if {"waiting", "running"} & set(steps.values()):
                continue  # its data is not ready yet; other work goes first
            self.pending_plans.remove(plan)
            failed = [name for name, status in steps.items() if status == "failed"]
            if failed:
                self.journal.append("plan_skipped", recipe=plan.recipe,
                                    reason=f"its preparation step {failed[0]} failed")
                continue
            behind = self._view_far_behind(recipe)
            if behind:
                self.journal.append("plan_skipped", recipe=plan.recipe, reason=behind)
                self.progress.message(f"{plan.recipe} not drafted: {behind}")
                continue
            window = min(self._draft_window(), left)
            if plan.floor:  # sized to end early; a recipe that stops on time needs no margin
                window = min(left, (1.0 if recipe.adaptive else 1.5) * self._floor_target())
            sized = self._sized(plan.recipe, plan.row_fraction, window, dict(plan.params))
            if sized is None:
                self.journal.append("plan_skipped", recipe=plan.recipe, reason=(
                    f"needs ~{self.costs.needed(recipe):.0f}s on all rows; even the fewest "
                    f"rows worth a fit would not end in {window:.0f}s"))
                continue
            twin = self._same_run(plan.recipe, *sized)
            if twin is not None:  # made cheaper to fit its window, it is a run already made
                self.journal.append("plan_skipped", recipe=plan.recipe,
                                    reason=f"sized to its window, it is {twin} again")
                continue
            candidate = self._create_candidate(plan, render_candidate(plan) if plan.floor
                                               else None)
            return self._launch(candidate, sized[1], "draft", sized[0], window)
        choice = self._pick_for_tuning(left)
        if choice is None:
            return False
        candidate, action = choice
        # Sized like a draft: a trial that cannot end in the time left fits fewer rows, or is
        # not started (two TF-IDF trials started late ran out of time together on fortune).
        window = min(self._tune_window(candidate), left)
        wanted = 1.0 if action == "improve" else min(1.0, LARGE_ROWS / self.setup.ctx.rows)
        if action == "improve":
            params = _refined(get_recipe(candidate.recipe), candidate.best_run().params)
        else:
            params = self.tuner.suggest(candidate.candidate_id)
            if params is None:
                return False
        # the trial's own steps, and the improvement's halved ones, are what they try
        sized = self._sized(candidate.recipe, wanted, window, params, faster=False)
        if sized is None:
            if action == "tune":
                self.tuner.observe(candidate.candidate_id, params, None)
            return False
        return self._launch(candidate, params, action, sized[0], window)

    def _view_far_behind(self, recipe) -> str | None:
        """Why a draft of RECIPE is not worth its time: full drafts of what it sees of the rows
        gained far less over the constant than another view's best. None: draft it."""
        def full_losses(view_of):
            return [(r.loss, c.recipe) for c in self.state.candidates.values()
                    if view_of(get_recipe(c.recipe).view) for r in c.ok_runs()
                    if r.fitted_fully and r.loss is not None]

        own = full_losses(lambda view: view == recipe.view)
        other = full_losses(lambda view: view != recipe.view)
        if not own or not other:
            return None
        base = self.setup.constant_loss
        (own_loss, own_recipe), (best_loss, best_recipe) = min(own), min(other)
        gain, best_gain = base - own_loss, base - best_loss
        if best_gain <= 0 or gain >= VIEW_SHARE * best_gain:
            return None
        return (f"{own_recipe} on the {recipe.view} gained {max(gain, 0) / best_gain:.0%} of "
                f"what {best_recipe} on the {get_recipe(best_recipe).view} gained over the "
                "constant")

    def _sized(self, recipe_name: str, wanted: float, window: float, params: dict[str, Any],
               faster: bool = True) -> tuple[float, dict[str, Any]] | None:
        """The share of rows a run can fit within its window, and its parameters: a boosted
        run first takes bigger steps (FASTER: not for a tuner's trial, whose rate is what it
        tries), then fewer rows where the estimate still does not fit; None where even the
        fewest rows worth a fit would not end."""
        recipe = get_recipe(recipe_name)
        if faster:
            sped = self.costs.faster(recipe, params, wanted, SIZING_MARGIN * window)
            sped = self.costs.cheaper(recipe, sped, wanted, SIZING_MARGIN * window)
            if sped != params:
                self.journal.append("run_sped_up", recipe=recipe_name, params={
                    k: v for k, v in sped.items() if params.get(k) != v}, window=round(window, 1))
            params = sped
        per_row = self.costs.work(recipe, params, 1.0)
        if self.costs.needed(recipe, wanted * per_row) <= window:
            return wanted, params
        fraction = min(wanted, self.costs.fraction_for(recipe, SIZING_MARGIN * window) / per_row)
        if not self.costs.worth_running(fraction):
            return None
        self.journal.append("run_sized", recipe=recipe_name, row_fraction=round(fraction, 4),
                            needs=round(self.costs.needed(recipe, wanted * per_row), 1),
                            window=round(window, 1))
        return fraction, params

    def _launch_prep(self, left: float) -> bool:
        """Start a preparation step some pending plan waits for. It may take most of the budget
        (PREP_SHARE): the other slots draft and tune meanwhile, and it sizes its work to fit."""
        for plan in self.pending_plans:
            for step in steps_for(get_recipe(plan.recipe), self.setup.ctx):
                self.preps.require(step)
        name = self.preps.next_waiting()
        if name is None:
            return False
        window = min(left, PREP_SHARE * self.setup.budget_seconds)
        folder = self.preps.folder(name)
        script = self.preps.write_script(name)
        soft = window - max(1.0, 0.08 * window)
        env = self._run_env(folder, soft, {})
        limits = self._limits(window + 1.0)
        self.preps.status[name] = "running"
        self.journal.append("prep_started", step=name, window=round(window, 2))
        request = RunRequest(f"prep-{name}", "-", script, folder, env, limits,
                             prep_exposure(self.setup.paths))
        self.prep_inflight[self.executor.submit(request)] = name
        self.progress.message(f"preparing {name} (at most {window:.0f}s)")
        return True

    def _finish_prep(self, name: str, outcome: RunOutcome) -> None:
        sandbox = outcome.sandbox
        status = self.preps.finished(name)
        self.journal.append("prep_finished", step=name, status=status,
                            wall_seconds=round(sandbox.wall_seconds, 2),
                            peak_rss_mb=sandbox.peak_rss_mb, stopped_for=sandbox.stopped_for,
                            exit_code=sandbox.exit_code, host=outcome.host,
                            log_tail=_tail(self.preps.folder(name) / "stdout.log", 400)
                            + _tail(self.preps.folder(name) / "stderr.log", 600))
        self.progress.message(f"{name} {status} in {sandbox.wall_seconds:.0f}s")

    def check_code(self, files: dict[str, str], params: dict[str, Any]) -> tuple[bool, str]:
        """Run files on a sample of rows in the sandbox, briefly, and score what they write:
        the harness's acceptance test for a coder's draft or fix, before a real run."""
        self.checks += 1
        folder = self.setup.paths.root / "checks" / f"check{self.checks:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text)
        (folder / "params.json").write_text(json.dumps(params, default=str))
        window = max(5.0, min(CHECK_SECONDS, 0.1 * self.setup.budget_seconds,
                              self._time_for_runs() - 2.0))
        env = self._run_env(folder, window - 1.0, {
            "MLWRIGHT_PARAMS": str(folder / "params.json"),
            "MLWRIGHT_FOLDS": str(self.setup.paths.folds),
            "MLWRIGHT_ROW_FRACTION": f"{min(1.0, CHECK_ROWS / self.setup.ctx.rows):.6f}",
            "MLWRIGHT_REFIT": "0",
            "MLWRIGHT_WINDOW_END": f"{time.time() + window:.3f}",
        })
        outcome = run_sandboxed(python_command(folder / "train.py"), folder,
                                self._limits(window), env,
                                exposure=check_exposure(self.setup.paths))
        if outcome.stopped_for == "timeout" and "Traceback" not in _tail(folder / "stderr.log",
                                                                          4000):
            # A check too short for a busy machine judges the machine, not the code: the real
            # run, with its own window, tells (and is debugged if it fails).
            verdict = (True, f"not judged: no error within the check's {window:.0f}s")
        elif not outcome.ok:
            reason = outcome.stopped_for or f"exit code {outcome.exit_code}"
            verdict = (False, f"not accepted: {reason}\n{_tail(folder / 'stderr.log', 2000)}")
        else:
            try:
                scored = self._score(folder)
                verdict = (True, f"accepted: validation {self.setup.metric.name} "
                                 f"{scored.score:.5f} on a sample of rows")
            except InvalidOutput as exc:
                verdict = (False, f"not accepted: {exc}")
        message = verdict[1] if len(verdict[1]) <= 500 else \
            f"{verdict[1].splitlines()[0]}\n...\n{verdict[1][-400:]}"  # a traceback ends in its why
        self.journal.append("code_checked", accepted=verdict[0], message=message,
                            seconds=round(outcome.wall_seconds, 2), folder=folder.name)
        return verdict

    def _limits(self, wall_seconds: float) -> SandboxLimits:
        return SandboxLimits(wall_seconds=wall_seconds, memory_mb=self.setup.memory_mb,
                             threads=self.setup.threads, disk_mb=self.setup.disk_mb)

    def _run_env(self, run_dir: Path, soft: float, extra: dict[str, str]) -> dict[str, str]:
        """The MLWRIGHT_* inputs of a run: where its data, cache and output are, its time."""
        return {
            "MLWRIGHT_SCHEMA": str(self.setup.paths.schema),
            "MLWRIGHT_TRAIN": str(self.setup.paths.train_table),
            "MLWRIGHT_TEST": str(self.setup.paths.test_table),
            "MLWRIGHT_CACHE": str(self.setup.paths.cache),
            "MLWRIGHT_OUTPUT": str(run_dir),
            "MLWRIGHT_DEADLINE": f"{time.time() + soft:.3f}",
            "MLWRIGHT_THREADS": str(self.setup.threads),
            "MLWRIGHT_SEED": str(self.setup.seed),
            **extra,
        }

    def _draft_window(self) -> float:
        return max(10.0, 0.3 * self.setup.budget_seconds)

    def _tune_window(self, candidate: CandidateState) -> float:
        typical = candidate.typical_seconds() or 10.0
        return max(2.0 * typical, 0.15 * self.setup.budget_seconds)

    # ---- candidates and runs ---------------------------------------------------------------
    def _create_candidate(self, plan: Plan, code: CodeFiles | None = None) -> CandidateState:
        candidate_id = self.state.next_candidate_id()
        repo = CandidateRepo.create(self.setup.paths.candidates, candidate_id)
        code = code or self.coder.write(plan)
        repo.write_params(plan.params)
        for version in code.earlier:
            repo.write(version.files, version.message)
        repo.write(code.files, code.message)
        candidate = CandidateState(candidate_id, plan.recipe, plan, repo)
        self.state.candidates[candidate_id] = candidate
        self.journal.append("candidate_created", candidate_id, recipe=plan.recipe,
                            plan=plan.model_dump(), parent=plan.parent)
        self.tuner.register(candidate_id, plan.recipe, plan.params)
        return candidate

    def _launch(self, candidate: CandidateState, params: dict[str, Any], action: str,
                row_fraction: float, window: float) -> bool:
        params = {**params, **candidate.kept}
        left = self._time_for_runs()
        window = min(window, left)
        run_id = self.state.next_run_id()
        run_dir = candidate.repo.run_dir(run_id)
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "params.json").write_text(json.dumps(params, indent=1, default=str))
        # The candidate stops learning a little early so it can predict and save in time.
        soft = window - max(1.0, 0.12 * window)
        env = self._run_env(run_dir, soft, {
            "MLWRIGHT_PARAMS": str(run_dir / "params.json"),
            "MLWRIGHT_FOLDS": str(self.setup.paths.folds),
            "MLWRIGHT_ROW_FRACTION": f"{row_fraction:.6f}",
            "MLWRIGHT_REFIT": "1" if self.setup.refit else "0",
            # when the run is stopped: a model that cannot stop at the deadline sizes its
            # later folds to end by then
            "MLWRIGHT_WINDOW_END": f"{time.time() + window:.3f}",
        })
        limits = self._limits(window + 1.0)
        record = RunRecord(run_id, candidate.candidate_id, action, params, row_fraction,
                           started_at=time.time(), window=window)
        self.state.add_run(record)
        self.journal.append("run_started", candidate.candidate_id, run_id, action=action,
                            params=params, row_fraction=row_fraction, window=round(window, 2))
        request = RunRequest(run_id, candidate.candidate_id, candidate.repo.path / "train.py",
                             run_dir, env, limits,
                             run_exposure(self.setup.paths, candidate.repo.path))
        self.inflight[self.executor.submit(request)] = record
        self.progress.run_started(RunLine(run_id, candidate.candidate_id, candidate.recipe, action))
        return True

    def _finish(self, record: RunRecord, outcome: RunOutcome) -> bool:
        """Score a finished run, journal it, queue a fix if it failed. True if it scored."""
        sandbox = outcome.sandbox
        run_dir = outcome.request.run_dir
        candidate = self.state.candidates[record.candidate_id]
        record.seconds = round(sandbox.wall_seconds, 2)
        resources = {"wall_seconds": record.seconds, "peak_rss_mb": sandbox.peak_rss_mb,
                     "exit_code": sandbox.exit_code, "stopped_for": sandbox.stopped_for,
                     "host": outcome.host, "network_isolated": sandbox.network_isolated,
                     "jailed": sandbox.jailed}
        (run_dir / "resources.json").write_text(json.dumps(resources, indent=1))
        invalid = None
        if sandbox.ok:
            try:
                scored = self._score(run_dir)
            except InvalidOutput as exc:
                invalid = str(exc)
        progress = RunProgress.read(run_dir)
        share = progress.row_share
        record.cut_short = progress.cut_short
        self._learn_cost(candidate, record, sandbox, progress)
        if share != 1:  # it fitted fewer rows than it was given (its folds ran slow), or
            # more (every row cost less than its share: rows that repeat)
            record.row_fraction = round(min(1.0, record.row_fraction * share), 4)
        if sandbox.ok and invalid is None:
            record.status, record.score, record.loss = "ok", scored.score, scored.loss
            record.fold_scores = scored.fold_scores
            record.digest = predictions_digest(run_dir)
            self.predictions[record.run_id] = (scored.oof[self.scored_rows], scored.test)
            self._forget_weak_predictions()
        else:
            record.status = "cancelled" if sandbox.stopped_for == "cancelled" else "failed"
            record.error = invalid or sandbox.stopped_for or f"exit code {sandbox.exit_code}"
        self.journal.append("run_finished", record.candidate_id, record.run_id,
                            status=record.status, score=record.score, loss=record.loss,
                            fold_scores=record.fold_scores,
                            seconds=record.seconds, error=record.error, digest=record.digest,
                            row_fraction=record.row_fraction, cut_short=record.cut_short,
                            **resources)
        note = record.error or ""
        self.progress.run_finished(record.run_id, record.status, record.score, record.seconds, note)
        if record.status != "cancelled":
            self.tuner.observe(record.candidate_id, record.params, record.loss)
        if record.status == "failed":
            self._after_failure(candidate, record, sandbox, run_dir, invalid)
        elif record.status == "ok":
            candidate.tune_failures_in_row = 0
            if candidate.plan.floor and candidate.full_draft_done():  # it was the full draft
                self.pending_plans = [p for p in self.pending_plans
                                      if (p.recipe, p.params) != (candidate.recipe,
                                                                  candidate.plan.params)]
            elif candidate.plan.floor and record.action == "draft" and (
                    share < 1 or record.cut_short) and not self._drafted(candidate.recipe):
                # its folds ran out of time and fitted fewer rows, or fewer rounds: the recipe
                # still gets its full draft (a floor on 110k of 280k daily births, stopped
                # after a round or two in its first fold, scored 0.53 where LightGBM's full
                # draft scores 0.17)
                self.pending_plans.insert(0, candidate.plan.model_copy(
                    update={"floor": False, "row_fraction": 1.0}))
            candidate.keep_fix(record, STICKY_PARAMS)
            if candidate.best_run() is record:
                candidate.repo.write_params(record.params)
                candidate.repo.commit(f"{record.action}: {record.run_id} scores {record.score:.5f}")
        return record.status == "ok"

    def _drafted(self, recipe: str) -> bool:
        """Whether RECIPE's full draft is planned, under way or made: a floor that ends after
        the designer's own draft of its recipe started needs no second one (on 837 icons, a
        second LightGBM draft took the slot the linear model never got)."""
        return any(p.recipe == recipe for p in self.pending_plans) or any(
            c.recipe == recipe and not c.plan.floor and c.status != "failed"
            for c in self.state.candidates.values())

    def _learn_cost(self, candidate: CandidateState, record: RunRecord, sandbox,
                    progress: RunProgress) -> None:
        """What this run says about its recipe's cost: its time where it finished, and where it
        ran out of time, what its finished folds (or the lack of any) imply."""
        recipe = get_recipe(candidate.recipe)
        work = self.costs.work(recipe, record.params, record.row_fraction)
        # a run that shrank its later folds: only its first, on the rows it was given, says
        # what the run would have cost
        shrank = progress.row_share < 1
        # a run that dropped repeated folds to end in time says what each fold costs, not what
        # all of them would have
        dropped = sandbox.ok and 0 < len(progress.fold_seconds) < self.costs.n_folds
        if progress.weighted:
            # it fitted each distinct row once, weighted: what it took is what this recipe
            # costs on the share it fitted, and says nothing of what a row costs elsewhere
            work = self.costs.work(recipe, record.params,
                                   min(1.0, record.row_fraction * progress.row_share))
            if sandbox.ok:
                self.costs.observe(recipe, work, sandbox.wall_seconds, record.window,
                                   progress.fold_seconds, speed=False)
            return
        if sandbox.ok and not shrank and not dropped:
            self.costs.observe(recipe, work, sandbox.wall_seconds, record.window,
                               progress.fold_seconds)
        elif sandbox.ok or sandbox.stopped_for == "timeout":
            seconds = self.costs.projected(recipe, progress.fold_seconds, sandbox.wall_seconds,
                                           first_fold_only=shrank, stopped=not sandbox.ok)
            # its folds tell its start-up apart from its fitting, as a finished run's do
            self.costs.observe(recipe, work, seconds, record.window, None if shrank else
                               progress.fold_seconds)

    def _score(self, run_dir: Path):
        spec = self.setup.ctx.spec
        oof, test = read_predictions(run_dir, len(self.setup.y), self.setup.ctx.profile.test_rows,
                                     spec.task_type, len(spec.classes))
        return score_run(oof, test, self.setup.y, self.setup.folds, self.setup.metric,
                         self.setup.selection, spec.task_type)

    def _after_failure(self, candidate: CandidateState, record: RunRecord, sandbox, run_dir: Path,
                       invalid: str | None) -> None:
        if record.action in ("tune", "improve"):
            candidate.tune_failures_in_row += 1
            if candidate.tune_failures_in_row >= 3:
                self._set_status(candidate, "pruned", "three tuning runs failed in a row")
            return
        failure = RunFailure(recipe=candidate.recipe, params=record.params,
                             stopped_for=sandbox.stopped_for, exit_code=sandbox.exit_code,
                             log_tail=_tail(run_dir / "stderr.log"), invalid_output=invalid,
                             attempts=candidate.debug_attempts,
                             files={name: (candidate.repo.path / name).read_text()
                                    for name in ("train.py", "predict.py")})
        fix = self.coder.debug(failure)
        self.journal.append("debug_decided", candidate.candidate_id, record.run_id,
                            **fix.model_dump(), edited=sorted(fix.files))  # files: for resume
        if fix.action == "retry":
            self.pending_fixes.append((candidate.candidate_id, fix))
            return
        self._set_status(candidate, "failed", fix.reason)
        taken = {c.recipe for c in self.state.candidates.values()}
        if fix.action == "switch_recipe" and fix.recipe in RECIPES and fix.recipe not in taken:
            replacement = get_recipe(fix.recipe)
            self.pending_plans.insert(0, Plan(
                recipe=replacement.name, rationale=f"{replacement.summary}. {fix.reason}.",
                params=replacement.defaults(self.setup.ctx), parent=candidate.candidate_id))

    def _set_status(self, candidate: CandidateState, status: str, reason: str) -> None:
        candidate.status = status
        self.journal.append("candidate_status", candidate.candidate_id, status=status,
                            reason=reason)
        self.progress.message(f"{candidate.candidate_id} ({candidate.recipe}) {status}: {reason}")

    # ---- where the budget goes after the drafts --------------------------------------------
    def _pick_for_tuning(self, left: float) -> tuple[CandidateState, str] | None:
        ranked = [c for c in self.state.candidates.values()
                  if c.status == "active" and c.ok_runs() and self.tuner.has_space(c.candidate_id)]
        if not ranked:
            return None
        ranked.sort(key=lambda c: c.best_run().loss)
        base = self.setup.constant_loss
        best_gain = base - ranked[0].best_run().loss
        for candidate in ranked[1:]:
            gain = base - candidate.best_run().loss
            if gain < PRUNE_SHARE * best_gain and candidate.count("tune") >= 1:
                self._set_status(candidate, "pruned", "validation score far behind the best")
        ranked = [c for c in ranked if c.status == "active"]
        affordable = [c for c in ranked if (c.typical_seconds() or 0) < 1.2 * left]
        if not affordable:
            return None
        if self.policy is not None:
            chosen = self.policy.choose(ranked, affordable, left)
            if chosen is not None and (chosen[1] == "tune" or _refinable(chosen[0])):
                return chosen
        weights = [4.0, 2.0, 1.5]
        best = ranked[0]
        if (best.count("tune") >= 8 and best.count("improve") == 0 and
                (best.typical_seconds() or 0) * 2.5 < left and _refinable(best)):
            return best, "improve"
        choice = min(
            affordable,
            key=lambda c: (c.count("tune") + 1) / weights[min(ranked.index(c), 2)]
            if ranked.index(c) < 3 else (c.count("tune") + 1) * 2,
        )
        return choice, "tune"

    # ---- aggregation -----------------------------------------------------------------------
    def aggregate(self) -> None:
        selection = self.setup.selection
        pool = sorted((r for r in self.state.ok_runs() if r.run_id in self.predictions),
                      key=lambda r: r.loss)[:ENSEMBLE_POOL]
        if not pool:
            return
        oof = {r.run_id: self.predictions[r.run_id][0] for r in pool}
        y = self.setup.y[self.scored_rows]
        choice = select_ensemble(oof, y, selection)
        loss = selection.loss(choice.score)
        if loss >= self.published_loss:
            return
        rule = fit_label_rule(blend(oof, choice.weights), y, self.setup.metric)
        score = rule.score
        tests = {r: self.predictions[r][1] for r in choice.weights}
        members = [
            Member(run_id, weight, self.state.candidates[self.state.runs[run_id].candidate_id]
                   .repo.run_dir(run_id) / "model")
            for run_id, weight in choice.weights.items()
        ]
        self.publisher.publish(members, blend(tests, choice.weights), score, rule.weights)
        self.published_score, self.published_loss = score, loss
        self.ensemble_weights = dict(choice.weights)
        self.journal.append("submission_written", score=score, loss=loss, weights=choice.weights,
                            label_weights=rule.weights)
        described = " + ".join(f"{r}x{w:.2f}" for r, w in choice.weights.items())
        self.progress.submission(score, described)

    def _forget_weak_predictions(self) -> None:
        """Hold only the strongest runs' predictions in memory; the rest stay on disk."""
        if len(self.predictions) <= KEPT_PREDICTIONS:
            return
        keep = sorted(self.predictions, key=lambda r: self.state.runs[r].loss)
        for run_id in keep[KEPT_PREDICTIONS:]:
            if run_id not in self.ensemble_weights:
                del self.predictions[run_id]

    def _drop_weak_models(self) -> None:
        """Delete the fitted models of runs that can no longer join an ensemble: failed ones,
        and those ranked below the pool ensembles are chosen from (the ranks only fill with
        better runs). A forest's fold models can take a gigabyte: kept for every tuning run,
        they filled this machine's disk (70 GB) in one pass of the robustness suite.
        Predictions stay: the report reads them."""
        if self.setup.keep_all_models:
            return
        for record in self.state.out_of_reach(ENSEMBLE_POOL, set(self.ensemble_weights)):
            candidate = self.state.candidates[record.candidate_id]
            shutil.rmtree(candidate.repo.run_dir(record.run_id) / "model", ignore_errors=True)

    def reload_predictions(self) -> None:
        """On resume: read the finished runs' predictions back from their folders."""
        for record in sorted(self.state.ok_runs(), key=lambda r: r.loss)[:KEPT_PREDICTIONS]:
            run_dir = self.state.candidates[record.candidate_id].repo.run_dir(record.run_id)
            try:
                scored = self._score(run_dir)
                changed = record.digest is not None and predictions_digest(run_dir) != record.digest
            except (InvalidOutput, OSError):
                continue
            if changed:  # not what was scored: it takes no further part
                record.status, record.error = "failed", "predictions changed after scoring"
                self.journal.append("run_tampered", record.candidate_id, record.run_id,
                                    reason=record.error)
                self.progress.message(f"{record.run_id}: its predictions changed after it was "
                                      "scored; it is left out")
                continue
            self.predictions[record.run_id] = (scored.oof[self.scored_rows], scored.test)


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _refinable(candidate: CandidateState) -> bool:
    return any(k in candidate.plan.params for k in ("learning_rate", "eta"))


def _refined(recipe, params: dict[str, Any]) -> dict[str, Any]:
    """The best parameters with a slower learning rate: more, smaller steps usually generalise
    better."""
    key = recipe.rate_param
    if key is None or key not in params:
        return dict(params)
    return {**params, key: float(params[key]) / 2}
