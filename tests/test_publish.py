"""The submission file: written fast where Arrow can, always with what pandas would write."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from mlwright.publish import write_csv
from tests.conftest import mlwright

FRAMES = {
    "probabilities": pd.DataFrame({"id": ["a1", "a2", None], "x y": [0.25, np.nan, 1 / 3],
                                   "n": pd.array([1, None, 3], dtype="Int64")}),
    "a comma in an id": pd.DataFrame({"id": ["a,b", 'q"r', "c"], "p": [0.1, 0.2, 0.3]}),
    "one column with a gap": pd.DataFrame({"p": [0.5, np.nan, 0.7]}),
    "labels as booleans": pd.DataFrame({"id": [1, 2], "label": [True, False]}),
    "objects holding booleans": pd.DataFrame({"id": ["a", "b"],
                                              "label": pd.Series([True, False], dtype=object)}),
    "a repeated name": pd.DataFrame([[1, 2.5], [3, 4.5]], columns=["p", "p"]),
    "no rows": pd.DataFrame({"id": pd.Series([], dtype=str), "p": pd.Series([], dtype=float)}),
}


@pytest.mark.parametrize("name", FRAMES)
def test_a_submission_reads_back_as_pandas_would_have_written_it(name, tmp_path):
    frame = FRAMES[name]
    write_csv(frame, tmp_path / "s.csv")
    written = (tmp_path / "s.csv").read_text()
    expected = frame.to_csv(index=False)
    assert written.splitlines()[0] == expected.splitlines()[0]  # the header, as pandas has it
    read = pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False)
    wanted = pd.read_csv(io.StringIO(expected), dtype=str, keep_default_na=False)
    assert read.shape == wanted.shape
    for (_, got), (_, want) in zip(read.items(), wanted.items(), strict=True):
        as_numbers = pd.to_numeric(want, errors="coerce")
        if as_numbers.notna().sum() == (want != "").sum():  # numbers: the same values
            assert np.allclose(pd.to_numeric(got, errors="coerce"), as_numbers, equal_nan=True)
        else:
            assert got.tolist() == want.tolist()


def _models_kept(out) -> tuple[list[str], list[str], set[str]]:
    """(ok runs best first, runs whose fitted models are on disk, the final ensemble's runs)."""
    from mlwright.journal import Journal

    events = Journal(out / "journal.sqlite").events()
    finished = [e for e in events if e.kind == "run_finished" and e.payload["status"] == "ok"]
    ranked = [e.run for e in sorted(finished, key=lambda e: e.payload["loss"])]
    kept = [p.parent.name for p in out.glob("candidates/*/runs/*/model")]
    ensemble = json.loads((out / "final" / "model" / "ensemble.json").read_text())
    return ranked, kept, {m["run"] for m in ensemble["members"]}


def test_only_models_that_can_still_join_an_ensemble_are_kept(finished_titanic_run):
    from mlwright.agents.manager import ENSEMBLE_POOL

    _, out = finished_titanic_run
    ranked, kept, members = _models_kept(out)
    assert members <= set(kept)
    assert set(kept) <= set(ranked[:ENSEMBLE_POOL]) | members  # failed runs keep none
    assert all((out / "candidates").glob(f"*/runs/{run}/oof.npy") for run in ranked)


def test_keep_models_all_keeps_every_finished_runs_model(titanic, tmp_path):
    out = tmp_path / "run"
    result = mlwright("run", titanic, "--budget", "20", "--out", out, "--keep-models", "all")
    assert result.returncode == 0, result.stderr[-2000:]
    ranked, kept, _ = _models_kept(out)
    assert ranked and set(ranked) <= set(kept)
    bad = mlwright("run", titanic, "--budget", "20", "--out", tmp_path / "bad",
                   "--keep-models", "some")
    assert bad.returncode == 2 and "--keep-models" in bad.stderr and "Traceback" not in bad.stderr
