"""final/MODEL_CARD.md comes with every run: the task as understood, the validation and its
spread, the ensemble, what the model must be given, its limits and how to call it."""

import json
import re


def test_every_run_writes_a_model_card_that_matches_what_it_published(finished_titanic_run):
    _, out = finished_titanic_run
    card = (out / "final" / "MODEL_CARD.md").read_text()
    for heading in ("## Task", "## Data", "## Validation", "## The model",
                    "## What it must be given", "## Known limits", "## How to call it"):
        assert heading in card
    assert "Predicts `Survived`" in card and "accuracy (higher is better)" in card
    ensemble = json.loads((out / "final" / "model" / "ensemble.json").read_text())
    for member in ensemble["members"]:
        assert f"| {member['run']} |" in card
    published = re.search(r"Published validation accuracy: ([0-9.]+)", card)
    assert published and abs(float(published.group(1)) - ensemble["validation_score"]) < 1e-5
    given = card.split("## What it must be given")[1].split("## Known limits")[0]
    assert "`Pclass`" in given and "`Survived`" not in given
    assert f"python {out}/final/predict.py NEW.csv OUT.csv" in card
    assert f'mlwright.load("{out}")' in card and "predict_proba" in card
    assert f"mlwright serve {out}" in card
    assert "has not finished" not in card
