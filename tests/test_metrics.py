import numpy as np
import pytest
from sklearn import metrics as sk

from mlwright.task.metrics import get_metric, selection_metric

rng = np.random.default_rng(0)
y_bin = rng.integers(0, 2, 300)
p_bin = np.clip(y_bin * 0.6 + rng.random(300) * 0.5, 0, 1)
y_multi = rng.integers(0, 4, 300)
p_multi = rng.dirichlet(np.ones(4), 300)
y_reg = rng.random(300) * 100
p_reg = y_reg + rng.normal(0, 5, 300)


@pytest.mark.parametrize(
    "name,y,pred,expected",
    [
        ("accuracy", y_bin, p_bin, sk.accuracy_score(y_bin, p_bin >= 0.5)),
        ("accuracy", y_multi, p_multi, sk.accuracy_score(y_multi, p_multi.argmax(1))),
        ("roc_auc", y_bin, p_bin, sk.roc_auc_score(y_bin, p_bin)),
        ("logloss", y_bin, p_bin, sk.log_loss(y_bin, np.clip(p_bin, 1e-15, 1 - 1e-15))),
        ("logloss", y_multi, p_multi, sk.log_loss(y_multi, p_multi)),
        ("f1", y_bin, p_bin, sk.f1_score(y_bin, p_bin >= 0.5)),
        ("macro_f1", y_multi, p_multi, sk.f1_score(y_multi, p_multi.argmax(1), average="macro")),
        ("rmse", y_reg, p_reg, np.sqrt(sk.mean_squared_error(y_reg, p_reg))),
        ("mae", y_reg, p_reg, sk.mean_absolute_error(y_reg, p_reg)),
        ("rmse_log", y_reg, p_reg, np.sqrt(sk.mean_squared_log_error(y_reg, np.clip(p_reg, 0, None)))),
        ("r2", y_reg, p_reg, sk.r2_score(y_reg, p_reg)),
    ],
)
def test_metric_matches_scikit_learn(name, y, pred, expected):
    assert get_metric(name).score(y, pred) == pytest.approx(expected, rel=1e-9)


def test_direction_and_selection():
    assert get_metric("rmse").better(1.0, 2.0)
    assert get_metric("roc_auc").better(0.9, 0.8)
    assert selection_metric(get_metric("accuracy"), 900).name == "logloss"
    assert selection_metric(get_metric("accuracy"), 16000).name == "accuracy"
    assert selection_metric(get_metric("roc_auc"), 900).name == "roc_auc"
