import numpy as np
import pytest
from sklearn import metrics as sk

from mlwright.task.metrics import all_metrics, get_metric, is_known, selection_metric

rng = np.random.default_rng(0)
y_bin = rng.integers(0, 2, 300)
p_bin = np.clip(y_bin * 0.6 + rng.random(300) * 0.5, 0, 1)
y_multi = rng.integers(0, 4, 300)
p_multi = rng.dirichlet(np.ones(4), 300)
y_reg = rng.random(300) * 100 + 1
p_reg = y_reg + rng.normal(0, 5, 300)
y_cols = rng.random((300, 3)) * 10
p_cols = y_cols + rng.normal(0, 1, (300, 3))
y_labels = rng.integers(0, 2, (300, 3))
p_labels = np.clip(y_labels * 0.5 + rng.random((300, 3)) * 0.6, 0, 1)


def _map_at_k(y, scores, k):
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.mean([1.0 / (list(row).index(t) + 1) if t in row else 0.0
                    for t, row in zip(y, top, strict=True)])


@pytest.mark.parametrize(
    "name,y,pred,expected",
    [
        ("accuracy", y_bin, p_bin, sk.accuracy_score(y_bin, p_bin >= 0.5)),
        ("accuracy", y_multi, p_multi, sk.accuracy_score(y_multi, p_multi.argmax(1))),
        ("balanced_accuracy", y_multi, p_multi,
         sk.balanced_accuracy_score(y_multi, p_multi.argmax(1))),
        ("roc_auc", y_bin, p_bin, sk.roc_auc_score(y_bin, p_bin)),
        ("roc_auc", y_multi, p_multi, sk.roc_auc_score(y_multi, p_multi, multi_class="ovr")),
        ("gini", y_bin, p_bin, 2 * sk.roc_auc_score(y_bin, p_bin) - 1),
        ("logloss", y_bin, p_bin, sk.log_loss(y_bin, np.clip(p_bin, 1e-15, 1 - 1e-15))),
        ("logloss", y_multi, p_multi, sk.log_loss(y_multi, p_multi)),
        ("f1", y_bin, p_bin, sk.f1_score(y_bin, p_bin >= 0.5)),
        ("macro_f1", y_multi, p_multi, sk.f1_score(y_multi, p_multi.argmax(1), average="macro")),
        ("micro_f1", y_multi, p_multi, sk.f1_score(y_multi, p_multi.argmax(1), average="micro")),
        ("weighted_f1", y_multi, p_multi,
         sk.f1_score(y_multi, p_multi.argmax(1), average="weighted")),
        ("qwk", y_multi, p_multi,
         sk.cohen_kappa_score(y_multi, p_multi.argmax(1), weights="quadratic")),
        ("mcc", y_bin, p_bin, sk.matthews_corrcoef(y_bin, p_bin >= 0.5)),
        ("mcc", y_multi, p_multi, sk.matthews_corrcoef(y_multi, p_multi.argmax(1))),
        ("map@3", y_multi, p_multi, _map_at_k(y_multi, p_multi, 3)),
        ("map@1", y_multi, p_multi, sk.accuracy_score(y_multi, p_multi.argmax(1))),
        ("rmse", y_reg, p_reg, np.sqrt(sk.mean_squared_error(y_reg, p_reg))),
        ("mse", y_reg, p_reg, sk.mean_squared_error(y_reg, p_reg)),
        ("mae", y_reg, p_reg, sk.mean_absolute_error(y_reg, p_reg)),
        ("median_ae", y_reg, p_reg, sk.median_absolute_error(y_reg, p_reg)),
        ("rmsle", y_reg, p_reg, np.sqrt(sk.mean_squared_log_error(y_reg, np.clip(p_reg, 0, None)))),
        ("msle", y_reg, p_reg, sk.mean_squared_log_error(y_reg, np.clip(p_reg, 0, None))),
        ("mape", y_reg, p_reg, sk.mean_absolute_percentage_error(y_reg, p_reg)),
        ("smape", y_reg, p_reg, np.mean(2 * np.abs(p_reg - y_reg) / (np.abs(y_reg)
                                                                     + np.abs(p_reg)))),
        ("r2", y_reg, p_reg, sk.r2_score(y_reg, p_reg)),
        ("mcrmse", y_cols, p_cols,
         np.mean(np.sqrt(sk.mean_squared_error(y_cols, p_cols, multioutput="raw_values")))),
        ("mean_auc", y_labels, p_labels, sk.roc_auc_score(y_labels, p_labels, average="macro")),
    ],
)
def test_metric_matches_a_reference_implementation(name, y, pred, expected):
    assert get_metric(name).score(y, pred) == pytest.approx(expected, rel=1e-9)


def test_names_aliases_and_unknown_metrics():
    assert get_metric("rmse_log").name == "rmsle"  # the shared tasks' grade.json spelling
    assert get_metric("AUC").name == "roc_auc"
    assert get_metric("map@5").top_k == 5 and get_metric("map_at_7").name == "map@7"
    assert not is_known("dice") and not is_known("map@0")
    with pytest.raises(KeyError, match="nearest supported: rmsle"):
        get_metric("rmsl")


def test_every_metric_is_one_complete_definition():
    for metric in all_metrics():
        assert metric.names and metric.parts and metric.summary
        assert metric.prediction in ("labels", "probabilities", "values", "ranking")
        assert metric.objectives[0] == "squared"
        assert metric.fit_target in ("none", "log")


def test_direction_and_selection():
    assert get_metric("rmse").better(1.0, 2.0)
    assert get_metric("roc_auc").better(0.9, 0.8)
    assert selection_metric(get_metric("accuracy"), 900).name == "logloss"
    assert selection_metric(get_metric("accuracy"), 16000).name == "accuracy"
    assert selection_metric(get_metric("roc_auc"), 900).name == "roc_auc"


def test_best_constants():
    y = np.array([1.0, 2.0, 3.0, 100.0])
    assert get_metric("mae").constant(y) == 2.5
    assert get_metric("rmse").constant(y) == pytest.approx(26.5)
    assert get_metric("rmsle").constant(y) == pytest.approx(np.expm1(np.mean(np.log1p(y))))


def test_the_vocabulary_page_lists_every_metric():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "understanding.md").read_text()
    for metric in all_metrics():
        name = "map@K" if metric.top_k else metric.name
        assert f"`{name}`" in page, name
