"""Task understanding by the model, checked against the data. The built-in reading comes from
the files (the sample submission names the target and the id; the target's values give the task
type), so where the model disagrees the data wins and the disagreement is noted. The model's
reading is taken only where the files are silent: a metric the description's wording did not
match."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mlwright.agents.llm.calls import ModelCaller
from mlwright.task.loading import read_header
from mlwright.task.metrics import METRICS
from mlwright.task.spec import TaskSpec
from mlwright.task.understand import NO_METRIC_NOTE

INSTRUCTIONS = """Read a machine-learning task: its description and the columns of its files.
Say which column is the target, which identifies rows, what kind of task it is and which
metric the description asks for."""


class TaskReading(BaseModel):
    target: str
    id_column: str | None = None
    task_type: Literal["binary", "multiclass", "regression"]
    metric: str = Field(description=f"one of {sorted(METRICS)}")


def review_task(spec: TaskSpec, caller: ModelCaller) -> TaskSpec:
    from pydantic_ai import Agent

    files = spec.files
    headers = {"train.csv": read_header(files.train),
               "test.csv": read_header(files.test, min_columns=files.test_min_columns)}
    if files.sample_submission:
        headers["sample_submission.csv"] = read_header(files.sample_submission)
    columns = "\n".join(f"{name}: {', '.join(header[:60])}" for name, header in headers.items())
    prompt = f"Description:\n{spec.description[:6000]}\n\nColumns:\n{columns}"
    agent = Agent(output_type=TaskReading, instructions=INSTRUCTIONS, retries=2, name="setup")
    reading = caller.run("setup", agent, prompt, max_requests=4)
    if reading is None:
        return spec
    notes = list(spec.notes)
    for field, theirs, ours in (("target", reading.target, spec.target),
                                ("id column", reading.id_column, spec.id_column),
                                ("task type", reading.task_type, spec.task_type)):
        if theirs != ours:
            notes.append(f"the model read the {field} as {theirs!r}; the files say {ours!r}, "
                         "which is kept")
    update: dict = {}
    if reading.metric != spec.metric:
        metric = METRICS.get(reading.metric)
        defaulted = any(n.startswith(NO_METRIC_NOTE) for n in spec.notes)
        if defaulted and metric is not None and spec.task_type in metric.task_types \
                and _same_submission(spec, reading.metric):
            update = {"metric": reading.metric, "direction": metric.direction}
            notes.append(f"metric {reading.metric}: read by the model from the description")
        else:
            why = ("the model's does not fit this target" if defaulted
                   else "the description names it")
            notes.append(f"the model read the metric as {reading.metric!r}; "
                         f"{spec.metric} is kept ({why})")
    return spec.model_copy(update={**update, "notes": notes})


def _same_submission(spec: TaskSpec, metric: str) -> bool:
    """A metric that needs probabilities where labels were planned (or back) changes the
    submission's format; only a metric that keeps it is taken."""
    probabilities = {"roc_auc", "logloss"}
    return (metric in probabilities) == (spec.metric in probabilities)
