"""Finding each row's time, whatever shape the dates come in: one date column, date parts
spread over columns (year and month, year and week, ...), a date inside an id, or a period
number. When every test row lies after the training rows, the task is a forecast: folds are
time-ordered and the target's history becomes features (see task.temporal)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mlwright.errors import OptionError
from mlwright.task.spec import Decision, TimeAxis
from mlwright.task.time_values import MONTH_NAMES, time_values

DATE_SHAPE = re.compile(r"^\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?(?:[ T]\d|$)|^\d{1,2}/\d{1,2}/\d{4}")
SHARE = 0.95  # of values that must have the shape

# The role of a date-part column, from its name's words, and the range of its values.
_PART_WORDS = {"year": {"year", "yr", "yyyy", "years"}, "quarter": {"quarter", "qtr", "q"},
               "month": {"month", "mon", "mm", "months"}, "week": {"week", "wk", "weeknum",
                                                                   "weekofyear", "isoweek"},
               "day": {"day", "dd", "dayofmonth", "dom", "mday"}, "hour": {"hour", "hr", "hh"}}
_PART_RANGE = {"year": (1800, 2200), "quarter": (1, 4), "month": (1, 12), "week": (1, 53),
               "day": (1, 31), "hour": (0, 23)}
_PART_SETS = [("year", "month", "day", "hour"), ("year", "month", "day"), ("year", "month"),
              ("year", "week"), ("year", "quarter"), ("year",)]
_PERIOD_NAME = re.compile(r"^(?:t|time|period|step|time_?step|time_?idx|time_?index|tick|"
                          r"date_?block(?:_?num)?|(?:month|week|day|period)_?(?:num|number|"
                          r"index|idx|no))$", re.I)
_EMBEDDED = [r"(\d{4}-\d{1,2}-\d{1,2})", r"(\d{4}/\d{1,2}/\d{1,2})",
             r"((?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))", r"(\d{4}-\d{2})(?!\d)"]


def find_time_axis(train: pd.DataFrame, test: pd.DataFrame, target: str,
                   id_column: str | None, option: tuple[str, ...]) -> tuple[TimeAxis | None,
                                                                             Decision, list[str]]:
    """The axis that orders rows in time, a decision saying where it came from, and notes."""
    if option:
        axis = axis_from_option(train, option)
        return axis, Decision(value=axis.label, source="option", confidence="high",
                              why="--time-column"), []
    notes: list[str] = []
    columns = [c for c in train.columns if c != target and c in test.columns]
    for axis in _candidates(train, columns, id_column):
        times, test_times = time_values(train, axis.model_dump()), time_values(
            test, axis.model_dump())
        if times.notna().mean() < SHARE or test_times.notna().mean() < SHARE:
            continue
        if test_times.min() > times.max():
            confidence = "high" if axis.kind in ("date", "parts") else "medium"
            return axis, Decision(value=axis.label, source="files", confidence=confidence,
                                  why="every test row comes after the training rows"), notes
        notes.append(f"{axis.label} orders rows in time, but test and train overlap: "
                     "no forecast")
    return None, Decision(value=None, source="files", confidence="high",
                          why="no time order puts the test after the training rows"), notes


def axis_from_option(train: pd.DataFrame, names: tuple[str, ...]) -> TimeAxis:
    missing = [n for n in names if n not in train.columns]
    if missing:
        raise OptionError(f"--time-column: {missing} not in the training table; columns: "
                          f"{list(train.columns)[:30]}")
    if len(names) > 1:
        roles = [_role(train, name) for name in names]
        if None in roles or "year" not in roles or len(set(roles)) != len(roles):
            raise OptionError(f"--time-column: cannot tell the year, month, week, day or hour in "
                              f"{list(names)}; name them so (e.g. year,month)")
        return TimeAxis(kind="parts", columns=list(names), parts=roles)
    name = names[0]
    for axis in _candidates(train, [name], None):
        return axis
    if pd.api.types.is_numeric_dtype(train[name]):
        return TimeAxis(kind="period", columns=[name])
    raise OptionError(f"--time-column: '{name}' holds neither dates nor numbers")


def holds_time(frame: pd.DataFrame, column: str) -> bool:
    """The column reads as each row's time: a forecast may have nothing else in its test."""
    return any(True for _ in _candidates(frame, [column], None))


def _candidates(train: pd.DataFrame, columns: list[str], id_column: str | None):
    """Every way the columns could hold time, most explicit first."""
    for column in columns:
        if _is_date(train[column]):
            yield TimeAxis(kind="date", columns=[column])
    parts = _date_parts(train, columns)
    if parts:
        yield parts
    for column in columns:
        pattern = _embedded_pattern(train[column])
        if pattern:
            yield TimeAxis(kind="embedded", columns=[column], pattern=pattern)
    for column in columns:
        if column != id_column and _PERIOD_NAME.match(column) and _whole(train[column]):
            yield TimeAxis(kind="period", columns=[column])


def _is_date(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series):
        return False
    sample = series.dropna().astype(str).head(200)
    return not sample.empty and sample.map(lambda v: bool(DATE_SHAPE.match(v))).mean() >= SHARE


def _date_parts(train: pd.DataFrame, columns: list[str]) -> TimeAxis | None:
    roles: dict[str, str] = {}
    for column in columns:
        role = _role(train, column)
        if role and role not in roles:
            roles[role] = column
    for wanted in _PART_SETS:
        if wanted == ("year",) and not _plain_year(roles.get("year", "")):
            continue  # alone, "Year_Built" is a feature; "year" is when the row happened
        if all(role in roles for role in wanted):
            return TimeAxis(kind="parts", columns=[roles[r] for r in wanted], parts=list(wanted))
    return None


def _plain_year(column: str) -> bool:
    return bool(column) and _tokens(column) <= {"year", "yr", "yyyy", "fiscal", "calendar"}


def _tokens(column: str) -> set[str]:
    return set(re.split(r"[^a-z]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", column).lower())) - {""}


def _role(train: pd.DataFrame, column: str) -> str | None:
    """year, month, ... when the column's name says so and its values fit the range."""
    tokens = _tokens(column)
    for role, names in _PART_WORDS.items():
        if not tokens & names or (role == "day" and tokens & {"week", "of"}):
            continue
        values = pd.to_numeric(train[column], errors="coerce")
        if role == "month" and values.isna().all():
            values = train[column].astype(str).str.strip().str.lower().map(MONTH_NAMES)
        low, high = _PART_RANGE[role]
        known = values.dropna()
        if len(known) and (known.between(low, high).mean() >= SHARE) and _whole(known):
            return role
    return None


def _whole(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return len(numbers) > 0 and bool(np.all(np.mod(numbers, 1) == 0))


def _embedded_pattern(series: pd.Series) -> str | None:
    """A date inside a longer text ("store12_2015-03-01"), the same way in (nearly) every row."""
    if pd.api.types.is_numeric_dtype(series):
        return None
    sample = series.dropna().astype(str).head(200)
    if sample.empty or sample.map(lambda v: bool(DATE_SHAPE.match(v))).mean() >= SHARE:
        return None  # a plain date column, found as such
    for pattern in _EMBEDDED:
        found = sample.str.extract(pattern, expand=False)
        if found.notna().mean() >= SHARE and pd.to_datetime(
                found, errors="coerce", format="mixed").notna().mean() >= SHARE:
            return pattern
    return None
