"""Writing final/: the submission, the chosen models with their weights, the standalone predictor.

Called whenever a better ensemble appears. Each result is a complete folder, final/.versions/vN
(models, ensemble.json, submission.csv); final/model is a link to it, swapped in one rename, and
final/submission.csv a link through it: final/ always holds one complete, valid result.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.paths import RunPaths
from mlwright.submission_format import format_submission
from mlwright.task.metrics import get_metric
from mlwright.task.spec import TaskSpec

_PREDICT_PY = '''#!/usr/bin/env python
"""Standalone predictor written by mlwright for the task '{name}'.

    python predict.py NEW.csv OUT.csv

NEW.csv has the columns of the task's test.csv; OUT.csv gets the submission format. Needs only
the libraries of the models in model/ (numpy, pandas and e.g. lightgbm), not mlwright.
"""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

MODEL = Path(__file__).resolve().parent / "model"
sys.path.insert(0, str(MODEL))
from submission_format import format_submission  # noqa: E402


_MODULES = {{}}  # member folder -> its loaded predict.py: a server loads each model once


def _member_module(folder):
    key = str(folder.resolve())
    if key not in _MODULES:
        spec = importlib.util.spec_from_file_location("member_" + folder.name,
                                                      folder / "predict.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[key] = module
    return _MODULES[key]


def predict_raw(frame):
    """The ensemble's blend: a value (or a probability) per row, or a column per class."""
    ensemble = json.loads((MODEL / "ensemble.json").read_text())
    total = 0.0
    for member in ensemble["members"]:
        if member["kind"] == "constant":
            value = np.asarray(member["value"], dtype="float64")
            part = np.tile(value, (len(frame), 1)) if value.ndim else np.full(len(frame), value)
        else:
            folder = MODEL / member["folder"]
            part = _member_module(folder).predict_frame(frame, folder)
        total = total + member["weight"] * np.asarray(part, dtype="float64")
    return total


def predict(frame):
    task = json.loads((MODEL / "ensemble.json").read_text())["task"]
    return format_submission(frame, predict_raw(frame), task)


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: python predict.py NEW.csv OUT.csv")
    task = json.loads((MODEL / "ensemble.json").read_text())["task"]
    id_column = task["id_column"]
    frame = pd.read_csv(argv[1], dtype={{id_column: str}} if id_column else None)
    predict(frame).to_csv(argv[2], index=False)


if __name__ == "__main__":
    main(sys.argv)
'''


@dataclass(frozen=True)
class Member:
    run_id: str
    weight: float
    model_dir: Path | None  # None for the constant fallback
    constant: list[float] | float | None = None


def task_format(spec: TaskSpec) -> dict:
    return {
        "id_column": spec.id_column,
        "target": spec.target,
        "submission_kind": spec.submission_kind,
        "class_columns": spec.class_columns,
        "classes": spec.classes,
        "top_k": spec.top_k,
    }


class Publisher:
    def __init__(self, paths: RunPaths, spec: TaskSpec, test: pd.DataFrame,
                 sample_ids: pd.Series | None):
        self.paths = paths
        self.spec = spec
        self.test = test
        self.sample_ids = sample_ids

    def publish(self, members: list[Member], test_predictions: np.ndarray, score: float | None,
                label_weights: list[float] | None = None) -> Path:
        """Write a complete new version (models, ensemble.json, submission.csv) beside the
        current one, then point final/model at it: one atomic rename of a link, so a kill at
        any moment leaves the old result or the new one whole (a power cut is another matter:
        nothing is fsynced, which would slow every publish on a busy disk). final/submission.csv
        is a link into final/model/, so the submission always belongs to the models beside it.
        label_weights: how labels are read from the blend's probabilities (label_rule.py)."""
        final = self.paths.final
        versions = final / VERSIONS
        versions.mkdir(parents=True, exist_ok=True)
        current = final / "model"
        if current.exists() and not current.is_symlink():  # a run folder from before versions
            os.replace(current, versions / "v0000")
            _point(current, Path(VERSIONS) / "v0000")
        number = 1 + max((int(v.name[1:]) for v in versions.glob("v[0-9]*")
                          if v.name[1:].isdigit()), default=0)
        version = versions / f"v{number:04d}"
        shutil.rmtree(version, ignore_errors=True)
        version.mkdir()
        ensemble_members = []
        for member in members:
            if member.model_dir is None:
                ensemble_members.append({"kind": "constant", "run": member.run_id,
                                         "weight": member.weight, "value": member.constant})
                continue
            _link_tree(member.model_dir, version / member.run_id)
            ensemble_members.append({"kind": "model", "run": member.run_id,
                                     "weight": member.weight, "folder": member.run_id})
        task = {**task_format(self.spec), "label_weights": label_weights}
        (version / "ensemble.json").write_text(json.dumps(
            {"task": task, "members": ensemble_members, "validation_score": score,
             "metric": self.spec.metric}, indent=1))
        source = resources.files("mlwright") / "submission_format.py"
        (version / "submission_format.py").write_text(source.read_text())
        self._write_submission(test_predictions, task, version / "submission.csv")
        _point(current, Path(VERSIONS) / version.name)  # the swap
        if not self.paths.submission.is_symlink():
            _point(self.paths.submission, Path("model") / "submission.csv")
        predict_py = final / "predict.py"
        if not predict_py.exists():
            predict_py.write_text(_PREDICT_PY.format(name=self.spec.name))
        for old in versions.iterdir():
            if old.name != version.name:
                shutil.rmtree(old, ignore_errors=True)
        return self.paths.submission

    def _write_submission(self, test_predictions: np.ndarray, task: dict, path: Path) -> None:
        table = format_submission(self.test, test_predictions, task)
        id_column = self.spec.id_column
        if id_column and self.sample_ids is not None:
            ordered = table.set_index(id_column)
            if set(ordered.index) == set(self.sample_ids) and ordered.index.is_unique:
                table = ordered.loc[self.sample_ids.to_numpy()].reset_index()
        write_csv(table, path)


VERSIONS = ".versions"  # final/.versions/vNNNN: the published one, and one being written


def _point(link: Path, target: Path) -> None:
    """Make LINK a symbolic link to TARGET (relative to LINK's folder) in one rename."""
    temporary = link.with_name(f".{link.name}.next")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """The values pandas would write, ten times faster where no cell needs quoting (Arrow's
    writer; pandas spends seconds per publish printing a million probabilities). Pandas writes
    what Arrow would write differently: one column (an empty cell would be a blank line),
    repeated names, and anything but numbers and text."""
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    def plain(column: pd.Series) -> bool:
        kind = column.dtype
        if pd.api.types.is_bool_dtype(kind):
            return False
        if pd.api.types.is_numeric_dtype(kind) or isinstance(kind, pd.StringDtype):
            return True
        if not pd.api.types.is_object_dtype(kind):
            return False
        return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")

    if table.shape[1] > 1 and table.columns.is_unique and all(
            plain(table[c]) for c in table.columns):
        options = arrow_csv.WriteOptions(quoting_style="none", quoting_header="none")
        try:
            arrow_csv.write_csv(pa.Table.from_pandas(table, preserve_index=False), path, options)
            return
        except Exception:  # noqa: BLE001 - a cell with a comma or quote, or a type Arrow refuses
            pass
    table.to_csv(path, index=False)


def _link_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows (instant, no extra space), copies elsewhere."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_dir():
            shutil.copytree(item, target / item.name)
            continue
        try:
            os.link(item, target / item.name)
        except OSError:
            shutil.copy2(item, target / item.name)


def constant_prediction(spec: TaskSpec, y: np.ndarray) -> list[float] | float:
    """The best guess knowing nothing but the target: class shares, or the metric's constant."""
    if spec.task_type == "regression":
        return get_metric(spec.metric).constant(y[np.isfinite(y)])
    counts = np.bincount(y[y >= 0].astype(int), minlength=len(spec.classes)).astype(float)
    shares = counts / counts.sum()
    return float(shares[1]) if spec.task_type == "binary" else shares.tolist()
