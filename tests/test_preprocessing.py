"""How linear and distance models see numbers: counts log-scaled and sparse, the rest scaled."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from scipy import sparse

from mlwright.knowledge.templates.predict_common import count_columns, sklearn_preprocessor


def _table(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(0.05, size=(rows, 30)).astype(float)  # ~95 % zeros, like word counts
    frame = pd.DataFrame(counts, columns=[f"w_{i}" for i in range(30)])
    frame["price"] = rng.normal(100, 20, rows)  # dense
    frame["change"] = np.where(rng.random(rows) < 0.95, 0.0, -rng.random(rows))  # zero, negative
    frame.loc[3, "w_0"] = np.nan
    return frame


def test_mostly_zero_nonnegative_columns_are_counts():
    frame = _table()
    assert count_columns(frame, list(frame.columns)) == [f"w_{i}" for i in range(30)]
    assert count_columns(frame, []) == []


def test_counts_are_log_scaled_to_their_largest_value_and_kept_sparse():
    frame = _table()
    prepare = sklearn_preprocessor(frame, scaler="quantile")
    prepared = prepare.fit_transform(frame)
    assert sparse.issparse(prepared)
    dense = prepared.toarray()
    column = np.log1p(frame["w_1"].to_numpy())
    block = dense[:, -30:]  # the counts come after the other numbers
    assert np.allclose(block[:, 1], column / column.max())
    assert block[3, 0] == 0.0  # a missing count is none
    # a fitted preparation travels to predict.py as a pickle
    again = pickle.loads(pickle.dumps(prepare)).transform(frame)
    assert np.allclose(again.toarray(), dense)


def test_tables_without_counts_are_unchanged():
    frame = _table()[["price", "change"]]
    prepared = sklearn_preprocessor(frame, scaler="standard").fit_transform(frame)
    assert not sparse.issparse(prepared)
    price = frame["price"]
    assert np.allclose(prepared[:, 0], (price - price.mean()) / price.std(ddof=0))
