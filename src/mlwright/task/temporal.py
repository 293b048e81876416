"""The shape of a forecasting task: its time step, its series (one, or one per group such as a
store or a city), how far the test reaches past the training data, and so which lags of the
target are known when a prediction is made.

Every test row may lie up to `horizon` steps after the last known target, so only lags of at
least `horizon` steps are used, for every row, in training and in prediction alike: the model
never learns from a value it would not have at prediction time (a direct multi-step forecast).
"""

from __future__ import annotations

import math
from itertools import combinations

import pandas as pd
from pydantic import BaseModel, Field

from mlwright.task.spec import TaskSpec, TimeAxis
from mlwright.task.time_values import time_values

UNIQUE_SHARE = 0.95  # series key + time identify (almost) every row
MAX_CELLS = 20_000_000  # series x steps held in memory for lag look-ups
ROWS_PER_SERIES = 3  # a series key's levels each hold a few rows at least, on average
NEAR_SEASONS = 4  # lags within this many seasons (a week of days: 28 days) count as recent

# (step in seconds, its season in steps, a year in steps)
_SEASONS = [(3600, 24, 24 * 364), (86400, 7, 364), (7 * 86400, 52, 52), (28 * 86400, 12, 12)]


class TemporalLayout(BaseModel):
    axis: TimeAxis
    groups: list[str] = Field(default_factory=list, description="columns naming one series each")
    step_seconds: float
    origin: str  # the time of step 0 (ISO)
    horizon: int = Field(description="steps from the last training time to the last test time")
    lags: list[int] = Field(description="target lags in steps, each at least the horizon")
    windows: list[int] = Field(description="rolling means of the target ending at the first lag")
    near: bool = Field(description="the first lag is recent (within a few seasons): lags are "
                                   "used unless a run's parameters say otherwise")


def temporal_layout(spec: TaskSpec, train: pd.DataFrame, test: pd.DataFrame,
                    notes: list[str]) -> TemporalLayout | None:
    """Lags only make sense for a numeric or yes/no target that test comes after in time."""
    if spec.time is None or spec.task_type == "multiclass":
        return None
    times = time_values(train, spec.time.model_dump())
    test_times = time_values(test, spec.time.model_dump())
    if times.isna().all() or test_times.isna().all():
        return None
    groups = _series_keys(spec, train, test, times)
    if groups is None:
        notes.append("temporal: no column splits the rows into one series each; no target lags")
        return None
    step = _step_seconds(times, train, groups)
    if step <= 0:
        return None
    origin = times.min()
    span_steps = (times.max() - origin).total_seconds() / step
    horizon = max(1, math.ceil((test_times.max() - times.max()).total_seconds() / step - 1e-9))
    levels = int(train[groups].drop_duplicates().shape[0]) if groups else 1
    if levels * (span_steps + horizon) > MAX_CELLS:
        notes.append(f"temporal: {levels} series x {span_steps:.0f} steps is too many to look up")
        return None
    season, year = _season(step)
    first = season * math.ceil(horizon / season)
    lags = sorted({first, first + season, *([year] if year > first + season else [])})
    lags = [lag for lag in lags if lag < 0.5 * span_steps]
    if not lags:
        notes.append(f"temporal: the test reaches {horizon} steps ahead, more than half the "
                     "history; no target lags")
        return None
    windows = [w for w in (season, 4 * season) if w > 1]
    # Recent values carry a series' current level; values a year back mostly repeat what the
    # calendar features already say, so far lags start switched off and tuning may try them.
    near = lags[0] <= NEAR_SEASONS * max(season, 7)
    where = f"per {' x '.join(groups)}" if groups else "one series"
    notes.append(f"temporal: {where}, step {pd.Timedelta(seconds=step)}, test reaches {horizon} "
                 f"steps ahead: target lags {lags} and rolling means {windows} from lag {lags[0]}"
                 f" ({'used' if near else 'far: tried by tuning only'})")
    return TemporalLayout(axis=spec.time, groups=groups, step_seconds=step,
                          origin=origin.isoformat(), horizon=horizon, lags=lags, windows=windows,
                          near=near)


def _series_keys(spec: TaskSpec, train: pd.DataFrame, test: pd.DataFrame,
                 times: pd.Series) -> list[str] | None:
    """[] for one series (time is unique), the fewest columns that make time unique, or None."""
    if times.nunique() >= UNIQUE_SHARE * times.notna().sum():
        return []
    skip = {spec.target, spec.id_column, *spec.time.columns}
    candidates = [c for c in train.columns if c not in skip and c in test.columns
                  and train[c].dtype.kind != "f"  # measurements are not names of series
                  and 1 < train[c].nunique() <= len(train) / ROWS_PER_SERIES]
    candidates.sort(key=lambda c: train[c].nunique())
    for size in (1, 2):
        for keys in combinations(candidates[:6], size):
            unique = train[[*keys]].assign(_t=times).drop_duplicates().shape[0]
            if unique >= UNIQUE_SHARE * len(train):
                return list(keys)
    return None


def _step_seconds(times: pd.Series, train: pd.DataFrame, groups: list[str]) -> float:
    """The most common gap between consecutive times of one series."""
    frame = train[groups].assign(_t=times).dropna(subset=["_t"]).sort_values([*groups, "_t"])
    gaps = frame.groupby(groups)["_t"].diff() if groups else frame["_t"].diff()
    gaps = gaps.dt.total_seconds()
    gaps = gaps[gaps > 0]
    return float(gaps.mode().iloc[0]) if len(gaps) else 0.0


def _season(step: float) -> tuple[int, int]:
    """The natural cycle of the step (a week of days, a day of hours) and a year of steps."""
    for seconds, season, year in _SEASONS:
        if abs(step - seconds) <= 0.1 * seconds:
            return season, year
    return 1, 0

