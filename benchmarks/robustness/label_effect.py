"""The label rule's own effect on a bench: for each run whose ensemble reads labels with class
weights (src/mlwright/label_rule.py), its test score with and without them, from the same
final models.

    python benchmarks/robustness/label_effect.py BENCH_DIR SUITE_DIR
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.api import load
from mlwright.paths import RunPaths
from mlwright.submission_format import reweighed
from mlwright.task.metrics import get_metric


def truth_codes(task: Path, model, test: pd.DataFrame) -> np.ndarray:
    grade = json.loads((task / "grade.json").read_text())
    answers = pd.read_csv(task / "private" / "answers.csv")
    target, id_column = grade["target"][0], grade["id"]
    if id_column and id_column in test.columns:
        answers[id_column] = answers[id_column].astype(str)
        truth = answers.set_index(id_column).loc[test[id_column].astype(str)][target]
    else:
        truth = answers[target]
    classes = [str(c) for c in model.classes_]
    return np.array([classes.index(t) if t in classes else -1 for t in truth.astype(str)])


def main(bench: Path, suite: Path) -> None:
    for run in sorted((bench / "runs").iterdir()):
        ensemble_file = run / "final" / "model" / "ensemble.json"
        if not ensemble_file.exists():
            continue
        ensemble = json.loads(ensemble_file.read_text())
        metric = get_metric(ensemble["metric"])
        if metric.prediction != "labels":
            continue
        weights = ensemble["task"].get("label_weights")
        model = load(run)
        test = pd.read_parquet(RunPaths(run).test_table)
        proba = model.predict_proba(test).to_numpy()
        if proba.shape[1] == 2:
            proba = proba[:, 1]
        y = truth_codes(suite / run.name, model, test)
        print(f"{run.name:26s} {metric.name:18s} weights {'kept' if weights else 'none':4s}  "
              f"test without {metric.score(y, proba):.4f}  "
              f"with {metric.score(y, reweighed(proba, weights)):.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
