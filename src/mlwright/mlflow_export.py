"""`mlwright export RUN_DIR --mlflow OUT`: the final model as an MLflow pyfunc model (the
[mlflow] extra), so `mlflow.pyfunc.load_model`, `mlflow models serve` and the model registry
take it unchanged. It is a model from code: loading it needs MLflow and the models' own
libraries, not mlwright. Its signature is the training schema: the test table's columns in,
the submission's columns out."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from mlwright.api import load
from mlwright.errors import RunStateError
from mlwright.paths import RunPaths
from mlwright.task.profile import DataProfile

MODEL_CODE = '''"""An mlwright run's final model as MLflow pyfunc (from mlwright export)."""
import importlib.util
from pathlib import Path

import mlflow
from mlflow.pyfunc import PythonModel


class MlwrightModel(PythonModel):
    def load_context(self, context):
        final = Path(context.artifacts["final"])
        spec = importlib.util.spec_from_file_location("mlwright_final", final / "predict.py")
        self.predictor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.predictor)

    def predict(self, context, model_input, params=None):
        """The submission's columns for these rows, as final/predict.py writes them."""
        return self.predictor.predict(model_input.reset_index(drop=True))


mlflow.models.set_model(MlwrightModel())
'''

# The libraries a member's code may import, by the name it imports them as.
LIBRARIES = {"lightgbm": "lightgbm", "xgboost": "xgboost", "catboost": "catboost",
             "sklearn": "scikit-learn", "torch": "torch", "PIL": "pillow"}


def _mlflow_type(kind: str, dtype: str) -> str:
    if kind == "numeric":
        if dtype.startswith(("int", "uint")):
            return "long"
        if dtype == "bool":
            return "boolean"
        return "double"
    return "string"


def export_mlflow(run_dir: Path, out: Path) -> Path:
    """Write the MLflow model of RUN_DIR's final model into OUT (which must not exist)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    run_dir, out = Path(run_dir).resolve(), Path(out).resolve()
    if out.exists():
        raise RunStateError(f"{out}: already exists; give --mlflow a new folder")
    model = load(run_dir)
    paths = RunPaths(run_dir)
    profile = DataProfile.model_validate_json(paths.profile.read_text())
    kinds = {c.name: (c.kind, c.dtype) for c in profile.columns}
    inputs = Schema([ColSpec(_mlflow_type(*kinds.get(name, ("text", "object"))), str(name))
                     for name in model.feature_names_in_])
    task = model.task
    outputs = []
    if task.get("id_column"):
        outputs.append(ColSpec(_mlflow_type(*kinds.get(task["id_column"], ("text", "object"))),
                               task["id_column"]))
    if task["submission_kind"] == "class_probabilities":
        outputs += [ColSpec("double", column) for column in task["class_columns"]]
    elif task["submission_kind"] in ("value", "probability"):
        outputs.append(ColSpec("double", task["target"]))
    else:
        outputs.append(ColSpec("string", task["target"]))
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch) / "final"
        staged.mkdir()
        shutil.copy2(paths.final / "predict.py", staged / "predict.py")
        shutil.copytree((paths.final / "model").resolve(), staged / "model")
        code = Path(scratch) / "mlwright_model.py"
        code.write_text(MODEL_CODE)
        with warnings.catch_warnings():  # its advice to add an input example, in colour
            warnings.simplefilter("ignore", UserWarning)
            mlflow.pyfunc.save_model(
                path=str(out), python_model=str(code), artifacts={"final": str(staged)},
                signature=ModelSignature(inputs=inputs, outputs=Schema(outputs)),
                pip_requirements=_requirements(staged / "model"))
    return out


def _requirements(model_dir: Path) -> list[str]:
    """numpy, pandas and the libraries the members' code imports, at the versions here."""
    code = " ".join(p.read_text() for p in model_dir.rglob("predict.py"))
    names = ["numpy", "pandas"] + [dist for module, dist in LIBRARIES.items()
                                   if f"import {module}" in code or f"from {module}" in code]
    pinned = []
    for name in dict.fromkeys(names):
        try:
            pinned.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pinned.append(name)
    return pinned
