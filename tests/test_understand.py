import pytest

from mlwright.errors import TaskInputError
from mlwright.task.loading import locate_task
from mlwright.task.understand import understand

from .conftest import write_task

TRAIN = "id,a,b,y\n" + "".join(f"{i},{i % 7},{'xyz'[i % 3]},{i % 2}\n" for i in range(60))
TEST = "id,a,b\n" + "".join(f"{i},{i % 7},{'xyz'[i % 3]}\n" for i in range(60, 80))


def _spec(tmp_path, description, sample="id,y\n60,0\n", train=TRAIN, test=TEST):
    folder = write_task(tmp_path / "t", train, test, sample, description)
    return understand(locate_task(folder, None)).spec


@pytest.mark.parametrize(
    "text,metric,kind",
    [
        ("## Evaluation\nAccuracy of the predicted class.", "accuracy", "label"),
        ("## Evaluation\nArea under the ROC curve.", "roc_auc", "probability"),
        ("## Evaluation\nLog loss.", "logloss", "probability"),
        ("## Evaluation\nF1 score of the positive class.", "f1", "label"),
        ("## Evaluation\nMacro-averaged F1.", "macro_f1", "label"),
    ],
)
def test_classification_metric_and_submission_kind(tmp_path, text, metric, kind):
    spec = _spec(tmp_path, text)
    assert (spec.metric, spec.submission_kind, spec.task_type) == (metric, kind, "binary")
    assert spec.id_column == "id" and spec.target == "y" and spec.classes == ["0", "1"]


@pytest.mark.parametrize(
    "text,metric",
    [("## Evaluation\nRoot mean squared error.", "rmse"),
     ("## Evaluation\nRMSLE between prediction and truth.", "rmse_log"),
     ("## Evaluation\nMean absolute error.", "mae"),
     ("## Evaluation\nThe coefficient of determination (R2).", "r2")],
)
def test_regression_metrics(tmp_path, text, metric):
    train = "id,a,y\n" + "".join(f"{i},{i},{i * 1.5 + 0.25}\n" for i in range(60))
    test = "id,a\n" + "".join(f"{i},{i}\n" for i in range(60, 70))
    spec = _spec(tmp_path, text, train=train, test=test)
    assert (spec.metric, spec.task_type, spec.submission_kind) == (metric, "regression", "value")


def test_multiclass_probability_columns(tmp_path):
    train = "id,a,label\n" + "".join(f"{i},{i},{'cat dog emu'.split()[i % 3]}\n" for i in range(60))
    test = "id,a\n1000,3\n"
    spec = _spec(tmp_path, "## Evaluation\nMulti-class log loss.", sample="id,dog,cat,emu\n1000,0.3,0.3,0.4\n",
                 train=train, test=test)
    assert spec.task_type == "multiclass" and spec.submission_kind == "class_probabilities"
    assert spec.classes == ["cat", "dog", "emu"] and spec.class_columns == ["cat", "dog", "emu"]


def test_temporal_column_found(tmp_path):
    train = "date,a,y\n" + "".join(f"2020-01-{d:02d},{d},{d * 2.5}\n" for d in range(1, 29))
    test = "date,a\n2020-02-01,1\n2020-02-02,2\n"
    spec = _spec(tmp_path, "## Evaluation\nMean absolute error.", sample="date,y\n2020-02-01,0\n",
                 train=train, test=test)
    assert spec.time_column == "date" and spec.id_column == "date"


def test_target_missing_names_the_file(tmp_path):
    same_columns = TRAIN.replace(",y\n", ",c\n", 1)
    test = "id,a,b,c\n" + "".join(f"{i},1,x,0\n" for i in range(60, 70))
    with pytest.raises(TaskInputError, match="sample_submission.csv"):
        _spec(tmp_path, "Accuracy.", train=same_columns, test=test)
