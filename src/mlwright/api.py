"""mlwright from Python: `build` mirrors `mlwright run`, `load` gives back a finished run's model.

    import mlwright
    result = mlwright.build(train_df, test_df, target="price", budget="2m")
    model = mlwright.load(result.run_dir)
    model.predict(new_rows)

User mistakes raise the same typed errors (mlwright.errors) with the one-line message the
command line prints. Ctrl-C leaves a run folder that `mlwright.resume` continues.
"""

from __future__ import annotations

import importlib.util
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright.budget import parse_budget
from mlwright.errors import OptionError, RunStateError
from mlwright.paths import RunPaths


@dataclass(frozen=True)
class BuildResult:
    """What a run handed back: its validation score, leaderboard, files and model."""

    run_dir: Path
    score: float | None
    metric: str
    submission: Path
    leaderboard: pd.DataFrame
    report: Path | None
    seconds: float

    @property
    def model(self) -> Model:
        return load(self.run_dir)


def build(train: pd.DataFrame | str | Path, test: pd.DataFrame | None = None, *,
          target: str | None = None, metric: str | None = None, description: str | None = None,
          budget: str | float = "5m", out: str | Path | None = None, brain: str = "builtin",
          model: str | None = None, seed: int = 0, id_column: str | None = None,
          time_column: str | None = None, task_type: str | None = None,
          images: str | Path | None = None, keep_models: str = "best",
          live: bool | None = None) -> BuildResult:
    """Build a model from a task folder (TRAIN a path, TEST None) or from two frames (the rows
    to learn from, with the target; the rows to predict, without it)."""
    from mlwright.session import RunOptions, start
    from mlwright.task.options import task_options

    started = time.monotonic()
    seconds = parse_budget(str(budget))
    if brain not in ("builtin", "llm"):
        raise OptionError(f"brain: unknown brain {brain!r}; use builtin or llm")
    if keep_models not in ("best", "all"):
        raise OptionError(f"keep_models: unknown choice {keep_models!r}; use best or all")
    llm = None
    if brain == "llm":
        from mlwright.agents.llm.config import load_config

        llm = load_config(model, {}, None, None, None, None, None)
    if isinstance(train, pd.DataFrame):
        if not isinstance(test, pd.DataFrame):
            raise OptionError("test: give the rows to predict as a DataFrame beside train")
        name = "frames"
        run_dir = _run_dir(out, name)
        task_dir = _frames_task(run_dir.with_name(run_dir.name + "-task"), train, test)
    else:
        if test is not None:
            raise OptionError("test: a task folder holds its own test rows; give test only "
                              "with a train DataFrame")
        task_dir = Path(train)
        run_dir = _run_dir(out, task_dir.resolve().name)
    told = task_options(target=target, metric=metric, id_column=id_column,
                        time_column=time_column, task_type=task_type,
                        images=Path(images) if images else None, description=description,
                        config_file=None)
    options = RunOptions(seconds, seed, brain, live=live, llm=llm, keep_models=keep_models)
    session = start(task_dir, run_dir, options, told, started)
    return _result(session.run_dir, session.score, session.metric, session.seconds,
                   session.report)


def resume(run_dir: str | Path, live: bool | None = None) -> BuildResult:
    """Continue a run that was stopped (Ctrl-C, a kill) within what is left of its budget."""
    from mlwright.session import resume as resume_session

    session = resume_session(Path(run_dir).resolve(), live, time.monotonic())
    return _result(session.run_dir, session.score, session.metric, session.seconds,
                   session.report)


def _run_dir(out: str | Path | None, name: str) -> Path:
    chosen = Path(out) if out else Path("runs") / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
    return chosen.resolve()


def _frames_task(folder: Path, train: pd.DataFrame, test: pd.DataFrame) -> Path:
    """The two frames as a task folder (Parquet keeps their types)."""
    folder.mkdir(parents=True, exist_ok=True)
    train.reset_index(drop=True).to_parquet(folder / "train.parquet", index=False)
    test.reset_index(drop=True).to_parquet(folder / "test.parquet", index=False)
    return folder


def _result(run_dir: Path, score, metric: str, seconds: float, report) -> BuildResult:
    paths = RunPaths(run_dir)
    board = pd.read_csv(paths.leaderboard) if paths.leaderboard.exists() else pd.DataFrame()
    return BuildResult(run_dir, score, metric, paths.submission, board, report, seconds)


class Model:
    """A finished run's final model, as final/predict.py runs it: the same numbers."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        final = RunPaths(run_dir).final
        ensemble = json.loads((final / "model" / "ensemble.json").read_text())
        self._task: dict[str, Any] = ensemble["task"]
        self.metric: str = ensemble["metric"]
        self.validation_score: float | None = ensemble["validation_score"]
        spec = importlib.util.spec_from_file_location(f"mlwright_final_{id(self)}",
                                                      final / "predict.py")
        self._predictor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self._predictor)
        import pyarrow.parquet as pq

        self.feature_names_in_ = np.array(pq.read_schema(RunPaths(run_dir).test_table).names,
                                          dtype=object)

    @property
    def task(self) -> dict[str, Any]:
        """How its submissions are shaped: id column, target, submission kind, classes."""
        return dict(self._task)

    @property
    def classes_(self) -> np.ndarray | None:
        """The class values, in the order of predict_proba's columns (None: regression)."""
        classes = self._task.get("classes") or []
        return np.array(classes, dtype=object) if classes else None

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """What the submission's target column would hold for these rows."""
        return self.predict_both(frame)[0]

    def predict_proba(self, frame: pd.DataFrame) -> pd.DataFrame:
        """One column per class (named by class), rows summing to one."""
        if self.classes_ is None:
            raise RunStateError(f"{self.run_dir}: a regression model has no probabilities")
        return self.predict_both(frame)[1]

    def predict_both(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame | None]:
        """predict and predict_proba (None for regression) from one pass of the ensemble."""
        frame = self._checked(frame)
        raw = np.asarray(self._predictor.predict_raw(frame), dtype="float64")
        table = self._predictor.format_submission(frame, raw, self._task)
        proba = None if self.classes_ is None else self._proba(raw)
        target = self._task["target"]
        if target in table.columns:
            return table[target].rename(target), proba
        # a submission of class columns: the likeliest class
        return pd.Series(proba.columns[proba.to_numpy().argmax(axis=1)], name=target), proba

    def _proba(self, raw: np.ndarray) -> pd.DataFrame:
        classes = self.classes_
        if raw.ndim == 1:
            raw = np.column_stack([1.0 - raw, raw])
        raw = np.clip(raw, 0.0, None)
        raw = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-15)
        return pd.DataFrame(raw, columns=list(classes))

    def _checked(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.feature_names_in_ if c not in frame.columns]
        if missing:
            raise OptionError(f"the rows to predict lack the column(s) {missing[:5]}"
                              + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
        return frame.reset_index(drop=True)


def load(run_dir: str | Path) -> Model:
    """The final model of a finished (or stopped) run."""
    run_dir = Path(run_dir).resolve()
    if not (RunPaths(run_dir).final / "model" / "ensemble.json").exists():
        raise RunStateError(f"{run_dir}: no final model here (not a run folder, or a run "
                            "stopped before its first submission)")
    return Model(run_dir)
