"""Built-in task understanding: the user's word first, then the files, then the description.

Every decision (target, id, task type, metric, submission, time) is kept with where it came
from and how sure it is (TaskSpec.decisions); a guess the user should check is printed at the
start of a run. Facts the files decide (which columns exist, what values the target holds) are
never overruled by the description.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.errors import OptionError, TaskInputError
from mlwright.task.columns import Columns, Headers, identify_columns
from mlwright.task.loading import TaskSource, read_header, read_table
from mlwright.task.metric_reading import MetricReading, read_metric
from mlwright.task.metrics import MULTITARGET, REGRESSION, get_metric
from mlwright.task.options import TaskOptions
from mlwright.task.spec import Decision, TaskSpec
from mlwright.task.tables import read_head
from mlwright.task.time_axis import find_time_axis

# A metric read for another kind of target, and what it means there.
_ADAPTED = {("f1", "multiclass"): "macro_f1", ("gini", "multiclass"): "roc_auc",
            ("mcrmse", "regression"): "rmse", ("mean_auc", "binary"): "roc_auc"}


@dataclass(frozen=True)
class TaskData:
    spec: TaskSpec
    train: pd.DataFrame
    test: pd.DataFrame


def understand(source: TaskSource, options: TaskOptions | None = None) -> TaskData:
    options = options or TaskOptions()
    files = source.files
    headers = Headers(read_header(files.train),
                      read_header(files.test, min_columns=1),
                      read_header(files.sample_submission) if files.sample_submission else None)
    columns = identify_columns(source, headers, options)
    target, id_column = columns.target, columns.id_column
    train = read_table(files.train, string_columns=(target,) + ((id_column,) if id_column else ()))
    test = read_table(files.test, string_columns=(id_column,) if id_column else (), min_columns=1)
    _check_features(source, train, test, target, id_column)
    notes: list[str] = []
    reading = None if options.metric else read_metric(source.description)
    sample_probabilities = _sample_holds_probabilities(source, target)
    task_type, classes, type_decision = _task_type(train[target], options, columns, reading)
    metric_name, metric_decision = _metric(options, reading, task_type, sample_probabilities,
                                           source, target, notes)
    kind, class_columns, top_k = _submission(task_type, metric_name, columns, classes, source)
    class_columns = _order_class_columns(class_columns, classes, source) if class_columns else []
    axis, time_decision, time_notes = find_time_axis(train, test, target, id_column,
                                                     options.time_columns)
    notes += time_notes
    metric = get_metric(metric_name)
    spec = TaskSpec(
        name=source.name, files=files, description=source.description, id_column=id_column,
        target=target, task_type=task_type, classes=classes, metric=metric.name,
        direction=metric.direction, submission_kind=kind,
        submission_columns=([id_column] if id_column else []) + (class_columns or [target]),
        class_columns=class_columns, time=axis, top_k=top_k,
        decisions={"target": columns.target_decision, "id": columns.id_decision,
                   "task type": type_decision, "metric": metric_decision,
                   "submission": Decision(value=kind, source="files" if files.sample_submission
                                          else "default", confidence="high",
                                          why=_kind_why(kind, top_k)),
                   "time": time_decision},
        found=list(source.notes),
        notes=notes,
    )
    return TaskData(spec=spec, train=train, test=test)


def metric_from_description(description: str) -> str | None:
    """The supported metric a description names, or None; the grader uses this for MLE-bench
    folders."""
    reading = read_metric(description)
    return reading.metric if reading else None


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


# ---- task type --------------------------------------------------------------------------------
def _task_type(target: pd.Series, options: TaskOptions, columns: Columns,
               reading: MetricReading | None) -> tuple[str, list[str], Decision]:
    values = target.dropna().astype(str).str.strip()
    distinct = values.unique()
    numeric = pd.to_numeric(pd.Series(distinct), errors="coerce")
    all_numeric = bool(numeric.notna().all())
    integral = all_numeric and bool(np.all(np.mod(numeric, 1) == 0))
    said = _type_said(options, columns, reading)
    if said is not None and said[1].source == "description" and not (
            all_numeric if said[0] == "regression" else not all_numeric or integral
            or len(distinct) <= 50):
        said = None  # the values cannot be what the description's metric scores: files win
    if said is not None:
        wanted, decision = said
    else:
        wanted, decision = _type_from_values(values, distinct, numeric, all_numeric)
    if wanted == "regression":
        if not all_numeric:
            examples = [v for v, n in zip(distinct, numeric, strict=True) if pd.isna(n)][:3]
            raise TaskInputError(f"target '{target.name}' has values that are not numbers (e.g. "
                                 f"{examples}), but {decision.why} asks for a regression; pass "
                                 "--task-type or --metric to settle it")
        return "regression", [], decision
    if len(distinct) < 2:
        raise TaskInputError(f"target '{target.name}' has one value only; nothing to learn")
    if all_numeric:
        order = np.argsort(numeric.to_numpy(), kind="stable")
        classes = [str(distinct[i]) for i in order]
    else:
        classes = sorted(str(v) for v in distinct)
    task_type = "binary" if len(classes) == 2 else "multiclass"
    return task_type, classes, decision.model_copy(update={
        "value": task_type, "why": f"{decision.why} ({len(classes)} classes)"})


def _type_said(options: TaskOptions, columns: Columns,
               reading: MetricReading | None) -> tuple[str, Decision] | None:
    """Regression or classification where an option, the submission or a sure metric says."""
    if options.task_type:
        kind = "regression" if options.task_type == "regression" else "classification"
        return kind, Decision(value=options.task_type, source="option", confidence="high",
                              why="--task-type")
    if columns.class_columns:
        return "classification", Decision(value="classification", source="files",
                                          confidence="high", why="one probability column per "
                                          "class in the sample submission")
    named = options.metric or (reading.metric if reading and reading.confidence != "low"
                               else None)
    if named:
        metric = get_metric(named)
        source = "option" if options.metric else "description"
        kind = "regression" if metric.task_types & {REGRESSION, MULTITARGET} else "classification"
        return kind, Decision(value=kind, source=source, confidence="high",
                              why=f"the metric {metric.name} scores "
                                  f"{'numbers' if kind == 'regression' else 'classes'}")
    return None


def _type_from_values(values: pd.Series, distinct, numeric: pd.Series,
                      all_numeric: bool) -> tuple[str, Decision]:
    if not all_numeric:
        return "classification", Decision(value="classification", source="files",
                                          confidence="high", why="the target holds labels")
    if len(distinct) == 2:
        return "classification", Decision(value="classification", source="files",
                                          confidence="high", why="the target holds two values")
    integral = bool(np.all(np.mod(numeric, 1) == 0))
    few = len(distinct) <= max(2, min(100, int(0.05 * len(values)) + 2))
    if integral and few:
        sure = "high" if len(distinct) <= 2 else "low"
        return "classification", Decision(value="classification", source="files",
                                          confidence=sure, why=f"the target holds "
                                          f"{len(distinct)} whole numbers")
    many = "many whole numbers" if integral else "numbers with fractions"
    return "regression", Decision(value="regression", source="files",
                                  confidence="medium" if integral else "high",
                                  why=f"the target holds {many}")


# ---- metric -----------------------------------------------------------------------------------
def _metric(options: TaskOptions, reading: MetricReading | None, task_type: str,
            sample_probabilities: bool, source: TaskSource, target: str,
            notes: list[str]) -> tuple[str, Decision]:
    if options.metric:
        metric = get_metric(options.metric)
        if not metric.fits(task_type):
            raise OptionError(f"--metric: {metric.name} scores {_kinds(metric.task_types)}; "
                              f"the target '{target}' is {task_type}")
        return metric.name, Decision(value=metric.name, source="option", confidence="high",
                                     why="--metric")
    where = source.files.description or "the description"
    if reading is not None and reading.metric is not None:
        name, confidence = reading.metric, reading.confidence
        why = f"read from '{_short(reading.evidence)}' in {reading.where}"
        if not get_metric(name).fits(task_type):
            adapted = _ADAPTED.get((name, task_type))
            if adapted is not None:
                notes.append(f"metric {name} on a {task_type} target is read as {adapted}")
                return adapted, Decision(value=adapted, source="description", confidence="low",
                                         why=f"{why}; {name} fits no {task_type} target")
            notes.append(f"the description names {name}, which fits no {task_type} target "
                         f"'{target}'; the default metric is used")
        else:
            if reading.others:
                notes.append(f"metric {name} chosen over {', '.join(reading.others)} "
                             "also mentioned")
            return name, Decision(value=name, source="description", confidence=confidence,
                                  why=why)
    if reading is not None and reading.unsupported is not None:
        nearest = f"; nearest supported: {reading.nearest}" if reading.nearest else ""
        if reading.confidence != "low":
            raise TaskInputError(
                f"{where}: submissions are scored with {reading.unsupported} (read from "
                f"'{_short(reading.evidence)}'), which mlwright cannot compute{nearest}; pass "
                "--metric NAME to build for a metric it can (docs/understanding.md lists them)")
        notes.append(f"the description may score with {reading.unsupported}, which mlwright "
                     f"cannot compute{nearest}")
    return _default_metric(task_type, sample_probabilities)


def _default_metric(task_type: str, sample_probabilities: bool) -> tuple[str, Decision]:
    if task_type == "regression":
        name, why = "rmse", "no metric named; root mean squared error for a number"
    elif sample_probabilities:
        name, why = "logloss", "no metric named; log loss, as the sample submission holds " \
                               "probabilities"
    else:
        name, why = "accuracy", "no metric named; accuracy for a class label"
    return name, Decision(value=name, source="default", confidence="low", why=why)


def _sample_holds_probabilities(source: TaskSource, target: str) -> bool:
    """Fractions between 0 and 1 in the sample submission's answer column."""
    if not source.files.sample_submission:
        return False
    try:
        sample = read_head(source.files.sample_submission, rows=200)
    except (OSError, ValueError, TaskInputError):
        return False
    columns = [c for c in sample.columns[1:]] or list(sample.columns)
    values = pd.to_numeric(sample[columns].stack(), errors="coerce")
    return bool(len(values) and values.notna().all() and values.between(0, 1).all()
                and (np.mod(values, 1) != 0).any())


# ---- submission -------------------------------------------------------------------------------
def _submission(task_type: str, metric_name: str, columns: Columns, classes: list[str],
                source: TaskSource) -> tuple[str, list[str], int | None]:
    metric = get_metric(metric_name)
    if task_type == "regression":
        return "value", [], None
    if columns.class_columns:
        return "class_probabilities", columns.class_columns, None
    if metric.prediction == "ranking":
        return "ranked_labels", [], metric.top_k
    if metric.prediction == "probabilities":
        if task_type == "binary":
            return "probability", [], None
        if source.files.sample_submission is None:
            return "class_probabilities", list(classes), None  # one column per class
        raise TaskInputError(
            f"{source.files.sample_submission}: metric {metric_name} needs one probability "
            f"column per class of '{columns.target}'")
    return "label", [], None


def _order_class_columns(class_columns: list[str], classes: list[str],
                         source: TaskSource) -> list[str]:
    by_name = {c.strip(): c for c in class_columns}
    ordered = []
    for value in classes:
        if value not in by_name:
            raise TaskInputError(f"{source.files.sample_submission}: no column for class "
                                 f"'{value}'; columns are {class_columns}")
        ordered.append(by_name[value])
    return ordered


def _kind_why(kind: str, top_k: int | None) -> str:
    return {"value": "a number per row", "probability": "the probability of the positive class",
            "class_probabilities": "one probability column per class",
            "ranked_labels": f"the {top_k} most likely labels per row, most likely first",
            "label": "a class label per row"}[kind]


def _kinds(task_types: frozenset[str]) -> str:
    return " or ".join(sorted(t if t != MULTITARGET else "several targets" for t in task_types))


def _short(text: str, words: int = 14) -> str:
    tokens = text.split()
    return " ".join(tokens[:words]) + (" ..." if len(tokens) > words else "")
