"""The run's own copy of the task's tables: train and test as understood, in Parquet.

Every reader of a run (candidates, preparation steps, resume, the report) reads these, so all
see the same values whatever format the task shipped in, and a run does not depend on the task
folder staying where it was.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mlwright.paths import RunPaths


def write_run_tables(paths: RunPaths, train: pd.DataFrame, test: pd.DataFrame) -> None:
    for frame, path in ((train, paths.train_table), (test, paths.test_table)):
        partial = path.with_suffix(".parquet.tmp")
        _parquet_safe(frame).to_parquet(partial, index=False)
        partial.replace(path)


def read_run_tables(paths: RunPaths) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(paths.train_table), pd.read_parquet(paths.test_table)


def read_run_column(path: Path, column: str) -> pd.Series:
    return pd.read_parquet(path, columns=[column])[column]


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as text: a CSV column pandas read as a mix of numbers and strings is
    stored as the strings it was written as."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            values = frame[column]
            frame[column] = values.where(values.isna(), values.astype(str))
    return frame
