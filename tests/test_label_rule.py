"""Labels read from probabilities with per-class weights, for metrics the likeliest class does
not maximise: fitted on out-of-fold predictions, kept only where they help rows they were not
fitted on, and applied alike by the run's submission and the standalone predict.py."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from mlwright.label_rule import fit_label_rule
from mlwright.paths import RunPaths
from mlwright.publish import Member, Publisher
from mlwright.submission_format import reweighed
from mlwright.task.metrics import get_metric
from mlwright.task.spec import TaskFiles, TaskSpec


def weak_digits(keep_rare=None):
    """Handwritten digits seen through their top two pixel rows only: a weak model whose
    probabilities rarely favour a rare class, where labels by the likeliest class suffer."""
    digits = load_digits()
    x, y = digits.data[:, :16], digits.target
    if keep_rare is not None:  # classes 0-4 common, 5-9 at a fraction of their rows
        rng = np.random.default_rng(1)
        kept = (y < 5) | (rng.random(len(y)) < keep_rare)
        x, y = x[kept], y[kept]
    return x, y


def out_of_fold(x, y):
    model = LogisticRegression(max_iter=2000)
    return cross_val_predict(model, x, y, cv=5, method="predict_proba")


@pytest.mark.parametrize("metric_name", ["f1", "mcc", "balanced_accuracy"])
def test_a_rare_positive_class_gets_a_lower_threshold_that_holds_on_new_rows(metric_name):
    x, y = weak_digits()
    y = (y == 8).astype(int)  # one row in ten
    proba = out_of_fold(x, y)[:, 1]
    metric = get_metric(metric_name)
    fit, new = np.arange(len(y)) % 3 != 0, np.arange(len(y)) % 3 == 0
    rule = fit_label_rule(proba[fit], y[fit], metric)
    assert rule.weights is not None
    assert rule.weights[1] > rule.weights[0]  # the positive class named more often
    assert rule.score > metric.score(y[fit], proba[fit])
    on_new = metric.score(y[new], reweighed(proba[new], rule.weights))
    assert on_new > metric.score(y[new], proba[new])


def test_macro_f1_over_skewed_classes_gains_on_new_rows():
    x, y = weak_digits(keep_rare=0.25)
    proba = out_of_fold(x, y)
    metric = get_metric("macro_f1")
    fit, new = np.arange(len(y)) % 3 != 0, np.arange(len(y)) % 3 == 0
    rule = fit_label_rule(proba[fit], y[fit], metric)
    assert rule.weights is not None and len(rule.weights) == 10
    rare, common = np.mean(rule.weights[5:]), np.mean(rule.weights[:5])
    assert rare > common
    assert metric.score(y[new], reweighed(proba[new], rule.weights)) > \
        metric.score(y[new], proba[new])


def test_accuracy_keeps_the_likeliest_class():
    x, y = weak_digits(keep_rare=0.25)
    proba = out_of_fold(x, y)
    rule = fit_label_rule(proba, y, get_metric("accuracy"))
    assert rule.weights is None
    assert rule.score == get_metric("accuracy").score(y, proba)


def test_weights_that_only_fit_their_own_rows_are_dropped():
    # labels unrelated to the probabilities: whatever a half fits is noise on the other half
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 600)
    proba = rng.dirichlet(np.ones(3), 600)
    rule = fit_label_rule(proba, y, get_metric("macro_f1"))
    assert rule.weights is None


def test_the_submission_and_the_standalone_predictor_read_labels_alike(tmp_path):
    spec = TaskSpec(name="rare", files=TaskFiles(train="/x", test="/y"), description="",
                    id_column="id", target="label", task_type="binary", metric="f1",
                    direction="higher", submission_kind="label",
                    submission_columns=["id", "label"], classes=["no", "yes"])
    test = pd.DataFrame({"id": [f"r{i}" for i in range(50)], "x": np.arange(50.0)})
    paths = RunPaths(tmp_path / "run")
    publisher = Publisher(paths, spec, test, None)
    members = [Member("constant", 1.0, None, 0.3)]  # every row: a 30 % chance of "yes"
    publisher.publish(members, np.full(50, 0.3), 0.5)
    assert set(pd.read_csv(paths.submission)["label"]) == {"no"}
    publisher.publish(members, np.full(50, 0.3), 0.6, label_weights=[0.25, 1.0])
    written = pd.read_csv(paths.submission)
    assert set(written["label"]) == {"yes"}  # 0.3 x 4 against 0.7: "yes" is named
    ensemble = json.loads((paths.final / "model" / "ensemble.json").read_text())
    assert ensemble["task"]["label_weights"] == [0.25, 1.0]
    test.to_csv(tmp_path / "new.csv", index=False)
    alone = tmp_path / "alone.csv"
    subprocess.run([sys.executable, str(paths.final / "predict.py"), str(tmp_path / "new.csv"),
                    str(alone)], check=True, env={"PATH": "/usr/bin"})
    pd.testing.assert_frame_equal(pd.read_csv(alone), written)
