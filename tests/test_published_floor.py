"""What is published only ever gets better: the constant first, then each ensemble that beats
it in validation, never a first model that scores below the constant."""

import json
import sqlite3

import numpy as np
import pandas as pd

from tests.conftest import mlwright


def test_models_worse_than_the_constant_never_replace_it(tmp_path):
    """A target that is noise: models fitted to it lose to the class shares in log loss, and
    the class shares stay published until (if ever) an ensemble beats them."""
    rng = np.random.default_rng(7)
    rows = 420
    frame = pd.DataFrame(rng.normal(size=(rows, 30)), columns=[f"x{i}" for i in range(30)])
    frame.insert(0, "id", range(rows))
    frame["label"] = rng.choice(["yes", "no"], size=rows, p=[0.3, 0.7])
    task = tmp_path / "noise"
    task.mkdir()
    frame.iloc[:300].to_csv(task / "train.csv", index=False)
    frame.iloc[300:].drop(columns="label").to_csv(task / "test.csv", index=False)
    (task / "description.md").write_text(
        "# Noise\n\nPredict `label` for each `id` as the probability of yes.\n\n"
        "## Evaluation\n\nSubmissions are evaluated on log loss.\n")
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "25", "--out", out, timeout=200)
    assert result.returncode == 0, result.stderr[-2000:]

    with sqlite3.connect(out / "journal.sqlite") as db:
        events = [(kind, json.loads(payload)) for kind, payload in
                  db.execute("select kind, payload from events order by seq")]
    written = [p for k, p in events if k == "submission_written"]
    assert written[0]["weights"] == {"constant": 1.0}
    losses = [p["loss"] for p in written]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:], strict=False)), losses
    finished = [p["loss"] for k, p in events if k == "run_finished" and p["loss"] is not None]
    assert any(loss > losses[0] for loss in finished)  # some model did lose to the constant
    published = json.loads((out / "final" / "model" / "ensemble.json").read_text())
    assert published["members"][0]["run"] == next(iter(written[-1]["weights"]))
    assert pd.read_csv(out / "final" / "submission.csv").shape[0] == rows - 300
