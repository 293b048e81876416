"""The TF-IDF text recipe end to end on real review text (rows of the shared fine-foods task):
it is drafted for a free-text column, scores well on held-out rows, and the standalone
predict.py, which carries the recipe's own feature step, reproduces the submission."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mlwright.journal import Journal
from mlwright.task.metrics import roc_auc
from tests.conftest import mlwright

SHARED = Path(__file__).resolve().parents[2] / "shared" / "tasks" / "fine-foods-sentiment"


@pytest.fixture
def reviews(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not beside the checkout")
    rows = pd.read_csv(SHARED / "public" / "train.csv").head(1100)
    task = tmp_path / "reviews"
    task.mkdir()
    train, held_out = rows.iloc[:900], rows.iloc[900:]
    train.to_csv(task / "train.csv", index=False)
    held_out.drop(columns="great").to_csv(task / "test.csv", index=False)
    held_out[["id"]].assign(great=0.5).to_csv(task / "sample_submission.csv", index=False)
    shutil.copy(SHARED / "public" / "description.md", task / "description.md")
    return task, held_out


def test_tfidf_recipe_end_to_end(reviews, tmp_path):
    task, held_out = reviews
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "30", "--out", out, timeout=200)
    assert result.returncode == 0, result.stderr[-2000:]
    board = pd.read_csv(out / "final" / "leaderboard.csv")
    text = board[board["recipe"] == "tfidf_linear"]["score"]
    # the words carry the signal: far above every model that sees the text only as a category
    # (how far depends on how many rows the budget fitted on a busy machine: ~0.79 idle)
    others = board[~board["recipe"].isin(["tfidf_linear", "minilm_embedding"])]["score"]
    assert len(text) >= 1 and text.max() > others.max() + 0.1
    submission = pd.read_csv(out / "final" / "submission.csv")
    assert roc_auc(held_out["great"].to_numpy(), submission["great"].to_numpy()) > \
        others.max() + 0.05
    again = tmp_path / "again.csv"
    subprocess.run([sys.executable, str(out / "final" / "predict.py"), str(task / "test.csv"),
                    str(again)], check=True)
    pd.testing.assert_frame_equal(pd.read_csv(again), submission)

    # the floor goes without character n-grams (five times the words' work); no draft repeats
    # a run that already fitted the same parameters on as many rows without being cut short
    events = Journal(out / "journal.sqlite").events()
    started = {e.run: e.payload for e in events if e.kind == "run_started"}
    finished = {e.run: e.payload for e in events if e.kind == "run_finished"}
    recipe_of = dict(zip(board["candidate"], board["recipe"], strict=True))
    tfidf = [e.run for e in events
             if e.kind == "run_started" and recipe_of[e.candidate] == "tfidf_linear"]
    assert started[tfidf[0]]["params"]["char_ngrams"] is False
    seen = []
    for run in tfidf:
        mine = started[run]
        if mine["action"] == "draft":
            assert not any(p == mine["params"] and f >= mine["row_fraction"] for p, f in seen)
        end = finished.get(run, {})
        if end.get("status") == "ok" and not end.get("cut_short"):
            seen.append((mine["params"], end["row_fraction"]))


def test_the_numbers_beside_tfidf_stay_on_its_scale(reviews):
    """saga's step is set by the largest row: a review's length at many standard deviations
    beside L2-normalised TF-IDF rows made its steps tiny, and the fit ran to its pass limit. The
    numbers beside the texts are put within [0, 1], as the TF-IDF rows are."""
    from mlwright.agents.builtin.coder import render_predict
    from mlwright.knowledge.recipes import get_recipe
    from mlwright.task.loading import locate_task
    from mlwright.task.profile import profile
    from mlwright.task.understand import understand

    task, _ = reviews
    data = understand(locate_task(task, None))
    schema = profile(data.spec, data.train, data.test)[1].model_dump()
    assert schema["text"]
    code: dict = {"__name__": "candidate_predict"}
    exec(compile(render_predict(get_recipe("tfidf_linear")), "predict.py", "exec"), code)
    state = code["learn_feature_state"](data.train, schema)
    X = code["build_features"](data.train, schema, state)
    rest = [c for c in X.columns if not c.endswith("__raw")]
    assert rest and X[rest].std().max() > 1  # lengths in characters and words, unscaled
    y = code["encode_target"](data.train[schema["target"]], schema)
    ctx = {"task_type": schema["task_type"], "n_classes": len(schema["classes"]), "seed": 0,
           "threads": 1}
    model = code["fit_model"](X, y, None, None, {"char_ngrams": False}, ctx)
    features = model.named_steps["prepare"].transform(X)
    assert abs(features).max() <= 1.0 + 1e-9
