"""Grading a submission against a task's private answers.

Two layouts are understood: mlwright's benchmark tasks (`grade.json` + `private/answers.csv`)
and MLE-bench competitions (`prepared/public/` + `prepared/private/test.csv`, the metric read
from the description). Every fault in a submission is listed, not just the first, so a person
can fix them all at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.bench.medals import MedalReport, medal_for, read_leaderboard
from mlwright.errors import TaskInputError
from mlwright.task.metrics import MULTITARGET, Metric, get_metric

MAX_EXAMPLES = 3


class SubmissionError(TaskInputError):
    """A submission that cannot be scored; the message lists every fault found."""


@dataclass(frozen=True)
class GradeSpec:
    """What grading a task needs: the metric, the key, the answer columns and where they are."""

    metric: Metric
    id_column: str
    targets: list[str]
    answers: Path
    leaderboard: Path | None


@dataclass(frozen=True)
class Grade:
    metric: str
    score: float
    rows: int
    higher_is_better: bool
    medal: MedalReport | None = None

    def as_dict(self) -> dict:
        out = {"metric": self.metric, "score": self.score, "rows": self.rows,
               "higher_is_better": self.higher_is_better}
        if self.medal is not None:
            out["medal"] = self.medal.as_dict()
        return out


def load_grade_spec(task_root: Path, leaderboard: Path | None = None) -> GradeSpec:
    """Read grade.json where there is one; otherwise work it out from an MLE-bench layout."""
    task_root = Path(task_root).expanduser()
    if not task_root.is_dir():
        raise TaskInputError(f"{task_root}: task folder does not exist")
    if leaderboard is None and (task_root / "leaderboard.csv").is_file():
        leaderboard = task_root / "leaderboard.csv"
    config_path = task_root / "grade.json"
    if config_path.is_file():
        return _spec_from_config(task_root, config_path, leaderboard)
    prepared = task_root / "prepared" if (task_root / "prepared").is_dir() else task_root
    answers = prepared / "private" / "test.csv"
    if answers.is_file():
        return _spec_from_mle_bench(prepared, answers, leaderboard)
    raise TaskInputError(
        f"{task_root}: no grade.json with private/answers.csv, nor an MLE-bench "
        "prepared/private/test.csv; cannot grade without the answers"
    )


def _spec_from_config(task_root: Path, config_path: Path, leaderboard: Path | None) -> GradeSpec:
    try:
        config = json.loads(config_path.read_text())
        metric = get_metric(config["metric"])
        id_column, targets = config["id"], list(config["target"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TaskInputError(f"{config_path}: needs metric, id and target ({exc})") from None
    answers = task_root / "private" / "answers.csv"
    if not answers.is_file():
        raise TaskInputError(f"{answers}: not found; grade.json needs the private answers")
    return GradeSpec(metric, id_column, targets, answers, leaderboard)


def _spec_from_mle_bench(prepared: Path, answers: Path, leaderboard: Path | None) -> GradeSpec:
    from mlwright.task.metric_reading import read_metric

    public = prepared / "public"
    sample = public / "sample_submission.csv"
    description = next((p for p in (public / "description.md", prepared.parent / "description.md")
                        if p.is_file()), None)
    if not sample.is_file() or description is None:
        raise TaskInputError(f"{public}: an MLE-bench folder needs sample_submission.csv and "
                             "description.md to be graded")
    reading = read_metric(description.read_text(encoding="utf-8"))
    if reading is None or reading.metric is None:
        named = f" ({reading.unsupported})" if reading and reading.unsupported else ""
        raise TaskInputError(f"{description}: names no metric mlwright can compute{named}")
    metric_name = reading.metric
    columns = list(pd.read_csv(sample, nrows=0).columns)
    return GradeSpec(get_metric(metric_name), columns[0], columns[1:], answers, leaderboard)


def grade_submission(task_root: Path, submission: Path, leaderboard: Path | None = None) -> Grade:
    """Check SUBMISSION against the answers, score it, and rank it on a leaderboard if known."""
    spec = load_grade_spec(task_root, leaderboard)
    answers = pd.read_csv(spec.answers, dtype={spec.id_column: str})
    predicted = read_submission(Path(submission), spec)
    aligned = check_submission(spec, answers, predicted, Path(submission))
    y, pred = _encode(spec, answers, aligned)
    score = float(spec.metric.score(y, pred))
    medal = None
    if spec.leaderboard is not None:
        medal = medal_for(score, read_leaderboard(spec.leaderboard), spec.metric.higher_is_better)
    return Grade(spec.metric.name, score, len(answers), spec.metric.higher_is_better, medal)


def read_submission(path: Path, spec: GradeSpec) -> pd.DataFrame:
    if not path.is_file():
        raise SubmissionError(f"{path}: submission file not found")
    try:
        frame = pd.read_csv(path, dtype={spec.id_column: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"{path}: not a readable CSV ({str(exc).strip()})") from None
    return frame


def check_submission(spec: GradeSpec, answers: pd.DataFrame, predicted: pd.DataFrame,
                     path: Path) -> pd.DataFrame:
    """Return the submission in the answers' row order, or raise listing every fault."""
    faults: list[str] = []
    expected = [spec.id_column, *spec.targets]
    missing = [c for c in expected if c not in predicted.columns]
    extra = [c for c in predicted.columns if c not in expected]
    if missing:
        faults.append(f"missing column(s) {missing}; expected {expected}")
    if extra:
        faults.append(f"unexpected column(s) {extra[:MAX_EXAMPLES]}; expected {expected}")
    if spec.id_column in predicted.columns:
        faults.extend(_id_faults(spec.id_column, answers, predicted))
    present = [t for t in spec.targets if t in predicted.columns]
    faults.extend(_value_faults(spec, predicted, present))
    if faults:
        listed = "\n  - ".join(faults)
        raise SubmissionError(f"{path}: {len(faults)} fault(s):\n  - {listed}")
    order = predicted.set_index(spec.id_column).loc[answers[spec.id_column]]
    return order.reset_index()


def _id_faults(id_column: str, answers: pd.DataFrame, predicted: pd.DataFrame) -> list[str]:
    faults = []
    ids = predicted[id_column]
    if ids.isna().any():
        faults.append(f"column '{id_column}': {int(ids.isna().sum())} empty id(s)")
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        faults.append(f"column '{id_column}': {len(duplicated)} duplicated id(s), e.g. "
                      f"{list(duplicated[:MAX_EXAMPLES])}")
    expected, given = set(answers[id_column]), set(ids.dropna())
    absent, unknown = sorted(expected - given), sorted(given - expected)
    if absent:
        faults.append(f"column '{id_column}': {len(absent)} of {len(expected)} test id(s) "
                      f"missing, e.g. {absent[:MAX_EXAMPLES]}")
    if unknown:
        faults.append(f"column '{id_column}': {len(unknown)} id(s) not in the test set, e.g. "
                      f"{unknown[:MAX_EXAMPLES]}")
    return faults


def _value_faults(spec: GradeSpec, predicted: pd.DataFrame, targets: list[str]) -> list[str]:
    faults = []
    numeric_needed = spec.metric.prediction in ("probabilities", "values") or len(spec.targets) > 1
    if spec.metric.prediction == "ranking":
        faults.extend(_ranking_faults(spec, predicted, targets))
    for column in targets:
        values = predicted[column]
        empty = values.isna() | (values.astype(str).str.strip() == "")
        if empty.any():
            faults.append(f"column '{column}': {int(empty.sum())} missing value(s), first at row "
                          f"{int(np.flatnonzero(empty.to_numpy())[0]) + 2} of the file")
        if not numeric_needed:
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        not_numbers = numbers.isna() & ~empty
        if not_numbers.any():
            faults.append(f"column '{column}': {int(not_numbers.sum())} value(s) are not numbers, "
                          f"e.g. {list(values[not_numbers].astype(str).head(MAX_EXAMPLES))}")
        infinite = np.isinf(numbers.to_numpy(dtype=float))
        if infinite.any():
            faults.append(f"column '{column}': {int(infinite.sum())} infinite value(s)")
        if spec.metric.wants_probabilities:
            outside = ((numbers < 0) | (numbers > 1)).to_numpy()
            if outside.any():
                faults.append(f"column '{column}': {int(outside.sum())} probabilit(ies) outside "
                              f"[0, 1], e.g. {list(numbers[outside].head(MAX_EXAMPLES))}")
    return faults


def _ranking_faults(spec: GradeSpec, predicted: pd.DataFrame, targets: list[str]) -> list[str]:
    faults = []
    for column in targets:
        counts = predicted[column].fillna("").astype(str).str.split().str.len()
        over = counts > spec.metric.top_k
        if over.any():
            faults.append(f"column '{column}': {int(over.sum())} row(s) list more than "
                          f"{spec.metric.top_k} labels")
    return faults


def _encode(spec: GradeSpec, answers: pd.DataFrame, aligned: pd.DataFrame):
    """Targets and predictions in the metric registry's canonical shapes."""
    metric, targets = spec.metric, spec.targets
    if MULTITARGET in metric.task_types:  # one column per target
        return answers[targets].to_numpy(dtype=float), aligned[targets].to_numpy(dtype=float)
    if metric.prediction == "ranking":
        return _encode_ranking(answers[targets[0]], aligned[targets[0]])
    if len(targets) > 1:  # one column per class: answers one-hot (or probabilities)
        truth = answers[targets].to_numpy(dtype=float).argmax(axis=1)
        return truth, aligned[targets].to_numpy(dtype=float)
    truth, guess = answers[targets[0]], aligned[targets[0]]
    if "regression" in metric.task_types:
        return truth.to_numpy(dtype=float), guess.to_numpy(dtype=float)
    if metric.wants_probabilities:
        classes = sorted(truth.astype(str).unique(), key=_numeric_first)
        y = truth.astype(str).map({c: i for i, c in enumerate(classes)}).to_numpy()
        return y, guess.to_numpy(dtype=float)
    truth_text, guess_text = _label_text(truth), _label_text(guess)
    classes = sorted(set(truth_text) | set(guess_text), key=_numeric_first)
    index = {c: i for i, c in enumerate(classes)}
    y = truth_text.map(index).to_numpy()
    return y, np.eye(len(classes))[guess_text.map(index).to_numpy()]


def _encode_ranking(truth: pd.Series, guess: pd.Series):
    """Class indices, and per row a score that ranks the listed labels first, in their order."""
    truth_text = _label_text(truth)
    listed = [_label_text(pd.Series(str(v).split(), dtype=object)).tolist()
              for v in guess.fillna("")]
    classes = sorted(set(truth_text) | {label for row in listed for label in row},
                     key=_numeric_first)
    index = {c: i for i, c in enumerate(classes)}
    scores = np.zeros((len(truth), len(classes)))
    for row, labels in enumerate(listed):
        for rank, label in enumerate(labels):
            if scores[row, index[label]] == 0:
                scores[row, index[label]] = len(labels) - rank
    return truth_text.map(index).to_numpy(), scores


def _label_text(values: pd.Series) -> pd.Series:
    """Labels as text, with 1.0 and 1 the same label (a float column must not miss an int one)."""
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    return text.where(~whole, numbers.round().astype("Int64").astype(str))


def _numeric_first(value: str):
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)
