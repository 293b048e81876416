# Feature preparation and prediction, shared by train.py (which imports this file) and by the
# standalone model folder (python model/predict.py NEW.csv OUT.npy).
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def read_inputs(env, schema):
    """The run's train and test tables (Parquet copies of the task's, as the harness read
    them): candidates and the preparation step see the same values, so cache keys match."""
    return pd.read_parquet(env["MLWRIGHT_TRAIN"]), pd.read_parquet(env["MLWRIGHT_TEST"])


def encode_target(values, schema):
    """Targets as the harness scores them: floats, or class indices (-1 where unknown)."""
    if schema["task_type"] == "regression":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    index = {label: i for i, label in enumerate(schema["classes"])}
    return values.astype(str).str.strip().map(index).fillna(-1).to_numpy(dtype="int64")


def learn_feature_state(frame, schema):
    """What feature preparation learns from the training rows: the levels of each categorical,
    and for a forecast the target's history that lag features look up."""
    categories = {}
    for column in schema["categorical"]:
        values = frame[column].dropna().astype(str).unique().tolist()
        categories[column] = sorted(values)
    return {"categories": categories, "history": target_history(frame, schema)}


def plain_schema(schema):
    """Numbers and categories only: what a run falls back to when the other feature code
    fails on this data (dates, texts, images and the target's lags are left out)."""
    return {**schema, "datetime": [], "text": [], "images": [], "time": None, "temporal": None}


def build_features(frame, schema, state):
    """Raw CSV columns -> model-ready columns: numbers as float, dates as calendar parts,
    texts as lengths, categoricals as pandas categories with the levels learned in training."""
    columns = {}
    for column in schema["numeric"]:
        columns[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in schema["datetime"]:
        columns.update(calendar_features(column, as_datetime(frame[column])))
    axis = schema.get("time")
    if axis and axis["kind"] == "embedded":  # a date inside an id: its calendar, not the id
        columns.update(calendar_features("time", time_values(frame, axis)))
    for column in schema["text"]:
        text = frame[column].fillna("").astype(str)
        columns[column + "__chars"] = text.str.len().astype("float64")
        columns[column + "__words"] = text.str.split().str.len().astype("float64")
    for column in schema.get("images", []):
        columns.update(pixel_features(frame[column], schema))
    for column in schema["categorical"]:
        values = frame[column].astype(str).where(frame[column].notna(), None)
        columns[column] = pd.Categorical(values, categories=state["categories"][column])
    if state.get("history"):
        columns.update(lag_features(frame, schema, state["history"]))
    return pd.DataFrame(columns, index=frame.index)


def calendar_features(name, when):
    """Calendar parts of a date, days since 1970 and the holiday features."""
    out = {
        name + "__year": when.dt.year.astype("float64"),
        name + "__month": when.dt.month.astype("float64"),
        name + "__day": when.dt.day.astype("float64"),
        name + "__weekday": when.dt.day_of_week.astype("float64"),
        name + "__dayofyear": when.dt.day_of_year.astype("float64"),
        name + "__days": ((when - pd.Timestamp("1970-01-01")).dt.total_seconds()
                          / 86400.0).astype("float64"),
    }
    if (when.dt.hour.fillna(0) != 0).any():
        out[name + "__hour"] = when.dt.hour.astype("float64")
    out.update(holiday_features(name, when))
    return out


def _series_key(frame, groups):
    """One text per row naming its series (vectorised: a row-wise join takes seconds per
    hundred thousand rows)."""
    if not groups:
        return pd.Series("", index=frame.index)
    parts = [frame[g].astype(str) for g in groups]
    return parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]


def _time_steps(frame, layout):
    delta = time_values(frame, layout["axis"]) - pd.Timestamp(layout["origin"])
    return np.round(delta.dt.total_seconds().to_numpy() / layout["step_seconds"])


def target_history(frame, schema):
    """Each training row's series, time step and target (numeric, or 0/1): what lags read."""
    layout = schema.get("temporal")
    if not layout or schema["target"] not in frame.columns:
        return None
    y = encode_target(frame[schema["target"]], schema).astype("float64")
    if schema["task_type"] != "regression":
        y[y < 0] = np.nan  # a label outside the task's classes is no history
    steps = _time_steps(frame, layout)
    known = np.isfinite(y) & np.isfinite(steps)
    return {"series": _series_key(frame, layout["groups"])[known].tolist(),
            "steps": steps[known].astype(int).tolist(), "values": y[known].tolist()}


def lag_features(frame, schema, history):
    """The target `lag` steps before each row in its own series, and rolling means ending at
    the first lag. Every lag is at least the test's horizon, so the same features exist,
    without future values, for training rows and for every test row."""
    layout = schema["temporal"]
    table = pd.DataFrame(history).pivot_table(index="steps", columns="series", values="values",
                                              aggfunc="mean")
    steps = _time_steps(frame, layout)
    low = int(table.index.min())
    high = int(max(table.index.max(), np.nanmax(steps) if np.isfinite(steps).any() else low))
    table = table.reindex(range(low, high + 1))
    column = table.columns.get_indexer(_series_key(frame, layout["groups"]))
    row = steps - low
    usable = (column >= 0) & np.isfinite(row) & (row >= 0) & (row < len(table))
    rows, columns = row[usable].astype(int), column[usable]

    def look_up(values):
        out = np.full(len(frame), np.nan)
        out[usable] = values[rows, columns]
        return pd.Series(out, index=frame.index)

    target, first = schema["target"], layout["lags"][0]
    out = {f"{target}__lag{lag}": look_up(table.shift(lag).to_numpy()) for lag in layout["lags"]}
    for window in layout["windows"]:
        rolled = table.rolling(window, min_periods=1).mean().shift(first)
        out[f"{target}__mean{window}_lag{first}"] = look_up(rolled.to_numpy())
    return out


IMAGE_SUFFIXES = ("", ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
IMAGE_SUFFIXES += tuple(suffix.upper() for suffix in IMAGE_SUFFIXES if suffix)  # X.JPG too


def find_image(name, folders):
    for folder in folders:
        for suffix in IMAGE_SUFFIXES:
            path = Path(folder) / f"{name}{suffix}"
            if path.is_file():
                return path
    return None


def cached_array(kind, key, compute):
    """Costly per-row features (decoded images, text embeddings) are computed once per run:
    the runs of one run folder share the folder MLWRIGHT_CACHE names, keyed by a hash of their
    inputs. A standalone predict.py has no cache and computes."""
    import hashlib
    import os

    folder = os.environ.get("MLWRIGHT_CACHE")
    if not folder:
        return compute()
    path = Path(folder) / f"{kind}_{hashlib.sha1(key.encode()).hexdigest()[:24]}.npy"
    if path.exists():
        return np.load(path)
    if not os.access(folder, os.W_OK):
        return compute()  # a candidate reads the cache the run's preparation steps filled
    lock = path.with_suffix(".computing")
    while not path.exists():
        try:  # one step computes; a parallel one waits for its file instead of doing it twice
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL))
            break
        except FileExistsError:
            if time.time() - lock.stat().st_mtime > 600:  # left by a killed step
                lock.unlink(missing_ok=True)
            time.sleep(0.2)
    if path.exists():
        return np.load(path)
    try:
        values = compute()
        partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            np.save(handle, values)
        os.replace(partial, path)  # atomic: a parallel run sees the whole file or none
    finally:
        lock.unlink(missing_ok=True)
    return values


def pixel_features(names, schema):
    """Each named image as pixels in [0, 1] (grey, or red, green and blue planes), resized to
    the schema's size. Folders: MLWRIGHT_IMAGES (for new data), then the task's own folders."""
    import os

    width, height = schema["image_size"]
    channels = schema.get("image_channels", 1)
    extra = [p for p in os.environ.get("MLWRIGHT_IMAGES", "").split(os.pathsep) if p]
    folders = extra + list(schema["image_dirs"])
    names = names.astype(str)
    key = "\0".join([f"{width}x{height}x{channels}", *folders, *names])
    pixels = cached_array("pixels", key,
                          lambda: _read_pixels(names, folders, width, height, channels))
    return {f"{names.name}__px{i}": pixels[:, i] for i in range(pixels.shape[1])}


def _read_pixels(names, folders, width, height, channels):
    from PIL import Image

    pixels = np.full((len(names), channels * width * height), np.nan, dtype="float32")
    for row, name in enumerate(names):
        path = find_image(name, folders)
        if path is None:
            continue
        with Image.open(path) as image:
            resized = image.convert("RGB" if channels == 3 else "L").resize((width, height))
            values = np.asarray(resized, dtype="float32").reshape(height, width, channels)
            pixels[row] = values.transpose(2, 0, 1).ravel() / 255.0  # planes, then rows
    return pixels


def image_shape(schema):
    """(channels, height, width) of the first image column's pixels, or None."""
    if not schema.get("images"):
        return None
    width, height = schema["image_size"]
    return [schema.get("image_channels", 1), height, width]


def holiday_features(column, when, horizon=30):
    """Public holidays shape daily behaviour (traffic, sales, visits): a flag for the day and
    the days since the last and until the next one. Uses pandas' US federal calendar, the one
    calendar that ships offline; on data from elsewhere trees learn to ignore it."""
    from pandas.tseries.holiday import USFederalHolidayCalendar

    days = when.dt.normalize()
    known = days.dropna()
    if known.empty:
        return {}
    holidays = USFederalHolidayCalendar().holidays(
        known.min() - pd.Timedelta(days=400), known.max() + pd.Timedelta(days=400))
    stamps = holidays.to_numpy().astype("datetime64[D]").astype("int64")
    values = days.to_numpy().astype("datetime64[D]").astype("int64")
    missing = days.isna().to_numpy()
    following = np.searchsorted(stamps, values, side="left")
    until = stamps[np.minimum(following, len(stamps) - 1)] - values
    until = np.where(following < len(stamps), until, horizon)
    previous = np.searchsorted(stamps, values, side="right") - 1
    since = values - stamps[np.maximum(previous, 0)]
    since = np.where(previous >= 0, since, horizon)
    out = {
        column + "__holiday": (until == 0).astype("float64"),
        column + "__days_to_holiday": np.minimum(until, horizon).astype("float64"),
        column + "__days_since_holiday": np.minimum(since, horizon).astype("float64"),
    }
    for key in out:
        out[key][missing] = np.nan
    return {key: pd.Series(value, index=when.index) for key, value in out.items()}


def categorical_columns(X):
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]


def category_codes(X):
    """Categoricals as integer codes (missing and unseen = -1); numbers unchanged."""
    X = X.copy()
    for column in categorical_columns(X):
        X[column] = X[column].cat.codes.astype("float64")
    return X


# Numbers this often zero, and never negative, are counts (words of a gloss, events of a
# day). A linear model takes them as log1p over their largest value and kept sparse, as
# TF-IDF does words: on 1,200 word-count columns (10k rows, 15 classes; 3 folds) that scored
# 0.464 accuracy in 3 s, against 0.370 in 15 s standardised and 0.386 in 191 s quantile-mapped.
COUNT_ZERO_SHARE = 0.9


def count_columns(X, numeric):
    """The NUMERIC columns of X that hold counts (COUNT_ZERO_SHARE), read off a sample."""
    if not numeric:
        return []
    values = X[numeric].head(20_000).to_numpy(dtype="float64", na_value=np.nan)
    known = np.maximum((~np.isnan(values)).sum(axis=0), 1)
    zeros = (values == 0).sum(axis=0) / known
    negative = (values < 0).any(axis=0)
    return [c for c, z, n in zip(numeric, zeros, negative, strict=True)
            if z >= COUNT_ZERO_SHARE and not n]


def sklearn_preprocessor(X, scaler="standard", min_frequency=5):
    """Impute + scale numbers, one-hot categoricals: what linear and distance models need."""
    from scipy import sparse
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        MaxAbsScaler,
        OneHotEncoder,
        QuantileTransformer,
        StandardScaler,
    )

    categorical = categorical_columns(X)
    numeric = [c for c in X.columns if c not in categorical]
    # "pixels": pixels keep their one shared scale (rescaling each apart amplifies the
    # near-constant ones); counts are log-scaled and sparse; any other number is scaled.
    pixels = [c for c in numeric if "__px" in str(c)] if scaler == "pixels" else []
    counts = count_columns(X, [c for c in numeric if c not in pixels])
    numeric = [c for c in numeric if c not in pixels and c not in counts]
    if scaler == "quantile":
        scaling = QuantileTransformer(n_quantiles=min(200, len(X)), output_distribution="normal")
    elif scaler == "uniform":  # within [0, 1], as TF-IDF rows are (see family_text_linear)
        scaling = QuantileTransformer(n_quantiles=min(200, len(X)), output_distribution="uniform")
    else:
        scaling = StandardScaler()
    parts = []
    if numeric:
        parts.append(
            ("numeric", Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)),
                                  ("scale", scaling)]), numeric)
        )
    if pixels:
        parts.append(("pixels", SimpleImputer(strategy="constant", fill_value=0.0), pixels))
    if counts:
        parts.append(("counts", Pipeline([
            ("impute", SimpleImputer(strategy="constant", fill_value=0.0)),
            ("log", FunctionTransformer(np.log1p)),
            ("sparse", FunctionTransformer(sparse.csr_matrix, accept_sparse=True)),
            ("scale", MaxAbsScaler())]), counts))
    if categorical:
        parts.append(
            ("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                          min_frequency=min_frequency), categorical)
        )
    return ColumnTransformer(parts, sparse_threshold=0.3)


def folds_to_predict(fold_sizes):
    """Where no refit predicts, the folds that fitted the most rows do: with time-ordered
    folds, the one that saw the latest rows, not an average with folds years older."""
    return [i for i, n in enumerate(fold_sizes) if n == max(fold_sizes)]


def refit_replaces_folds(reached, needed):
    """Whether a refit on every row predicts instead of the fold models: a boosted one only
    where it reached their rounds (one cut short by the deadline predicts worse than the
    validated folds); a family without rounds always (it ignores the deadline or shrinks)."""
    return reached is None or None in needed or reached >= max(needed)


def linear_estimator(params, ctx, c=1.0, max_iter=3000, **logistic):
    """Ridge regression for a numeric target, logistic regression otherwise; takes alpha, or C
    and class_weight, out of params."""
    from sklearn.linear_model import LogisticRegression, Ridge

    if ctx["task_type"] == "regression":
        return Ridge(alpha=params.pop("alpha", 1.0))
    return LogisticRegression(C=params.pop("C", c), max_iter=max_iter,
                              class_weight=params.pop("class_weight", None), **logistic)


def expand_probabilities(probabilities, model_classes, n_classes):
    """Columns for every task class, even those a fold's training rows happened to lack."""
    full = np.zeros((len(probabilities), n_classes))
    full[:, np.asarray(model_classes, dtype=int)] = probabilities
    return full


def predict_pipeline(model, X, ctx):
    """Predictions of a scikit-learn Pipeline whose last step is named "model"."""
    if ctx["task_type"] == "regression":
        return model.predict(X)
    classes = model.named_steps["model"].classes_
    return expand_probabilities(model.predict_proba(X), classes, ctx["n_classes"])


def canonical_output(raw, ctx):
    """Binary -> P(positive class) as (n,); multi-class -> (n, K); regression -> (n,) values."""
    raw = np.asarray(raw, dtype="float64")
    if ctx["task_type"] == "binary" and raw.ndim == 2:
        raw = raw[:, 1]
    if ctx["task_type"] == "regression" and ctx.get("target_transform") == "log":
        raw = np.expm1(raw)
    return raw


def fit_target(y, ctx):
    if ctx["task_type"] == "regression" and ctx.get("target_transform") == "log":
        return np.log1p(np.clip(y, 0, None))
    return y


_LOADED = {}  # model folder -> (meta, fitted models)
_COMPRESSED = b"MLWZ1\n"  # a fitted model's pickle, zlib-compressed
COMPRESS_ABOVE = 16 * 2**20  # forests of deep trees pickle to hundreds of MB, 5x compressible


def save_model(model, path):
    """A fitted model as a pickle; a large one zlib-compressed at level 1 (about 120 MB/s,
    a fifth of the size for trees), which the standard library reads back anywhere."""
    import zlib

    data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > COMPRESS_ABOVE:
        data = _COMPRESSED + zlib.compress(data, 1)
    Path(path).write_bytes(data)


def load_model(path):
    import zlib

    data = Path(path).read_bytes()
    if data.startswith(_COMPRESSED):
        data = zlib.decompress(data[len(_COMPRESSED):])
    return pickle.loads(data)


def predict_frame(frame, model_dir=None):
    """Average of the fold models' predictions for the rows of `frame` (raw CSV columns)."""
    model_dir = Path(model_dir or Path(__file__).resolve().parent)
    key = str(model_dir.resolve())
    if key not in _LOADED:  # read once per process: a server predicts many times
        meta = json.loads((model_dir / "meta.json").read_text())
        models = []
        for name in meta["predictors"]:
            models.append(load_model(model_dir / name))
        _LOADED[key] = (meta, models)
    meta, models = _LOADED[key]
    X = build_features(frame, meta["schema"], meta["state"])
    total = None
    for model in models:
        part = canonical_output(predict_model(model, X, meta["ctx"]), meta["ctx"])
        total = part if total is None else total + part
    return total / len(meta["predictors"])


def main_predict(argv):
    if len(argv) != 3:
        sys.exit("usage: python predict.py NEW.csv OUT.npy")
    np.save(argv[2], predict_frame(pd.read_csv(argv[1])))


def seconds_left(ctx):
    return ctx["deadline"] - time.time()
