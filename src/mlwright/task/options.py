"""The user's word on the task: options (or [task] in mlwright.toml) that win over any reading.

Each given value is checked here, at the boundary, with a message naming the option.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from mlwright.config_file import read_section
from mlwright.errors import OptionError
from mlwright.task.metrics import get_metric

TASK_TYPES = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class TaskOptions:
    target: str | None = None
    metric: str | None = None
    id_column: str | None = None
    time_columns: tuple[str, ...] = ()  # one date column, or date parts such as year,month
    task_type: str | None = None
    images: Path | None = None  # the folder image files are looked up in
    description: str | None = None  # text, or a file holding it

    @property
    def given(self) -> dict[str, Any]:
        """The options the user set, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) not in (None, ())}


# [task] keys in mlwright.toml and the option each stands for
_TOML_KEYS = {"target": "target", "metric": "metric", "id": "id_column",
              "time_column": "time_columns", "task_type": "task_type", "images": "images",
              "description": "description"}


def task_options(*, target: str | None = None, metric: str | None = None,
                 id_column: str | None = None, time_column: str | None = None,
                 task_type: str | None = None, images: Path | None = None,
                 description: str | None = None,
                 config_file: Path | None = None) -> TaskOptions:
    """Options from the command line over [task] of mlwright.toml, each checked."""
    table = read_section(config_file, "task")
    unknown = sorted(set(table) - set(_TOML_KEYS))
    if unknown:
        raise OptionError(f"{config_file or 'mlwright.toml'}: [task] has unknown keys {unknown}; "
                          f"known: {sorted(_TOML_KEYS)}")
    from_file = {_TOML_KEYS[k]: v for k, v in table.items()}
    given = {"target": target, "metric": metric, "id_column": id_column,
             "time_columns": time_column, "task_type": task_type, "images": images,
             "description": description}
    merged = {k: v if v is not None else from_file.get(k) for k, v in given.items()}
    return _checked(TaskOptions(), merged)


def _checked(options: TaskOptions, values: dict[str, Any]) -> TaskOptions:
    for name in ("target", "id_column", "metric", "task_type", "description"):
        value = values.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise OptionError(f"--{_flag(name)}: must be a non-empty text, got {value!r}")
    metric = values.get("metric")
    if metric is not None:
        try:
            metric = get_metric(metric).name
        except KeyError as exc:
            raise OptionError(f"--metric: {exc.args[0]}") from None
    task_type = values.get("task_type")
    if task_type is not None and task_type.strip().lower() not in TASK_TYPES:
        raise OptionError(f"--task-type: {task_type!r} is not one of {', '.join(TASK_TYPES)}")
    times = values.get("time_columns")
    if isinstance(times, str):
        times = tuple(part.strip() for part in times.split(",") if part.strip())
    elif isinstance(times, list | tuple):
        times = tuple(str(part).strip() for part in times)
    images = values.get("images")
    if images is not None:
        images = Path(images).expanduser()
        if not images.is_dir():
            raise OptionError(f"--images: {images} is not a folder")
        images = images.resolve()
    return replace(options, target=_stripped(values.get("target")), metric=metric,
                   id_column=_stripped(values.get("id_column")), time_columns=times or (),
                   task_type=task_type.strip().lower() if task_type else None, images=images,
                   description=values.get("description"))


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else None


def _flag(name: str) -> str:
    return {"id_column": "id", "time_columns": "time-column"}.get(name, name.replace("_", "-"))
