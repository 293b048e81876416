"""Task understanding by the model, asked only where the built-in reading is unsure.

The files decide the facts they can (which column is the target and the id, what values the
target holds): where the model disagrees there, the files win and the disagreement is noted.
The model's word is taken for a low-confidence decision of the built-in reading, the metric
above all, when it fits the target and keeps the submission's format.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mlwright.agents.llm.calls import ModelCaller
from mlwright.task.loading import read_header
from mlwright.task.metrics import FAMILIES, get_metric, is_known
from mlwright.task.spec import Decision, TaskSpec

INSTRUCTIONS = """Read a machine-learning task: its description and the columns of its files.
Say which column is the target, which identifies rows, what kind of task it is and which
metric scores the submissions (the one that decides the ranking, not one named in passing)."""


class TaskReading(BaseModel):
    target: str
    id_column: str | None = None
    task_type: Literal["binary", "multiclass", "regression"]
    metric: str = Field(description=f"one of {', '.join(FAMILIES)} (K a number), or 'none' "
                                    "when the description names no metric")


def unsure(spec: TaskSpec) -> list[str]:
    """The decisions the built-in reading made with low confidence."""
    return [name for name, decision in spec.decisions.items() if decision.confidence == "low"]


def review_task(spec: TaskSpec, caller: ModelCaller) -> TaskSpec:
    if not unsure(spec):
        return spec
    from pydantic_ai import Agent

    files = spec.files
    headers = {"train": read_header(files.train),
               "test": read_header(files.test, min_columns=1)}
    if files.sample_submission:
        headers["sample_submission"] = read_header(files.sample_submission)
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
    update: dict = {"notes": notes}
    if reading.metric != spec.metric and "metric" in unsure(spec):
        why = _refusal(spec, reading.metric)
        if why is None:
            metric = get_metric(reading.metric)
            update |= {"metric": metric.name, "direction": metric.direction,
                       "decisions": {**spec.decisions, "metric": Decision(
                           value=metric.name, source="model", confidence="medium",
                           why="read by the model, where the built-in reading was unsure")}}
            notes.append(f"metric {metric.name}: read by the model from the description")
        else:
            notes.append(f"the model read the metric as {reading.metric!r}; {spec.metric} is "
                         f"kept ({why})")
    return spec.model_copy(update=update)


def _refusal(spec: TaskSpec, name: str) -> str | None:
    """Why the model's metric cannot replace the built-in one, or None."""
    if not is_known(name):
        return "mlwright cannot compute it"
    metric = get_metric(name)
    if not metric.fits(spec.task_type):
        return f"it fits no {spec.task_type} target"
    if metric.prediction != get_metric(spec.metric).prediction:
        return "it would change the submission's format"
    return None
