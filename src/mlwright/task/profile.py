"""Data profiling: what each column is, and which columns become features of which kind."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from mlwright.errors import TaskInputError
from mlwright.task.image_folders import file_name, names_image
from mlwright.task.listing import IMAGE_SUFFIXES
from mlwright.task.spec import TaskSpec, TimeAxis
from mlwright.task.temporal import TemporalLayout, temporal_layout
from mlwright.task.time_axis import DATE_SHAPE

ColumnKind = Literal["numeric", "categorical", "datetime", "text", "identifier", "constant"]
_WORDS = re.compile(r"[^\W\d_]+(?:[ '-][^\W\d_]+){0,3}")  # "truest", "well-being", "New York"
SHORT_TEXT_WORDS = 3  # fewer words than this on average: character n-grams carry the text


class ColumnProfile(BaseModel):
    name: str
    kind: ColumnKind
    dtype: str
    missing_fraction: float
    distinct: int
    examples: list[str]


class FeatureSchema(BaseModel):
    """What crosses into candidate code (data/schema.json): columns by kind and the target."""

    target: str
    id_column: str | None
    task_type: str
    classes: list[str]
    metric: str
    numeric: list[str]
    categorical: list[str]
    datetime: list[str]
    text: list[str]
    short_text: list[str] = Field(default_factory=list, description="text columns of a word "
                                  "or two: their characters matter more than their words")
    nonnegative_target: bool = Field(False, description="no value below zero: log1p applies")
    time: TimeAxis | None = Field(None, description="how each row's time is read")
    images: list[str] = Field(default_factory=list, description="columns naming image files")
    image_dirs: list[str] = Field(default_factory=list, description="folders to look for them in")
    image_size: list[int] = Field(default_factory=list, description="[width, height] as features")
    image_channels: int = Field(1, description="1: grey pixels, 3: red, green, blue")
    temporal: TemporalLayout | None = Field(None, description="series, step and target lags")

    @property
    def feature_count(self) -> int:
        pixels = (len(self.images) * self.image_channels * self.image_size[0] * self.image_size[1]
                  if self.images else 0)
        return (len(self.numeric) + len(self.categorical) + len(self.datetime) + len(self.text)
                + pixels)


class DataProfile(BaseModel):
    train_rows: int
    test_rows: int
    columns: list[ColumnProfile]
    target_summary: dict[str, float | int | str]
    class_balance: dict[str, float] = Field(default_factory=dict)
    imbalance_ratio: float = 1.0
    leaks: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _kind(series: pd.Series, rows: int) -> ColumnKind:
    values = series.dropna()
    distinct = values.nunique()
    if distinct <= 1:
        return "constant"
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return "numeric"
    text = values.astype(str)
    head = text.head(200)
    if head.map(lambda v: bool(DATE_SHAPE.match(v))).mean() >= 0.95:
        return "datetime"
    mean_words = head.str.split().str.len().mean()
    if mean_words >= 5 and distinct > 0.5 * len(values):
        return "text"
    if distinct > 0.5 * len(values) and head.str.fullmatch(_WORDS).mean() >= 0.9:
        return "text"  # words or short phrases, mostly distinct: their letters carry meaning
    if distinct >= 0.95 * rows and rows > 50:
        return "identifier"
    return "categorical"


def profile(spec: TaskSpec, train: pd.DataFrame,
            test: pd.DataFrame) -> tuple[DataProfile, FeatureSchema]:
    rows = len(train)
    columns: list[ColumnProfile] = []
    by_kind: dict[str, list[str]] = {k: [] for k in ("numeric", "categorical", "datetime", "text")}
    notes: list[str] = []
    for name in train.columns:
        if name == spec.target:
            continue
        series = train[name]
        kind = _kind(series, rows)
        columns.append(
            ColumnProfile(
                name=name,
                kind=kind,
                dtype=str(series.dtype),
                missing_fraction=round(float(series.isna().mean()), 4),
                distinct=int(series.nunique()),
                examples=[str(v) for v in series.dropna().unique()[:3]],
            )
        )
        if name == spec.id_column and kind != "datetime":
            continue  # an arbitrary id predicts nothing; a date-valued id is the calendar
        # (an id that names image files becomes the image's pixels, below)
        if kind in by_kind:
            by_kind[kind].append(name)
        else:
            notes.append(f"column '{name}' left out: {kind}")
    target_summary, balance, imbalance = _target_summary(spec, train[spec.target])
    nonnegative_target = bool(
        spec.task_type == "regression" and (pd.to_numeric(train[spec.target]).dropna() >= 0).all()
    )
    images = _image_features(spec, train, notes)
    temporal = temporal_layout(spec, train, test, notes)
    image_columns = images.get("images", [])
    for kind in by_kind.values():  # a path column's values are images, not words or levels
        kind[:] = [c for c in kind if c not in image_columns]
    notes = [n for n in notes if not any(f"column '{c}' left out" in n for c in image_columns)]
    data_profile = DataProfile(
        train_rows=rows,
        test_rows=len(test),
        columns=columns,
        target_summary=target_summary,
        class_balance=balance,
        imbalance_ratio=imbalance,
        leaks=_leaks(spec, train, by_kind["numeric"]),
        notes=notes,
    )
    schema = FeatureSchema(
        target=spec.target,
        id_column=spec.id_column,
        task_type=spec.task_type,
        classes=spec.classes,
        metric=spec.metric,
        nonnegative_target=nonnegative_target,
        time=spec.time,
        short_text=[c for c in by_kind["text"] if _mean_words(train[c]) < SHORT_TEXT_WORDS],
        **by_kind,
        **images,
        temporal=temporal,
    )
    return data_profile, schema


def _mean_words(series: pd.Series) -> float:
    return float(series.dropna().astype(str).head(500).str.split().str.len().mean() or 0.0)


PIXEL_SIDE = 32  # images become at most 32 x 32 pixels for the classical recipes and the CNN
PATH_SHARE = 0.9  # a column whose values mostly end like image files names images


def _image_features(spec: TaskSpec, train: pd.DataFrame, notes: list[str]) -> dict:
    """Images as pixels: files named by a column (the one task.layouts found, else the id) in
    the task's image folders, or columns holding image paths (relative to the table's folder
    or an image folder, or absolute). Shrunk to at most 32 a side; colour kept when present."""
    files = spec.files
    image_dirs = [str(d) for d in dict.fromkeys([files.train_images, files.test_images]) if d]
    table_dirs = [str(d) for d in dict.fromkeys([files.train.parent, files.test.parent])]
    columns, dirs = [], list(image_dirs)
    named_by = files.image_column or spec.id_column
    if image_dirs and named_by in train.columns and named_by != spec.target:
        if _find_image(train, named_by, image_dirs) is not None:
            columns.append(named_by)
        elif not _path_columns(spec, train):  # the folders name no file: say so now
            _first_image(train, named_by, image_dirs)
    for name in _path_columns(spec, train):
        if name not in columns:
            columns.append(name)
            dirs += [d for d in table_dirs if d not in dirs]
    if not columns:
        return {}
    first = _first_image(train, columns[0], dirs)
    from PIL import Image

    with Image.open(first) as image:
        width, height = image.size
        colour = image.mode not in ("1", "L", "LA", "I", "I;16", "F")
    scale = min(1.0, PIXEL_SIDE / max(width, height))
    size = [max(1, round(width * scale)), max(1, round(height * scale))]
    notes.append(f"images in {', '.join(columns)}: {width}x{height} "
                 f"{'colour' if colour else 'grey'}, used as {size[0]}x{size[1]} pixels")
    return {"images": columns, "image_dirs": dirs, "image_size": size,
            "image_channels": 3 if colour else 1}


def _path_columns(spec: TaskSpec, train: pd.DataFrame) -> list[str]:
    """Text columns whose values mostly end like image files."""
    found = []
    for name in train.columns:
        if name in (spec.target, spec.id_column) or train[name].dtype.kind in "biufc":
            continue
        head = train[name].dropna().astype(str).head(50)
        if len(head) and head.str.lower().str.endswith(IMAGE_SUFFIXES).mean() >= PATH_SHARE:
            found.append(name)
    return found


def _find_image(train: pd.DataFrame, column: str, dirs: list[str]) -> Path | None:
    """The first row's image file, looked up as the candidates look it up."""
    values = train[column].dropna()
    if values.empty:
        return None
    first = str(values.iloc[0])
    if Path(first).is_absolute():
        return Path(first) if Path(first).is_file() else None
    folder = next((Path(d) for d in dirs if names_image(Path(d), first)), None)
    return None if folder is None else folder / file_name(folder, first)


def _first_image(train: pd.DataFrame, column: str, dirs: list[str]) -> Path:
    found = _find_image(train, column, dirs)
    if found is None:
        first = train[column].dropna().iloc[0] if train[column].notna().any() else ""
        raise TaskInputError(f"no image file '{first}' (column '{column}' of the training data) "
                             f"in {', '.join(dirs)}; pass --images DIR with the folder it is in")
    return found


def _target_summary(spec: TaskSpec, target: pd.Series):
    if spec.task_type == "regression":
        y = pd.to_numeric(target, errors="coerce").dropna()
        summary = {
            "mean": float(y.mean()),
            "std": float(y.std()),
            "min": float(y.min()),
            "max": float(y.max()),
            "skew": float(y.skew()),
        }
        return summary, {}, 1.0
    shares = target.astype(str).str.strip().value_counts(normalize=True)
    balance = {str(k): round(float(v), 4) for k, v in shares.items()}
    imbalance = float(shares.max() / shares.min())
    return {"classes": len(shares), "majority_share": float(shares.max())}, balance, imbalance


def _leaks(spec: TaskSpec, train: pd.DataFrame, numeric: list[str]) -> list[str]:
    """Numeric features that copy the target almost exactly: worth a look before trusting a
    score."""
    if spec.task_type == "regression":
        y = pd.to_numeric(train[spec.target], errors="coerce")
    else:
        y = train[spec.target].astype(str).map({c: i for i, c in enumerate(spec.classes)})
    found = []
    for name in numeric:
        x = pd.to_numeric(train[name], errors="coerce")
        both = x.notna() & y.notna()
        if both.sum() < 10 or x[both].nunique() < 2:
            continue
        corr = np.corrcoef(x[both].astype(float), y[both].astype(float))[0, 1]
        if np.isfinite(corr) and abs(corr) > 0.995:
            found.append(f"'{name}' correlates {corr:.4f} with the target")
    return found
