"""The counts the robustness bar is stated in, from a bench's results.csv.

    python benchmarks/robustness/summary.py runs/robustness-bench/results.csv [--first-share 0.2]

Prints, over the tasks run: valid submissions, those beating the constant, those beating the
plain baseline of their kind, and those whose first model-based submission came within the
given share of the budget; then the tasks that miss each, and how far validation was from the
test.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd


def summarise(results: pd.DataFrame, first_share: float) -> list[str]:
    total = len(results)
    first_ok = results["first_model_s"] <= first_share * results["budget_s"]
    checks = {
        "valid submission": results["valid"].astype(bool),
        "beats the constant": results["beats_constant"].astype(bool),
        "beats the plain baseline": results["beats_baseline"].astype(bool),
        f"first model within {first_share:.0%} of the budget": first_ok,
        "within the budget (+10 %)": results["within_budget"].astype(bool),
    }
    lines = []
    for name, passed in checks.items():
        missed = ", ".join(results.loc[~passed, "task"]) or "none"
        lines.append(f"{name}: {int(passed.sum())}/{total} ({passed.mean():.0%}); "
                     f"missed: {missed}")
    if "validation" in results:  # how far the runs' own validation was from the test
        sign = results["direction"].map({"higher": 1.0, "lower": -1.0})
        optimism = ((results["validation"] - results["score"]) * sign
                    / results["score"].abs().clip(lower=1e-9)).dropna()
        if len(optimism):  # relative, as metrics differ in scale
            lines.append(f"validation against the test, over {len(optimism)} tasks: median "
                         f"|gap| {optimism.abs().median():.2%} of the test score; optimistic on "
                         f"{int((optimism > 0).sum())}, median optimism {optimism.median():+.2%}")
    if "outside_s" in results and results["outside_s"].notna().any():
        outside = (results["outside_s"] / results["budget_s"]).dropna()
        cpu = (results["harness_cpu_s"] / results["budget_s"]).dropna()
        lines.append(f"no run in flight: median {outside.median():.1%} of the budget, at most "
                     f"{outside.max():.1%}; harness CPU: median {cpu.median():.1%}, at most "
                     f"{cpu.max():.1%}")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--first-share", type=float, default=0.2)
    args = parser.parse_args(argv)
    for line in summarise(pd.read_csv(args.results), args.first_share):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
