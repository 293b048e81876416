"""Reading a task as a person would: the files decide what they can, the description the
metric, the user's options win over both; every decision says where it came from."""

import pandas as pd
import pytest
import statsmodels.api as sm

from mlwright.errors import OptionError, TaskInputError
from mlwright.task.loading import locate_task
from mlwright.task.options import TaskOptions, task_options
from mlwright.task.spec import guesses
from mlwright.task.understand import understand
from mlwright.validation import TRAIN, VALID, choose_scheme, make_folds

from .conftest import write_task

TRAIN_CSV = "id,a,b,y\n" + "".join(f"{i},{i % 7},{'xyz'[i % 3]},{i % 2}\n" for i in range(60))
TEST_CSV = "id,a,b\n" + "".join(f"{i},{i % 7},{'xyz'[i % 3]}\n" for i in range(60, 80))


def _spec(tmp_path, description, sample="id,y\n60,0\n", train=TRAIN_CSV, test=TEST_CSV,
          options=None):
    folder = write_task(tmp_path / "t", train, test, sample, description)
    return understand(locate_task(folder, options), options).spec


@pytest.mark.parametrize(
    "text,metric,kind",
    [
        ("## Evaluation\nAccuracy of the predicted class.", "accuracy", "label"),
        ("## Evaluation\nArea under the ROC curve.", "roc_auc", "probability"),
        ("## Evaluation\nLog loss.", "logloss", "probability"),
        ("## Evaluation\nF1 score of the positive class.", "f1", "label"),
        ("## Evaluation\nMatthews correlation coefficient.", "mcc", "label"),
        ("## Evaluation\nNormalized Gini coefficient.", "gini", "probability"),
    ],
)
def test_classification_metric_and_submission_kind(tmp_path, text, metric, kind):
    spec = _spec(tmp_path, text)
    assert (spec.metric, spec.submission_kind, spec.task_type) == (metric, kind, "binary")
    assert spec.id_column == "id" and spec.target == "y" and spec.classes == ["0", "1"]
    assert spec.decisions["metric"].source == "description"
    assert spec.decisions["metric"].confidence == "high"


@pytest.mark.parametrize(
    "text,metric",
    [("## Evaluation\nRoot mean squared error.", "rmse"),
     ("## Evaluation\nRMSLE between prediction and truth.", "rmsle"),
     ("## Evaluation\nMean absolute percentage error.", "mape"),
     ("## Evaluation\nMedian absolute error.", "median_ae"),
     ("## Evaluation\nThe coefficient of determination (R2).", "r2")],
)
def test_regression_metrics(tmp_path, text, metric):
    train = "id,a,y\n" + "".join(f"{i},{i},{i * 1.5 + 0.25}\n" for i in range(60))
    test = "id,a\n" + "".join(f"{i},{i}\n" for i in range(60, 70))
    spec = _spec(tmp_path, text, train=train, test=test)
    assert (spec.metric, spec.task_type, spec.submission_kind) == (metric, "regression", "value")


def test_multiclass_probability_columns(tmp_path):
    train = "id,a,label\n" + "".join(f"{i},{i},{'cat dog emu'.split()[i % 3]}\n"
                                     for i in range(60))
    spec = _spec(tmp_path, "## Evaluation\nMulti-class log loss.",
                 sample="id,dog,cat,emu\n1000,0.3,0.3,0.4\n", train=train, test="id,a\n1000,3\n")
    assert spec.task_type == "multiclass" and spec.submission_kind == "class_probabilities"
    assert spec.classes == ["cat", "dog", "emu"] and spec.class_columns == ["cat", "dog", "emu"]


def test_map_at_k_submits_ranked_labels(tmp_path):
    train = "id,a,label\n" + "".join(f"{i},{i},{'cat dog emu ant'.split()[i % 4]}\n"
                                     for i in range(80))
    spec = _spec(tmp_path, "Entries are scored with MAP@3.", sample="id,label\n1000,cat dog emu\n",
                 train=train, test="id,a\n1000,3\n")
    assert (spec.metric, spec.submission_kind, spec.top_k) == ("map@3", "ranked_labels", 3)


def test_f1_on_a_multiclass_target_is_read_as_macro_and_flagged(tmp_path):
    train = "id,a,label\n" + "".join(f"{i},{i},{'cat dog emu'.split()[i % 3]}\n" for i in range(60))
    spec = _spec(tmp_path, "## Evaluation\nF1 score.", sample="id,label\n1000,cat\n", train=train,
                 test="id,a\n1000,3\n")
    assert spec.metric == "macro_f1" and spec.decisions["metric"].confidence == "low"
    assert any(line.startswith("metric: macro_f1") and "--metric" in line
               for line in guesses(spec))


def test_unsupported_metric_is_refused_naming_it_and_the_nearest(tmp_path):
    with pytest.raises(TaskInputError, match="Dice coefficient.*nearest supported: f1.*--metric"):
        _spec(tmp_path, "## Evaluation\nSubmissions are scored by the Dice coefficient.")


def test_no_metric_named_is_a_printed_low_confidence_default(tmp_path):
    spec = _spec(tmp_path, "Predict y.", sample="id,y\n60,0.5\n")
    assert spec.metric == "logloss"  # the sample submission holds probabilities
    assert spec.decisions["metric"].source == "default"
    assert any(line.startswith("metric: logloss") for line in guesses(spec))


def test_a_metric_for_numbers_on_a_label_target_leaves_the_files_in_charge(tmp_path):
    train = "id,a,y\n" + "".join(f"{i},{i},{'yes' if i % 3 else 'no'}\n" for i in range(60))
    spec = _spec(tmp_path, "## Evaluation\nRMSE.", train=train, test="id,a\n60,1\n",
                 sample="id,y\n60,yes\n")
    assert spec.task_type == "binary" and spec.metric == "accuracy"
    assert any("rmse" in note for note in spec.notes)


def test_options_win_over_files_and_description(tmp_path):
    options = TaskOptions(metric="balanced_accuracy", id_column="a", task_type="multiclass")
    train = "id,a,y\n" + "".join(f"{i},{i},{i % 4}\n" for i in range(80))
    spec = _spec(tmp_path, "## Evaluation\nRMSE.", train=train, test="id,a\n100,1\n",
                 sample=None, options=options)
    assert (spec.metric, spec.id_column, spec.task_type) == ("balanced_accuracy", "a",
                                                             "multiclass")
    assert all(spec.decisions[k].source == "option" for k in ("metric", "id", "task type"))
    assert spec.submission_columns == ["a", "y"]


def test_only_train_and_test_with_a_target_option(tmp_path):
    folder = tmp_path / "bare"
    folder.mkdir()
    (folder / "train.csv").write_text("x,z,y\n" + "".join(f"{i},{i % 5},{i * 0.5}\n"
                                                           for i in range(50)))
    (folder / "test.csv").write_text("x,z,y\n" + "".join(f"{i},{i % 5},0\n" for i in range(5)))
    options = TaskOptions(target="y")
    spec = understand(locate_task(folder, options), options).spec
    assert spec.target == "y" and spec.id_column is None and spec.submission_columns == ["y"]
    assert spec.metric == "rmse" and spec.decisions["metric"].source == "default"


@pytest.mark.parametrize("kwargs,words", [
    ({"metric": "dice"}, "--metric"), ({"metric": "rmsl"}, "nearest supported: rmsle"),
    ({"task_type": "ranking"}, "--task-type"), ({"target": ""}, "--target"),
])
def test_bad_options_name_the_option(kwargs, words):
    with pytest.raises(OptionError, match=words):
        task_options(**kwargs)


def test_task_table_of_the_config_file(tmp_path):
    config = tmp_path / "mlwright.toml"
    config.write_text('[task]\nmetric = "mae"\ntime_column = "year,month"\n')
    options = task_options(target="y", config_file=config)
    assert (options.metric, options.time_columns, options.target) == ("mae", ("year", "month"),
                                                                      "y")
    config.write_text('[task]\nmetrik = "mae"\n')
    with pytest.raises(OptionError, match="metrik"):
        task_options(config_file=config)


def test_target_missing_names_the_file(tmp_path):
    same_columns = TRAIN_CSV.replace(",y\n", ",c\n", 1)
    test = "id,a,b,c\n" + "".join(f"{i},1,x,0\n" for i in range(60, 70))
    with pytest.raises(TaskInputError, match="sample_submission.csv"):
        _spec(tmp_path, "Accuracy.", train=same_columns, test=test)


# ---- time from any shape of date (real series from statsmodels) -----------------------------
def _forecast_task(tmp_path, frame, target, split, description="Mean absolute error.",
                   options=None):
    train, test = frame.iloc[:split], frame.iloc[split:]
    folder = tmp_path / "forecast"
    folder.mkdir(exist_ok=True)
    train.to_csv(folder / "train.csv", index=False)
    test.drop(columns=[target]).to_csv(folder / "test.csv", index=False)
    (folder / "description.md").write_text(description)
    data = understand(locate_task(folder, options), options)
    return data, test


def _time_ordered(tmp_path, data, test):
    spec = data.spec
    plan = choose_scheme(spec, len(data.train), len(test), 600)
    from mlwright.task.time_values import time_values

    times = time_values(data.train, spec.time.model_dump())
    folds = make_folds(plan, spec, data.train, len(test), 0, data.test)
    assert plan.scheme == "time_ordered"
    for column in folds:
        fit, check = times[folds[column] == TRAIN], times[folds[column] == VALID]
        assert len(check) and fit.max() < check.min()


def _co2():
    co2 = sm.datasets.co2.load_pandas().data.dropna().reset_index(names="date")
    return co2.assign(date=co2["date"].dt.strftime("%Y-%m-%d"))


def test_year_quarter_columns_order_macro_data_in_time(tmp_path):
    macro = sm.datasets.macrodata.load_pandas().data.astype({"year": int, "quarter": int})
    data, test = _forecast_task(tmp_path, macro, "realgdp", 180)
    assert data.spec.time.kind == "parts" and data.spec.time.parts == ["year", "quarter"]
    _time_ordered(tmp_path, data, test)


def test_year_month_day_columns(tmp_path):
    co2 = _co2()
    when = pd.to_datetime(co2.pop("date"))
    frame = co2.assign(year=when.dt.year, month=when.dt.month, day=when.dt.day)
    data, test = _forecast_task(tmp_path, frame, "co2", 2000)
    assert data.spec.time.parts == ["year", "month", "day"]
    _time_ordered(tmp_path, data, test)


def test_year_and_week_columns(tmp_path):
    co2 = _co2()
    when = pd.to_datetime(co2.pop("date"))
    frame = co2.assign(yr=when.dt.isocalendar().year.astype(int),
                       week_of_year=when.dt.isocalendar().week.astype(int))
    data, test = _forecast_task(tmp_path, frame, "co2", 2000)
    assert data.spec.time.parts == ["year", "week"]
    _time_ordered(tmp_path, data, test)


def test_a_date_inside_the_id(tmp_path):
    co2 = _co2()
    frame = co2.assign(row_id="mauna_loa_" + co2.pop("date"))
    data, test = _forecast_task(tmp_path, frame, "co2", 2000)
    assert data.spec.time.kind == "embedded" and data.spec.time.columns == ["row_id"]
    assert data.spec.decisions["time"].source == "files"
    _time_ordered(tmp_path, data, test)


def test_a_period_index_on_a_panel(tmp_path):
    grunfeld = sm.datasets.grunfeld.load_pandas().data
    frame = grunfeld.assign(period=(grunfeld.pop("year") - 1935).astype(int))
    frame = frame.sort_values("period").reset_index(drop=True)
    data, test = _forecast_task(tmp_path, frame, "invest", 11 * 17)  # 11 firms, 17 years
    assert data.spec.time.kind == "period" and data.spec.time.columns == ["period"]
    _time_ordered(tmp_path, data, test)


def test_time_column_option_reads_parts_it_names(tmp_path):
    macro = sm.datasets.macrodata.load_pandas().data.astype({"year": int, "quarter": int})
    shuffled = macro.sample(frac=1, random_state=0)  # test rows overlap train in time
    options = TaskOptions(time_columns=("year", "quarter"))
    data, _ = _forecast_task(tmp_path, shuffled, "realgdp", 180, options=options)
    assert data.spec.time.parts == ["year", "quarter"]
    assert data.spec.decisions["time"].source == "option"
