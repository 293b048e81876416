"""The constant and plain baselines of the robustness suite, graded by mlwright's own grader.

    python benchmarks/robustness/baselines.py DIR [--only a,b]

rewrites DIR/<task>/reference.json for tasks already built (for example once the grader knows a
metric it did not know at build time). The plain baseline of each kind, trained on the task's
training rows and predicted on its test rows:

- table: LightGBM with default parameters, text columns as native categoricals, date columns as
  year/month/day parts (the features of a wide table are just many columns);
- text: TF-IDF (word 1-2-grams and character 2-4-grams) into logistic regression, or ridge
  regression for a numeric target;
- image: logistic regression on the pixels scaled to [0, 1].

The constant baseline predicts the training class shares (probability metrics), the majority
class (label metrics), the three most frequent classes (map@3), or the mean / median / geometric
mean for regression, whichever the metric prefers. The baselines read the rows build_suite.py
prepares in memory (exactly the rows in public/, before any layout or archive is applied), so
they measure the data, not the parsing of a layout. Their submissions are kept in
DIR/_baselines/<task>/{plain,constant}.csv and graded with
`mlwright.bench.grading.grade_submission`; a metric the grader does not know yet is left null.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import build_suite as suite  # noqa: E402

THREADS = 1  # the build machine is shared: one thread avoids OpenMP/BLAS spin under load


# ---------------------------------------------------------------------------------------------
# Predictions in the submission's shape


def submission(prep: suite.Prepared, proba: np.ndarray | None = None,
               values: np.ndarray | None = None) -> pd.DataFrame:
    """PROBA (rows x prep.classes) or VALUES (regression) as the task's submission frame."""
    task = prep.task
    out = pd.DataFrame({task.id: prep.test[task.id].to_numpy()})
    if values is not None:
        out[task.target] = values
        return out
    classes = list(prep.classes)
    if prep.probability_columns:
        for k, cls in enumerate(classes):
            out[str(cls)] = proba[:, k]
    elif task.metric in suite.PROBABILITY_METRICS:
        out[task.target] = proba[:, -1]
    elif task.metric == "map@3":
        top = np.argsort(-proba, axis=1, kind="stable")[:, :3]
        out[task.target] = [" ".join(str(classes[k]) for k in row) for row in top]
    else:
        out[task.target] = [classes[k] for k in proba.argmax(axis=1)]
    return out


def aligned_proba(model, proba: np.ndarray, classes: list) -> np.ndarray:
    """Columns of PROBA (in the model's class order) rearranged to CLASSES."""
    out = np.zeros((proba.shape[0], len(classes)))
    index = {c: k for k, c in enumerate(classes)}
    for j, cls in enumerate(model.classes_):
        out[:, index[cls.item() if hasattr(cls, "item") else cls]] = proba[:, j]
    return out


def encoded_target(prep: suite.Prepared) -> tuple[np.ndarray, list]:
    """Class labels as indices into prep.classes (models then agree on the order)."""
    index = {c: k for k, c in enumerate(prep.classes)}
    return prep.train[prep.task.target].map(index).to_numpy(), prep.classes


# ---------------------------------------------------------------------------------------------
# Plain baselines: one function per kind


def table_features(prep: suite.Prepared) -> tuple[pd.DataFrame, pd.DataFrame]:
    task = prep.task
    train = prep.train[prep.features].copy()
    test = prep.test[prep.features].copy()
    for column in prep.features:
        both = pd.concat([train[column], test[column]], ignore_index=True)
        if column in task.dates:
            stamps = pd.to_datetime(both, format="mixed", errors="coerce", utc=True)
            for part in ("year", "month", "day"):
                values = getattr(stamps.dt, part).astype(float).to_numpy()
                train[f"{column}_{part}"] = values[: len(train)]
                test[f"{column}_{part}"] = values[len(train):]
            train, test = train.drop(columns=[column]), test.drop(columns=[column])
        elif pd.api.types.is_bool_dtype(both):
            train[column], test[column] = train[column].astype(int), test[column].astype(int)
        elif pd.api.types.is_numeric_dtype(both):
            train[column] = train[column].astype(float)
            test[column] = test[column].astype(float)
        else:
            categories = sorted(both.dropna().astype(str).unique())
            dtype = pd.CategoricalDtype(categories)
            train[column] = train[column].astype("string").astype(dtype)
            test[column] = test[column].astype("string").astype(dtype)
    return train, test


def plain_table(prep: suite.Prepared) -> pd.DataFrame:
    import lightgbm as lgb

    task = prep.task
    x_train, x_test = table_features(prep)
    options = {"random_state": 0, "n_jobs": THREADS, "verbose": -1, "deterministic": True,
               "force_row_wise": True}
    if prep.classes is None:
        y = prep.train[task.target].to_numpy(dtype=float)
        log = task.metric == "rmsle"
        model = lgb.LGBMRegressor(**options).fit(x_train, np.log1p(y) if log else y)
        values = model.predict(x_test)
        return submission(prep, values=np.clip(np.expm1(values), 0, None) if log else values)
    y, classes = encoded_target(prep)
    model = lgb.LGBMClassifier(**options).fit(x_train, y)
    proba = aligned_proba(model, model.predict_proba(x_test), list(range(len(classes))))
    return submission(prep, proba=proba)


def text_matrix(prep: suite.Prepared):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    def joined(frame: pd.DataFrame) -> pd.Series:
        return frame[list(prep.task.text)].fillna("").astype(str).agg(" | ".join, axis=1)

    train_text, test_text = joined(prep.train), joined(prep.test)
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                            max_features=100_000)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2,
                            sublinear_tf=True, max_features=100_000)
    x_train = hstack([words.fit_transform(train_text), chars.fit_transform(train_text)]).tocsr()
    x_test = hstack([words.transform(test_text), chars.transform(test_text)]).tocsr()
    return x_train, x_test


def plain_text(prep: suite.Prepared) -> pd.DataFrame:
    from sklearn.linear_model import LogisticRegression, Ridge

    x_train, x_test = text_matrix(prep)
    if prep.classes is None:
        model = Ridge().fit(x_train, prep.train[prep.task.target].to_numpy(dtype=float))
        return submission(prep, values=model.predict(x_test))
    y, classes = encoded_target(prep)
    model = LogisticRegression(max_iter=1000).fit(x_train, y)
    return submission(prep, proba=aligned_proba(model, model.predict_proba(x_test),
                                                list(range(len(classes)))))


def plain_image(prep: suite.Prepared) -> pd.DataFrame:
    from sklearn.linear_model import LogisticRegression

    def pixels(frame: pd.DataFrame) -> np.ndarray:
        return np.stack([np.asarray(p, dtype=float).ravel() / 255 for p in frame["image"]])

    y, classes = encoded_target(prep)
    model = LogisticRegression(max_iter=1000).fit(pixels(prep.train), y)
    proba = model.predict_proba(pixels(prep.test))
    return submission(prep, proba=aligned_proba(model, proba, list(range(len(classes)))))


PLAIN = {"table": plain_table, "text": plain_text, "image": plain_image}
PLAIN_NOTE = {
    "table": "LightGBM, default parameters, native categoricals, dates as year/month/day",
    "text": "TF-IDF word 1-2-grams + char 2-4-grams, logistic / ridge regression",
    "image": "logistic regression on pixels scaled to [0, 1]",
}


def constant(prep: suite.Prepared) -> pd.DataFrame:
    task, y = prep.task, prep.train[prep.task.target]
    if prep.classes is None:
        values = y.to_numpy(dtype=float)
        if task.metric in ("mae", "mape"):
            level = float(np.median(values))
        elif task.metric == "rmsle":
            level = float(np.expm1(np.mean(np.log1p(np.clip(values, 0, None)))))
        else:
            level = float(values.mean())
        return submission(prep, values=np.full(len(prep.test), level))
    shares = y.value_counts(normalize=True).reindex(prep.classes).fillna(0).to_numpy()
    return submission(prep, proba=np.tile(shares, (len(prep.test), 1)))


# ---------------------------------------------------------------------------------------------
# Grading and reference.json


def grade(task_dir: Path, path: Path) -> tuple[float | None, str]:
    from mlwright.bench.grading import grade_submission
    from mlwright.errors import MlwrightError

    try:
        return grade_submission(task_dir, path).score, ""
    except (MlwrightError, KeyError) as exc:
        return None, str(exc).splitlines()[0]


def timed(make, prep: suite.Prepared, path: Path) -> float:
    from threadpoolctl import threadpool_limits

    started = time.monotonic()
    with threadpool_limits(limits=THREADS):
        frame = make(prep)
    seconds = round(time.monotonic() - started, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return seconds


def reference_for(prep: suite.Prepared, task_dir: Path, keep: Path) -> dict:
    """Run both baselines, grade them, and return the reference.json content."""
    task = prep.task
    constant_seconds = timed(constant, prep, keep / "constant.csv")
    plain_seconds = timed(PLAIN[task.kind], prep, keep / "plain.csv")
    constant_score, _ = grade(task_dir, keep / "constant.csv")
    plain_score, why = grade(task_dir, keep / "plain.csv")
    notes = f"plain: {PLAIN_NOTE[task.kind]}."
    if plain_score is None:
        notes += (f" Not graded ({why}); rerun `python benchmarks/robustness/baselines.py DIR "
                  f"--only {task.name}` once the grader knows {task.metric}.")
    if task.split.startswith("time:"):
        notes += f" Split by time: test rows are those with {task.split[5:]}."
    return {
        "constant": constant_score, "constant_seconds": constant_seconds,
        "plain": plain_score, "plain_seconds": plain_seconds,
        "kind": task.kind, "source": task.package, "notes": notes,
        "metric": task.metric,
        "rows": {"train": len(prep.train), "test": len(prep.test)},
        "classes": None if prep.classes is None else len(prep.classes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recompute reference.json of built tasks.")
    parser.add_argument("suite", type=Path)
    parser.add_argument("--only", default=None, help="comma-separated task names")
    args = parser.parse_args(argv)
    for task in suite.task_by_name(args.only):
        task_dir = args.suite / task.name
        if not (task_dir / "grade.json").is_file():
            print(f"[baselines] {task.name}: not built, skipped", flush=True)
            continue
        prep = suite.prepare(task)
        reference = reference_for(prep, task_dir, args.suite / "_baselines" / task.name)
        suite.dump_json(reference, task_dir / "reference.json")
        print(f"[baselines] {task.name}: {task.metric} constant {reference['constant']} "
              f"plain {reference['plain']} ({reference['plain_seconds']}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
