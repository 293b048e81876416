"""final/leaderboard.csv: every candidate, its recipe, best parameters, score and time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.agents.state import SearchState
from mlwright.task.metrics import Metric


def leaderboard_rows(state: SearchState, metric: Metric, weights: dict[str, float]) -> pd.DataFrame:
    rows = []
    for candidate in state.candidates.values():
        best = candidate.best_run()
        rows.append({
            "candidate": candidate.candidate_id,
            "recipe": candidate.recipe,
            "status": candidate.status if best or candidate.status != "active" else "no valid run",
            "score": best.score if best else None,
            "fold_std": float(np.std(best.fold_scores)) if best and best.fold_scores else None,
            "best_run": best.run_id if best else None,
            "runs": len(candidate.runs),
            "failed_runs": sum(1 for r in candidate.runs if r.status == "failed"),
            "seconds": round(sum(r.seconds for r in candidate.runs), 1),
            "ensemble_weight": round(sum(weights.get(r.run_id, 0.0) for r in candidate.runs), 4),
            "parent": candidate.plan.parent,
            "params": json.dumps(best.params if best else candidate.plan.params, default=str),
        })
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=["candidate", "recipe", "status", "score"])
    ascending = not metric.higher_is_better
    return table.sort_values("score", ascending=ascending, na_position="last")


def write_leaderboard(path: Path, state: SearchState, metric: Metric,
                      weights: dict[str, float]) -> None:
    leaderboard_rows(state, metric, weights).to_csv(path, index=False)
