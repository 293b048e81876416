"""`mlwright inspect`: the task as a run would understand it, without training anything.

Each decision is shown with where it came from and how sure it is, so a user can check the
reading (and override it with an option) before spending a budget.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlwright.task.loading import locate_task
from mlwright.task.metrics import get_metric
from mlwright.task.options import TaskOptions
from mlwright.task.profile import profile
from mlwright.task.spec import guesses
from mlwright.task.understand import understand
from mlwright.validation import choose_scheme, make_folds


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    source: str = ""
    confidence: str = ""
    why: str = ""


@dataclass(frozen=True)
class Inspection:
    task: str
    files: dict[str, str]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        width = max(len(r.name) for r in self.rows)
        value_width = min(40, max(len(r.value) for r in self.rows))
        lines = [f"task: {self.task}"]
        lines += [f"  {name}: {path}" for name, path in self.files.items()]
        for row in self.rows:
            where = f"{row.source}, {row.confidence}" if row.source else ""
            lines.append(f"{row.name:<{width}}  {row.value:<{value_width}}  {where:<20} "
                         f"{row.why}".rstrip())
        lines += [f"note: {note}" for note in self.notes]
        if self.guesses:
            lines.append("check these:")
            lines += [f"  {line}" for line in self.guesses]
        return "\n".join(lines)


def inspect_task(task_dir: Path, options: TaskOptions, budget_seconds: float) -> Inspection:
    source = locate_task(task_dir, options)
    data = understand(source, options)
    spec, train, test = data.spec, data.train, data.test
    _, schema = profile(spec, train, test)
    plan = choose_scheme(spec, len(train), len(test), budget_seconds)
    n_folds = make_folds(plan, spec, train, len(test), 0, test).shape[1]  # time spans: fewer
    metric = get_metric(spec.metric)
    files = {name: str(path) for name, path in spec.files.model_dump().items() if path}
    decided = spec.decisions
    classes = f" ({len(spec.classes)} classes: {', '.join(spec.classes[:8])}" \
              f"{', ...' if len(spec.classes) > 8 else ''})" if spec.classes else ""
    rows = [
        Row("rows", f"train {len(train)}, test {len(test)}"),
        _row("target", decided.get("target"), spec.target),
        _row("id", decided.get("id"), spec.id_column or "-"),
        _row("task type", decided.get("task type"), spec.task_type + classes),
        _row("metric", decided.get("metric"), f"{metric.name} ({metric.direction} is better)"),
        _row("submission", decided.get("submission"), ", ".join(spec.submission_columns)),
        _row("time", decided.get("time"), spec.time.label if spec.time else "-"),
        Row("folds", f"{plan.scheme} x {n_folds // plan.repeats}"
                     + (f", {plan.repeats} repeats" if plan.repeats > 1 else ""), why=plan.reason),
        Row("features", f"{schema.feature_count}: {len(schema.numeric)} numeric, "
                        f"{len(schema.categorical)} categorical, {len(schema.datetime)} date, "
                        f"{len(schema.text)} text" + (f", images {schema.image_size[0]}x"
                                                       f"{schema.image_size[1]}"
                                                       if schema.images else "")),
    ]
    return Inspection(spec.name, files, rows, spec.notes, guesses(spec))


def _row(name: str, decision, value: str) -> Row:
    if decision is None:
        return Row(name, value)
    return Row(name, value, decision.source, decision.confidence, decision.why)
