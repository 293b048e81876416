"""final/MODEL_CARD.md: what the final model is, how far to trust it, and how to call it,
for the person who deploys it rather than the one who built it."""

from __future__ import annotations

import pandas as pd

from mlwright.paths import RunPaths
from mlwright.report.collect import ReportData
from mlwright.task.metrics import get_metric
from mlwright.task.run_tables import read_run_column

TOP_FEATURES = 10
LISTED_COLUMNS = 30


def render_card(data: ReportData) -> str:
    spec, profile = data.spec, data.profile
    metric = get_metric(spec.metric)
    lines = [f"# Model card: {spec.name}", ""]
    if not data.finished:
        lines += ["> The run has not finished (stopped or still running): this card describes "
                  "what is published so far.", ""]
    what = f"`{spec.target}`, {spec.task_type.replace('_', ' ')}"
    if spec.classes:
        shown = ", ".join(f"`{c}`" for c in spec.classes[:12])
        more = ", ..." if len(spec.classes) > 12 else ""
        what += f" over {len(spec.classes)} classes ({shown}{more})"
    lines += ["## Task", "",
              f"- Predicts {what}" + (f" for each `{spec.id_column}`." if spec.id_column else "."),
              f"- Scored by {spec.metric} ({'higher' if metric.higher_is_better else 'lower'} "
              f"is better); the submission holds {spec.submission_kind.replace('_', ' ')}s."]
    for name, decision in spec.decisions.items():
        lines.append(f"- {name}: `{decision.value}`, from the {decision.source} "
                     f"({decision.confidence} confidence): {decision.why}")
    kinds = pd.Series([c.kind for c in profile.columns]).value_counts()
    lines += ["", "## Data", "",
              f"- {profile.train_rows:,} training rows, {profile.test_rows:,} rows predicted.",
              "- Columns: " + ", ".join(f"{n} {k}" for k, n in kinds.items()) + "."]
    if profile.class_balance:
        top = sorted(profile.class_balance.items(), key=lambda kv: -kv[1])[:5]
        lines.append("- Class shares: " + ", ".join(f"`{k}` {v:.1%}" for k, v in top) + ".")
    lines += ["", "## Validation", ""]
    folds = data.folds or {}
    lines.append(f"- {folds.get('scheme', '?')}, {folds.get('n_folds', '?')} fold(s): "
                 f"{folds.get('reason', '')}; {folds.get('scored_rows', '?')} rows scored.")
    lines += _score_lines(data)
    lines += ["", "## The model", ""] + _ensemble_lines(data)
    if data.importances:
        top = list(data.importances.items())[:TOP_FEATURES]
        lines += ["", f"Most important features (from {data.importance_run}, gain share):", ""]
        lines += [f"- `{name}`: {share:.1%}" for name, share in top]
    lines += ["", "## What it must be given", "",
              "The columns of the task's test table (others are ignored):", ""]
    given = [c for c in profile.columns if c.name != spec.target]
    for column in given[:LISTED_COLUMNS]:
        lines.append(f"- `{column.name}`: {column.kind} ({column.dtype}), "
                     f"{column.missing_fraction:.0%} missing in training")
    if len(given) > LISTED_COLUMNS:
        rest = pd.Series([c.kind for c in given[LISTED_COLUMNS:]]).value_counts()
        lines.append(f"- and {len(given) - LISTED_COLUMNS} more: "
                     + ", ".join(f"{n} {k}" for k, n in rest.items())
                     + f" (every one in {data.run_dir}/profile.json)")
    if spec.files.train_images:
        lines.append("- the image files the id or path column names; `MLWRIGHT_IMAGES` (folders "
                     "separated by `:`) says where they are")
    lines += ["", "## Known limits", ""] + _limits(data)
    run = data.run_dir
    lines += ["", "## How to call it", "",
              "From the shell (needs only numpy, pandas and the models' libraries):", "",
              "```", f"python {run}/final/predict.py NEW.csv OUT.csv", "```", "",
              "From Python:", "", "```python", "import mlwright", "",
              f'model = mlwright.load("{run}")',
              "model.predict(frame)        # the submission's values",
              *(["model.predict_proba(frame)  # one column per class"] if spec.classes else []),
              "```", "",
              "Over HTTP (the [serve] extra): `mlwright serve " f"{run}" "`, then POST JSON "
              "records or CSV rows to `/predict`; `/docs` describes it.", ""]
    return "\n".join(lines)


def _score_lines(data: ReportData) -> list[str]:
    board = data.leaderboard
    scored = board[board["score"].notna()] if "score" in board else board
    if scored.empty:
        return ["- No model finished: the constant prediction is published."]
    best = scored.iloc[0]
    spread = best.get("fold_std")
    published = data.submissions[-1][1] if data.submissions else None
    lines = []
    if published is not None:
        lines.append(f"- Published validation {data.spec.metric}: {published:.5f}")
    lines.append(f"- Best single candidate: {best['recipe']} {best['score']:.5f}"
                 + (f", fold spread ± {spread:.4f}" if spread == spread and spread else "")
                 + ": expect new data to score within about that spread, if it is like the "
                   "training rows.")
    return lines


def _ensemble_lines(data: ReportData) -> list[str]:
    if not data.weights or set(data.weights) == {"constant"}:
        return ["The constant prediction (no model beat it in validation)."]
    recipes = {node.run_id: (node.recipe, node.score) for node in data.nodes}
    lines = ["| run | recipe | weight | validation score |", "|---|---|---|---|"]
    for run_id, weight in sorted(data.weights.items(), key=lambda kv: -kv[1]):
        recipe, score = recipes.get(run_id, ("constant", None))
        lines.append(f"| {run_id} | {recipe} | {weight:.2f} | "
                     f"{'' if score is None else f'{score:.5f}'} |")
    return lines


def _limits(data: ReportData) -> list[str]:
    spec, profile = data.spec, data.profile
    lines = []
    train_table = RunPaths(data.run_dir).train_table
    for column in profile.columns:
        if column.kind != "datetime" or not train_table.exists():
            continue
        try:
            times = pd.to_datetime(read_run_column(train_table, column.name), errors="coerce",
                                   utc=True, format="mixed")
        except (KeyError, ValueError, TypeError):
            continue
        if times.notna().any():
            lines.append(f"- `{column.name}` spans {times.min():%Y-%m-%d} to "
                         f"{times.max():%Y-%m-%d} in training; later dates are extrapolated.")
    if any(c.kind == "numeric" for c in profile.columns):
        lines.append("- Numbers beyond the training range are treated as the nearest seen "
                     "value by the tree models.")
    if any(c.kind == "categorical" for c in profile.columns):
        lines.append("- Categories never seen in training are treated as missing or rare.")
    if spec.classes:
        rare = [k for k, v in profile.class_balance.items() if v < 0.02]
        if rare:
            lines.append(f"- Rare classes (under 2 % of training rows: {', '.join(rare[:8])}) "
                         "are predicted less reliably.")
    if profile.train_rows < 1000:
        lines.append(f"- Only {profile.train_rows} training rows: the validation score itself "
                     "is uncertain by a few points.")
    lines.extend(f"- {note}" for note in profile.leaks)
    return lines or ["- None noted."]
