"""Built-in task understanding: rules over the description, the sample submission and the data.

Each decision leaves a note in TaskSpec.notes so the report can say why it was made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.errors import TaskInputError
from mlwright.task.loading import TaskSource, read_header, read_table
from mlwright.task.metrics import METRICS, get_metric
from mlwright.task.spec import TaskSpec

# Ordered: the more specific phrase first ("logarithm" + "root mean squared" before plain rmse).
_METRIC_PATTERNS: list[tuple[str, str]] = [
    ("rmse_log", r"rmsle|root[- ]mean[- ]squared[- ]log|squared logarithmic|"
                 r"root[- ]mean[- ]squared[- ]error between the log|logarithm of the predicted"),
    ("logloss", r"log[- ]?loss|logarithmic loss|cross[- ]entropy|negative log[- ]likelihood"),
    ("roc_auc", r"\bauc\b|roc[- ]auc|area under the (?:roc|receiver)"),
    ("macro_f1", r"macro[- ](?:averaged )?f1|macro[- ]f[- ]score|mean f1|f1[- ]macro"),
    ("f1", r"\bf1\b|f[- ]score|f[- ]measure"),
    ("rmse", r"\brmse\b|root[- ]mean[- ]squared?[- ]error|root of the mean squared"),
    ("mae", r"\bmae\b|mean absolute error"),
    ("r2", r"\br2\b|r\^2|r-squared|coefficient of determination"),
    ("accuracy", r"accuracy|share of .* predicted correctly|classification rate"),
]
NO_METRIC_NOTE = "no metric named in the description"  # begins the note of a default metric
_ID_NAMES = re.compile(r"^(id|.*_id|.*Id|.*ID|index|row_?id|key)$")
_DATE_SHAPE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}|^\d{1,2}/\d{1,2}/\d{4}")


@dataclass(frozen=True)
class TaskData:
    spec: TaskSpec
    train: pd.DataFrame
    test: pd.DataFrame


def understand(source: TaskSource) -> TaskData:
    notes: list[str] = []
    train_header = read_header(source.files.train)
    test_header = read_header(source.files.test, min_columns=source.files.test_min_columns)
    sample_header = (
        read_header(source.files.sample_submission) if source.files.sample_submission else None
    )
    id_column, target, class_columns = _identify_columns(
        source, train_header, test_header, sample_header, notes
    )
    train = read_table(source.files.train, string_columns=(target,) + ((id_column,) if id_column else ()))
    test = read_table(source.files.test, string_columns=(id_column,) if id_column else (),
                      min_columns=source.files.test_min_columns)
    _check_features(source, train, test, target, id_column)
    if source.files.train_images is not None:
        notes.append(f"images: '{id_column}' names the files in {source.files.train_images} "
                     f"and {source.files.test_images}")

    metric_name = _metric_from_text(source.description, notes)
    task_type, classes = _task_type(train[target], metric_name, class_columns, notes)
    if metric_name is None:
        metric_name = "accuracy" if task_type != "regression" else "rmse"
        notes.append(f"{NO_METRIC_NOTE}; using {metric_name}")
    metric = get_metric(metric_name)
    if task_type not in metric.task_types:
        raise TaskInputError(
            f"description: metric {metric_name} does not fit a {task_type} target "
            f"'{target}' in {source.files.train}"
        )
    if class_columns:
        class_columns = _order_class_columns(class_columns, classes, source)
    kind = _submission_kind(task_type, metric_name, class_columns, source, target)
    notes.append(f"submission kind: {kind}")
    time_column = _time_column(train, test, id_column, target, notes)
    submission_columns = ([id_column] if id_column else []) + (class_columns or [target])
    spec = TaskSpec(
        name=source.name,
        files=source.files,
        description=source.description,
        id_column=id_column,
        target=target,
        task_type=task_type,
        classes=classes,
        metric=metric_name,
        direction=metric.direction,
        submission_kind=kind,
        submission_columns=submission_columns,
        class_columns=class_columns,
        time_column=time_column,
        notes=notes,
    )
    return TaskData(spec=spec, train=train, test=test)


def _identify_columns(source, train_header, test_header, sample_header, notes):
    """id column, target column and (for per-class probability submissions) class columns."""
    train_only = [c for c in train_header if c not in test_header]
    class_columns: list[str] = []
    id_column: str | None = None
    if sample_header:
        if sample_header[0] in test_header:
            id_column = sample_header[0]
            notes.append(f"id column '{id_column}': first column of sample_submission.csv")
        answer_columns = sample_header[1:] if id_column else sample_header
        in_train = [c for c in answer_columns if c in train_header]
        if len(answer_columns) == 1 and in_train:
            target = in_train[0]
        elif len(train_only) == 1 and len(answer_columns) > 1:
            target, class_columns = train_only[0], answer_columns
            notes.append(f"one probability column per class of '{target}' in the submission")
        elif len(train_only) == 1:
            target = train_only[0]
        else:
            raise TaskInputError(
                f"{source.files.sample_submission}: cannot tell the target; its columns "
                f"{answer_columns} are not a single column of {source.files.train}"
            )
    else:
        if len(train_only) != 1:
            raise TaskInputError(
                f"{source.files.train}: cannot tell the target without sample_submission.csv; "
                f"columns in train but not in test: {train_only or 'none'}"
            )
        target = train_only[0]
        id_column = next((c for c in test_header if _ID_NAMES.match(c)), None)
    if target not in train_header:
        raise TaskInputError(
            f"{source.files.train}: target column '{target}' not found; columns: {train_header}"
        )
    notes.append(f"target '{target}': the column train has and test lacks")
    return id_column, target, class_columns


def _check_features(source, train, test, target, id_column) -> None:
    features = [c for c in train.columns if c not in (target, id_column)]
    test_features = [c for c in test.columns if c != id_column]
    missing = [c for c in features if c not in test.columns]
    extra = [c for c in test_features if c not in train.columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing from test: {missing}")
        if extra:
            parts.append(f"not in train: {extra}")
        raise TaskInputError(
            f"{source.files.test}: columns differ from the features of {source.files.train} "
            f"({'; '.join(parts)})"
        )
    if train[target].isna().all():
        raise TaskInputError(f"{source.files.train}: target column '{target}' is empty")


def metric_from_description(description: str) -> str | None:
    """The metric a description names, or None; the grader uses this for MLE-bench folders."""
    return _metric_from_text(description, [])


def _metric_from_text(description: str, notes: list[str]) -> str | None:
    lowered = description.lower()
    section = re.search(r"#+\s*evaluation[^\n]*\n(.*?)(?=\n#+\s|\Z)", lowered, re.S)
    for where, text in (("Evaluation section", section.group(1) if section else ""),
                        ("description", lowered)):
        for name, pattern in _METRIC_PATTERNS:
            found = re.search(pattern, text)
            if found:
                notes.append(f"metric {name}: the {where} says '{found.group(0)}'")
                return name
    return None


def _task_type(target: pd.Series, metric_name, class_columns, notes):
    values = target.dropna().astype(str).str.strip()
    distinct = values.unique()
    numeric = pd.to_numeric(pd.Series(distinct), errors="coerce")
    all_numeric = bool(numeric.notna().all())
    if metric_name in METRICS and "regression" in METRICS[metric_name].task_types:
        if not all_numeric:
            raise TaskInputError(
                f"target '{target.name}' has non-numeric values (e.g. "
                f"{[v for v, n in zip(distinct, numeric) if pd.isna(n)][:3]}) "
                f"but the metric {metric_name} is for numbers"
            )
        notes.append(f"regression: the metric {metric_name} scores numbers")
        return "regression", []
    few = len(distinct) <= max(2, min(100, int(0.05 * len(values)) + 2))
    integral = all_numeric and bool(np.all(np.mod(numeric, 1) == 0))
    is_class = class_columns or metric_name is not None or not all_numeric or (integral and few)
    if not is_class:
        notes.append("regression: numeric target with many distinct values")
        return "regression", []
    if len(distinct) < 2:
        raise TaskInputError(f"target '{target.name}' has one value only; nothing to learn")
    if all_numeric:
        order = np.argsort(numeric.to_numpy(), kind="stable")
        classes = [str(distinct[i]) for i in order]
    else:
        classes = sorted(str(v) for v in distinct)
    task_type = "binary" if len(classes) == 2 else "multiclass"
    notes.append(f"{task_type} classification over {len(classes)} classes")
    return task_type, classes


def _order_class_columns(class_columns, classes, source) -> list[str]:
    by_name = {c.strip(): c for c in class_columns}
    ordered = []
    for value in classes:
        if value not in by_name:
            raise TaskInputError(
                f"{source.files.sample_submission}: no column for class '{value}'; "
                f"columns are {class_columns}"
            )
        ordered.append(by_name[value])
    return ordered


def _submission_kind(task_type, metric_name, class_columns, source, target):
    if task_type == "regression":
        return "value"
    if class_columns:
        return "class_probabilities"
    if get_metric(metric_name).wants_probabilities:
        if task_type == "multiclass":
            raise TaskInputError(
                f"{source.files.sample_submission or source.files.train}: metric {metric_name} "
                f"needs one probability column per class of '{target}'"
            )
        return "probability"
    return "label"


def _time_column(train, test, id_column, target, notes) -> str | None:
    """A date column (or a date-valued id) whose test values all come after train's."""
    for column in train.columns:
        if column == target or column not in test.columns:
            continue
        if pd.api.types.is_numeric_dtype(train[column]):
            continue
        sample = train[column].dropna().astype(str).head(200)
        if sample.empty or sample.map(lambda v: bool(_DATE_SHAPE.match(v))).mean() < 0.95:
            continue
        train_dates = pd.to_datetime(train[column], errors="coerce")
        test_dates = pd.to_datetime(test[column], errors="coerce")
        if train_dates.notna().mean() < 0.95:
            continue
        if test_dates.min() > train_dates.max():
            notes.append(f"temporal: every '{column}' in test comes after train's last")
            return column
        notes.append(f"'{column}' holds dates, but test and train overlap in time")
    return None
