"""One session of a run: set up (or restore) everything the manager needs, search, finish.

`start` understands the task and fixes the validation; `resume` rebuilds the same from the run
folder and the journal and spends only the budget that is left.
"""

from __future__ import annotations

import os
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

from mlwright.agents.brain import make_brain, make_caller
from mlwright.agents.llm.config import LLMConfig
from mlwright.agents.manager import Manager, SearchSetup
from mlwright.agents.state import SearchState
from mlwright.budget import Deadline
from mlwright.disk_full import free_mb, stop_when_disk_full
from mlwright.errors import OptionError, RunStateError
from mlwright.execution.local import LocalExecutor
from mlwright.journal import Journal, elapsed_seconds
from mlwright.knowledge.recipes import STICKY_PARAMS, RecipeContext, get_recipe
from mlwright.leaderboard import write_leaderboard
from mlwright.paths import RunPaths
from mlwright.progress import Progress
from mlwright.publish import Member, Publisher, constant_prediction
from mlwright.run_lock import hold_run_folder, release_run_folder
from mlwright.task.loading import locate_task, read_table
from mlwright.task.metrics import get_metric, selection_metric
from mlwright.task.options import TaskOptions
from mlwright.task.profile import DataProfile, FeatureSchema, profile
from mlwright.task.run_tables import read_run_tables, write_run_tables
from mlwright.task.spec import TaskSpec, guesses
from mlwright.task.understand import understand
from mlwright.validation import (
    UNUSED,
    choose_scheme,
    make_folds,
    read_folds,
    validation_mask,
    write_folds,
)
from mlwright.workspace.jail import jail_unavailable_reason

DISK_SHARE = 0.8  # of the free disk, split among the slots: what runs may write


@dataclass(frozen=True)
class RunOptions:
    budget_seconds: float
    seed: int = 0
    brain: str = "builtin"
    live: bool | None = None
    executor: str = "local"  # local | ray
    ray_address: str | None = None  # None with ray: start a local Ray instance
    llm: LLMConfig | None = None  # the LLM brain's models and budgets
    llm_models: dict[str, Any] | None = None  # role -> pydantic-ai model object (scripted tests)
    keep_models: str = "best"  # best | all: whose fitted models stay on disk
    unsafe_no_jail: bool = False  # --unsafe-no-jail: model-written code may run unjailed


@dataclass(frozen=True)
class SessionResult:
    run_dir: Path
    score: float | None
    metric: str
    submission: Path
    seconds: float
    ensemble: dict[str, str] = field(default_factory=dict)  # run id -> "recipe x weight"
    report: Path | None = None


def start(task_dir: Path, out: Path, options: RunOptions, told: TaskOptions | None,
          started: float) -> SessionResult:
    refuse_unjailed_model_code(options.brain, options.unsafe_no_jail)
    with stop_when_disk_full(Path(out), RunPaths(out).submission):
        return _start(task_dir, out, options, told, started)


def resume(run_dir: Path, live: bool | None, started: float) -> SessionResult:
    with stop_when_disk_full(Path(run_dir), RunPaths(run_dir).submission):
        return _resume(run_dir, live, started)


def _start(task_dir: Path, out: Path, options: RunOptions, told: TaskOptions | None,
           started: float) -> SessionResult:
    told = told or TaskOptions()
    paths = RunPaths(out)
    created = not Path(out).exists()
    hold_run_folder(out)
    if paths.journal.exists():
        raise RunStateError(f"{out}: already holds a run; continue it with `mlwright resume {out}`")
    try:
        source = locate_task(task_dir, told, workdir=paths.inputs)
        data = understand(source, told)
        spec, train, test = data.spec, data.train, data.test
        data_profile, schema = profile(spec, train, test)
        paths.make()
        write_run_tables(paths, train, test)
    except BaseException:
        if created:  # a task refused leaves no folder behind
            shutil.rmtree(out, ignore_errors=True)
        raise
    journal = Journal(paths.journal)
    journal.append("session_started", budget_seconds=options.budget_seconds, resumed=False)
    journal.keep_pulse()
    journal.append("run_configured", budget_seconds=options.budget_seconds, seed=options.seed,
                   brain=options.brain, task_dir=str(Path(task_dir).resolve()),
                   executor=options.executor, ray_address=options.ray_address,
                   llm=options.llm.to_journal() if options.llm else None,
                   keep_models=options.keep_models, unsafe_no_jail=options.unsafe_no_jail)
    deadline = Deadline(started + options.budget_seconds)
    caller = make_caller(options, journal, deadline)
    if caller is not None:
        from mlwright.agents.llm.understanding import review_task

        reviewed = review_task(spec, caller)
        if reviewed.metric != spec.metric:  # the one thing the review changes that the
            data_profile, schema = profile(reviewed, train, test)  # profile depends on
        spec = reviewed
    paths.task.write_text(spec.model_dump_json(indent=1))
    paths.profile.write_text(data_profile.model_dump_json(indent=1))
    paths.schema.write_text(schema.model_dump_json(indent=1))
    journal.append("task_understood", metric=spec.metric, task_type=spec.task_type,
                   target=spec.target, notes=spec.notes)
    plan = choose_scheme(spec, len(train), len(test), options.budget_seconds)
    folds = make_folds(plan, spec, train, len(test), options.seed, test)
    y = encode_target(spec, train)
    folds.loc[~_has_target(spec, y), :] = UNUSED
    write_folds(folds, paths.folds)
    journal.append("folds_fixed", scheme=plan.scheme, n_folds=folds.shape[1], reason=plan.reason,
                   scored_rows=int(validation_mask(folds).sum()))
    return _search(paths, journal, spec, data_profile, schema, train, test, folds, y, options,
                   deadline, SearchState(), started, caller)


def _resume(run_dir: Path, live: bool | None, started: float) -> SessionResult:
    paths = RunPaths(run_dir)
    if paths.journal.exists():
        hold_run_folder(run_dir)
    for required in (paths.journal, paths.task, paths.profile, paths.schema, paths.folds):
        if not required.exists():
            raise RunStateError(f"{run_dir}: not a resumable run folder ({required.name} missing)")
    journal = Journal(paths.journal)
    events = journal.events()
    configured = next((e.payload for e in events if e.kind == "run_configured"), None)
    if configured is None:
        raise RunStateError(f"{paths.journal}: no run_configured event; the run never started")
    spent = elapsed_seconds(events, journal.last_pulse())
    left = configured["budget_seconds"] - spent
    journal.append("session_started", budget_seconds=configured["budget_seconds"], resumed=True,
                   spent_seconds=round(spent, 2))
    journal.keep_pulse()
    spec = TaskSpec.model_validate_json(paths.task.read_text())
    data_profile = DataProfile.model_validate_json(paths.profile.read_text())
    schema = FeatureSchema.model_validate_json(paths.schema.read_text())
    train, test = read_run_tables(paths)
    folds = read_folds(paths.folds)
    state = SearchState.from_events(events, paths.candidates)
    for record in state.runs.values():
        if record.status == "abandoned":
            journal.append("run_abandoned", record.candidate_id, record.run_id,
                           reason="the previous session ended before this run finished")
    options = RunOptions(budget_seconds=configured["budget_seconds"], seed=configured["seed"],
                         brain=configured["brain"], live=live,
                         executor=configured.get("executor", "local"),
                         ray_address=configured.get("ray_address"),
                         llm=LLMConfig.from_journal(configured["llm"])
                         if configured.get("llm") else None,
                         keep_models=configured.get("keep_models", "best"),
                         unsafe_no_jail=configured.get("unsafe_no_jail", False))
    refuse_unjailed_model_code(options.brain, options.unsafe_no_jail)
    deadline = Deadline(started + max(0.0, left))
    return _search(paths, journal, spec, data_profile, schema, train, test, folds,
                   encode_target(spec, train), options, deadline, state, started)


def _search(paths, journal, spec, data_profile, schema, train, test, folds, y, options, deadline,
            state, started, caller=None) -> SessionResult:
    metric = get_metric(spec.metric)
    ctx = RecipeContext(spec=spec, profile=data_profile, schema=schema)
    scored = validation_mask(folds)
    constant = constant_prediction(spec, y[scored])
    constant_oof = _broadcast(constant, int(scored.sum()))
    sample_ids = _sample_ids(spec)
    publisher = Publisher(paths, spec, test, sample_ids)
    executor = make_executor(options)
    cores = os.cpu_count() or 1
    slots = executor.slots
    memory_mb = int(min(8192, psutil.virtual_memory().total / 2**20 * 0.7 / min(slots, cores)))
    selection = selection_metric(metric, int(scored.sum()))
    constant_score = metric.score(y[scored], constant_oof)
    setup = SearchSetup(paths=paths, ctx=ctx, folds=folds, y=y, metric=metric, selection=selection,
                        budget_seconds=options.budget_seconds, seed=options.seed, slots=slots,
                        threads=executor.threads_per_run, memory_mb=memory_mb,
                        constant_loss=selection.loss(selection.score(y[scored], constant_oof)),
                        refit=needs_refit(folds), keep_all_models=options.keep_models == "all",
                        disk_mb=_disk_share(paths, slots))
    with Progress(f"mlwright {spec.name} ({spec.metric})", live=options.live) as progress:
        brain = make_brain(options.brain, ctx, options.seed,
                           caller or make_caller(options, journal, deadline))
        manager = Manager(setup, state, journal, executor, brain.designer, brain.coder,
                          brain.tuner, publisher, progress, deadline, brain.policy)
        if not state.runs:  # a new run: the guesses the user should check, first
            for line in guesses(spec):
                progress.message(line)
        journal.append("executor_ready", slots=slots, threads_per_run=setup.threads,
                       memory_mb_per_run=memory_mb)
        no_jail = jail_unavailable_reason()
        journal.append("isolation", jailed=no_jail is None, reason=no_jail,
                       disk_mb_per_run=setup.disk_mb)
        if no_jail:
            progress.message(f"WARNING: no jail for candidate code here ({no_jail}); it runs "
                             "in the weaker sandbox (see `mlwright doctor`)")
        if not paths.submission.exists():
            # Never empty-handed: a valid submission from the very first second.
            publisher.publish([Member("constant", 1.0, None, constant)],
                              _broadcast(constant, len(test)), constant_score)
            journal.append("submission_written", score=constant_score, loss=setup.constant_loss,
                           weights={"constant": 1.0})
            progress.submission(constant_score, "constant prediction")
        _replay_into(manager, state)
        try:
            manager.search()
        finally:
            executor.shutdown(cancel=True)
        write_leaderboard(paths.leaderboard, state, metric, manager.ensemble_weights)
        own = resource.getrusage(resource.RUSAGE_SELF)  # the harness, not its candidates
        journal.append("session_ended", score=manager.published_score,
                       peak_rss_mb=round(own.ru_maxrss / 1024, 1),
                       harness_cpu_s=round(own.ru_utime + own.ru_stime, 2))
        report = _write_report(paths, progress)
        ensemble = {run_id: f"{state.candidates[state.runs[run_id].candidate_id].recipe} x {w:.2f}"
                    for run_id, w in manager.ensemble_weights.items() if run_id in state.runs}
        if brain.usage_line():
            progress.message(brain.usage_line())
        score = manager.published_score
        if score is None:
            score = constant_score
        progress.message(
            f"best validation {spec.metric}: {score:.5f}; submission: {paths.submission}"
        )
    journal.close()
    release_run_folder(paths.root)
    return SessionResult(paths.root, score, spec.metric, paths.submission,
                         time.monotonic() - started, ensemble, report)


def refuse_unjailed_model_code(brain: str, unsafe_no_jail: bool) -> None:
    """Fail closed: code a model wrote runs only in a jail, unless the user takes the risk."""
    if brain != "llm" or unsafe_no_jail:
        return
    reason = jail_unavailable_reason()
    if reason:
        raise OptionError(f"--brain llm: model-written code runs only in a jail, and none can "
                          f"be made here ({reason}). `mlwright doctor` shows what this machine "
                          "gives; --unsafe-no-jail runs it anyway, able to read and write what "
                          "you can")


def _disk_share(paths: RunPaths, slots: int) -> int | None:
    """What one run may write: its slot's share of most of the disk that is free now."""
    free = free_mb(paths.root)
    return None if free is None else max(64, int(DISK_SHARE * free / max(1, slots)))


def _write_report(paths: RunPaths, progress: Progress) -> Path | None:
    """The HTML report is a view of the journal; failing to draw it must not fail the run."""
    from mlwright.report import write_report

    try:
        return write_report(paths.root)
    except Exception as exc:  # noqa: BLE001 - any rendering fault is reported, not raised
        progress.message(f"report not written: {type(exc).__name__}: {exc}")
        return None


def _replay_into(manager: Manager, state: SearchState) -> None:
    """Teach the tuner what earlier sessions learned and restore the best ensemble."""
    for candidate in state.candidates.values():
        manager.tuner.register(candidate.candidate_id, candidate.recipe, candidate.plan.params)
        for record in candidate.runs:
            if record.status in ("ok", "failed"):
                manager.tuner.observe(candidate.candidate_id, record.params, record.loss)
            if record.status == "ok":
                recipe = get_recipe(candidate.recipe)
                manager.costs.observe(recipe, manager.costs.work(recipe, record.params,
                                                                 record.row_fraction),
                                      record.seconds, record.window)
                candidate.keep_fix(record, STICKY_PARAMS)
    if state.ok_runs():
        manager.reload_predictions()
        manager.aggregate()


def make_executor(options: RunOptions):
    """The only place that decides where runs execute."""
    if options.executor == "ray":
        from mlwright.execution.ray import RayExecutor

        return RayExecutor(options.ray_address, threads_per_run=1)
    cores = os.cpu_count() or 1
    slots = max(1, min(cores, 4))
    return LocalExecutor(slots, threads_per_run=max(1, cores // slots))


def needs_refit(folds: pd.DataFrame) -> bool:
    """Refit on all rows when fold models miss data the test needs: a single holdout model saw
    only 80%, and time-ordered fold models never saw the latest period."""
    roles = folds.to_numpy()
    unused = roles == UNUSED
    return folds.shape[1] == 1 or bool((unused.any(axis=1) & ~unused.all(axis=1)).any())


def encode_target(spec: TaskSpec, train: pd.DataFrame) -> np.ndarray:
    """Targets as the harness scores them: floats, or class indices (-1 where missing)."""
    values = train[spec.target]
    if spec.task_type == "regression":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    index = {label: i for i, label in enumerate(spec.classes)}
    return values.astype(str).str.strip().map(index).fillna(-1).to_numpy(dtype="int64")


def _has_target(spec: TaskSpec, y: np.ndarray) -> np.ndarray:
    return np.isfinite(y) if spec.task_type == "regression" else y >= 0


def _broadcast(constant, rows: int) -> np.ndarray:
    value = np.asarray(constant, dtype="float64")
    return np.tile(value, (rows, 1)) if value.ndim else np.full(rows, float(value))


def _sample_ids(spec: TaskSpec) -> pd.Series | None:
    if not spec.files.sample_submission or not spec.id_column:
        return None
    sample = read_table(spec.files.sample_submission, string_columns=(spec.id_column,),
                        min_columns=1)
    return sample[spec.id_column] if spec.id_column in sample.columns else None
