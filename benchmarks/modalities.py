"""Figures for the text, image and time-series issue: the three non-tabular tasks of
../shared/tasks through `mlwright bench` (one child run each, graded by the same grader),
against their plain baselines. Prints the table; asserts nothing.

    python benchmarks/modalities.py [--budget 120] [--shared ../shared] [--out DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

TASKS = ["fine-foods-sentiment", "handwritten-digits", "chicago-ridership"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="120")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "results" / f"modalities-{args.budget}"
    # `mlwright bench` prints the table (and keeps it in OUT/results.md).
    done = subprocess.run([sys.executable, "-m", "mlwright", "bench", str(args.shared / "tasks"),
                           "--tasks", ",".join(TASKS), "--budget", args.budget, "--out", str(out)])
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
