"""The understood task, as one validated model written to task.json."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

TaskType = Literal["binary", "multiclass", "regression"]
SubmissionKind = Literal["label", "probability", "class_probabilities", "value", "ranked_labels"]
Source = Literal["option", "description", "files", "model", "default"]
Confidence = Literal["high", "medium", "low"]


class Decision(BaseModel):
    """One reading of the task, with where it came from and how sure it is."""

    value: str | None
    source: Source
    confidence: Confidence
    why: str

    def line(self, name: str) -> str:
        return f"{name}: {self.value or '-'} ({self.why}; {self.source}, {self.confidence})"


class TimeAxis(BaseModel):
    """How a row's time is read (task.time_values does the reading): one date column, date
    parts spread over columns (year, month, ...), a date inside an id, or a period number."""

    kind: Literal["date", "parts", "embedded", "period"]
    columns: list[str]
    parts: list[str] = Field(default_factory=list, description="kind parts: each column's role "
                             "(year, quarter, month, week, day, hour)")
    pattern: str | None = Field(None, description="kind embedded: regex whose first group is "
                                "the date inside the column's text")

    @property
    def label(self) -> str:
        names = ", ".join(self.columns)
        return {"date": names, "parts": f"{names} (date parts)",
                "embedded": f"the date inside {names}", "period": f"{names} (period number)"}[
            self.kind]


class TaskFiles(BaseModel):
    """Where the task's files are; every path absolute."""

    train: Path
    test: Path
    sample_submission: Path | None = None
    description: Path | None = None
    train_images: Path | None = None  # the folder holding the training rows' image files
    test_images: Path | None = None  # the test rows' (often the same folder)
    image_column: str | None = None  # the column naming those files; None: the id column


class TaskSpec(BaseModel):
    name: str
    files: TaskFiles
    description: str
    id_column: str | None
    target: str
    task_type: TaskType
    classes: list[str] = Field(default_factory=list, description="class values as written in CSV")
    metric: str
    direction: Literal["higher", "lower"]
    submission_kind: SubmissionKind
    submission_columns: list[str]
    class_columns: list[str] = Field(
        default_factory=list, description="submission column of each class, in class order"
    )
    time: TimeAxis | None = None
    top_k: int | None = Field(None, description="labels a ranked_labels submission lists")
    decisions: dict[str, Decision] = Field(default_factory=dict,
                                           description="target, id, task type, metric, time: "
                                           "value, source and confidence")
    found: list[str] = Field(default_factory=list, description="how the files were found: "
                             "archives unpacked, tables derived or chosen among several")
    notes: list[str] = Field(default_factory=list, description="how each decision was made")

    @property
    def is_classification(self) -> bool:
        return self.task_type != "regression"

    @property
    def positive_class(self) -> str | None:
        return self.classes[1] if self.task_type == "binary" else None


# The option that overrides each decision, for the line a guess is printed on.
OVERRIDES = {"target": "--target", "id": "--id", "task type": "--task-type",
             "metric": "--metric", "time": "--time-column"}


def guesses(spec: TaskSpec) -> list[str]:
    """One line per thing the user should check: how the files were found, and each decision
    made with low confidence, with the option that overrides it."""
    lines = [f"found: {line}" for line in spec.found]
    for name, decision in spec.decisions.items():
        if decision.confidence == "low" and name in OVERRIDES:
            lines.append(f"{name}: {decision.value or '-'} ({decision.why}); pass "
                         f"{OVERRIDES[name]} to override")
    return lines
