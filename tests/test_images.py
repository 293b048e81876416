"""Image tasks: a folder of PNGs named by the id column, an id-only test.csv. Real images:
scikit-learn's bundled handwritten digits (8x8, grey), written out as PNG files."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from mlwright.journal import Journal
from mlwright.task.loading import locate_task
from mlwright.task.profile import profile
from mlwright.task.understand import understand
from tests.conftest import mlwright

DESCRIPTION = """# Digits

Classify each 8x8 grey image of a handwritten digit (0-9).

## Evaluation
Accuracy of the predicted digit.
"""


@pytest.fixture
def digits_task(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    digits = load_digits()
    rows = 700
    task = tmp_path / "digits"
    for split in ("train", "test"):
        (task / split).mkdir(parents=True)
    ids = [f"d{i:05d}" for i in range(rows)]
    for i, name in enumerate(ids):
        split = "train" if i < 550 else "test"
        pixels = (digits.images[i] / 16.0 * 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(task / split / f"{name}.png")
    labels = pd.DataFrame({"id": ids, "label": digits.target[:rows]})
    labels.iloc[:550].to_csv(task / "train.csv", index=False)
    held_out = labels.iloc[550:]
    held_out[["id"]].to_csv(task / "test.csv", index=False)
    held_out.assign(label=0).to_csv(task / "sample_submission.csv", index=False)
    (task / "description.md").write_text(DESCRIPTION)
    return task, held_out


def test_image_folders_become_pixel_features(digits_task):
    task, _ = digits_task
    data = understand(locate_task(task, None))
    assert data.spec.files.train_images == (task / "train").resolve()
    _, schema = profile(data.spec, data.train, data.test)
    assert schema.images == ["id"] and schema.image_size == [8, 8]
    assert schema.feature_count == 64



def test_linear_models_take_pixels_on_their_shared_scale(digits_task):
    """Rescaling each pixel apart amplifies the near-constant ones (the borders)."""
    from mlwright.knowledge.recipes import RecipeContext, get_recipe
    from mlwright.knowledge.templates.predict_common import sklearn_preprocessor

    task, _ = digits_task
    data = understand(locate_task(task, None))
    data_profile, schema = profile(data.spec, data.train, data.test)
    ctx = RecipeContext(spec=data.spec, profile=data_profile, schema=schema)
    scaler = get_recipe("linear").defaults(ctx)["scaler"]
    rng = np.random.default_rng(0)
    pixels = pd.DataFrame(rng.random((50, 4)), columns=[f"id__px{i}" for i in range(4)])
    pixels["id__px0"] = 0.0  # a border pixel, dark in every image
    prepared = sklearn_preprocessor(pixels, scaler=scaler).fit_transform(pixels)
    assert np.allclose(prepared, pixels.to_numpy())
    with_price = pixels.assign(price=rng.random(50) * 1e5)  # other numbers are standardised
    prepared = sklearn_preprocessor(with_price, scaler=scaler).fit_transform(with_price)
    assert np.allclose(prepared[:, 0], (with_price["price"] - with_price["price"].mean())
                       / with_price["price"].std(ddof=0))


def test_image_task_end_to_end(digits_task, tmp_path):
    task, held_out = digits_task
    out = tmp_path / "run"
    # 50 s: a draft's window (15 s) holds torch's start and a few epochs on a loaded machine
    result = mlwright("run", task, "--budget", "50", "--out", out, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    submission = pd.read_csv(out / "final" / "submission.csv")
    assert submission["id"].tolist() == held_out["id"].tolist()
    assert (submission["label"].to_numpy() == held_out["label"].to_numpy()).mean() > 0.85
    again = tmp_path / "again.csv"
    subprocess.run([sys.executable, str(out / "final" / "predict.py"), str(task / "test.csv"),
                    str(again)], check=True)
    pd.testing.assert_frame_equal(pd.read_csv(again), submission)
    # Pixels were decoded once for the run (train and test), not once per run of a candidate.
    assert len(list((out / "cache").glob("pixels_*.npy"))) == 2

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch (the [deep] extra) is not installed: the CNN's part is not checked")
    board = pd.read_csv(out / "final" / "leaderboard.csv")
    cnn = board[board["recipe"] == "cnn"].iloc[0]
    events = Journal(out / "journal.sqlite").events()
    if pd.isna(cnn["score"]):
        # On a starved CPU torch's start alone can outlast a draft's window (14 s of a 15 s one
        # was seen): the CNN is then dropped for time, and the run above still ended valid.
        ended = [e.payload for e in events if e.candidate == cnn["candidate"]
                 and e.kind in ("run_finished", "candidate_status")]
        assert all(p.get("stopped_for") == "timeout" or "would not end" in p.get("reason", "")
                   for p in ended if p.get("status") in ("failed",)), ended
        return
    # How many epochs 30 s allow depends on the machine's load; learning anything (beating the
    # constant) is the behaviour checked here. Its score at a budget is benchmarks/' business.
    constant = next(e.payload["score"] for e in events if e.kind == "submission_written")
    assert cnn["score"] > constant, (cnn, constant)
    best = out / "candidates" / cnn["candidate"] / "runs" / cnn["best_run"]
    assert "epochs of" in (best / "stdout.log").read_text()
    alone = tmp_path / "cnn.npy"
    subprocess.run([sys.executable, str(best / "model" / "predict.py"), str(task / "test.csv"),
                    str(alone)], check=True)
    np.testing.assert_allclose(np.load(alone), np.load(best / "test.npy"), atol=1e-5)


@pytest.fixture
def colour_digits_task(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """The same digits drawn in random colours, 16x16 JPEGs in images/, named by a path column."""
    digits = load_digits()
    rows = 600
    task = tmp_path / "colour-digits"
    (task / "images").mkdir(parents=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(rows):
        ink = rng.uniform(0.3, 1.0, size=3)
        plane = digits.images[i] / 16.0
        rgb = (plane[:, :, None] * ink[None, None, :] * 255).astype(np.uint8)
        name = f"images/d{i:05d}.jpg"
        Image.fromarray(rgb, mode="RGB").resize((16, 16)).save(task / name, quality=95)
        paths.append(name)
    frame = pd.DataFrame({"id": range(rows), "image": paths, "label": digits.target[:rows]})
    frame.iloc[:480].to_csv(task / "train.csv", index=False)
    held_out = frame.iloc[480:]
    held_out[["id", "image"]].to_csv(task / "test.csv", index=False)
    held_out[["id"]].assign(label=0).to_csv(task / "sample_submission.csv", index=False)
    (task / "description.md").write_text(DESCRIPTION)
    return task, held_out


def test_image_paths_in_a_column_become_colour_pixels(colour_digits_task):
    task, _ = colour_digits_task
    data = understand(locate_task(task, None))
    data_profile, schema = profile(data.spec, data.train, data.test)
    assert schema.images == ["image"] and schema.image_channels == 3
    assert schema.image_size == [16, 16] and schema.feature_count == 3 * 16 * 16
    assert "image" not in schema.categorical + schema.text
    assert any("colour" in note for note in data_profile.notes)


def test_colour_image_task_end_to_end(colour_digits_task, tmp_path):
    task, held_out = colour_digits_task
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "40", "--out", out, timeout=200)
    assert result.returncode == 0, result.stderr[-2000:]
    submission = pd.read_csv(out / "final" / "submission.csv")
    # Chance is 0.1; 480 images and 40 s on two busy cores give 0.8 to 0.95.
    assert (submission["label"].to_numpy() == held_out["label"].to_numpy()).mean() > 0.6
    again = tmp_path / "again.csv"
    subprocess.run([sys.executable, str(out / "final" / "predict.py"), str(task / "test.csv"),
                    str(again)], check=True, cwd=tmp_path)
    pd.testing.assert_frame_equal(pd.read_csv(again), submission)
