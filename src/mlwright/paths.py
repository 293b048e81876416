"""Where everything of one run lives; nothing is written outside the run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def journal(self) -> Path:
        return self.root / "journal.sqlite"

    @property
    def task(self) -> Path:
        return self.root / "task.json"

    @property
    def profile(self) -> Path:
        return self.root / "profile.json"

    @property
    def folds(self) -> Path:
        return self.root / "folds.parquet"

    @property
    def schema(self) -> Path:
        return self.root / "data" / "schema.json"

    @property
    def train_table(self) -> Path:
        """train as understood (task.run_tables): what every reader of the run reads."""
        return self.root / "data" / "train.parquet"

    @property
    def test_table(self) -> Path:
        return self.root / "data" / "test.parquet"

    @property
    def inputs(self) -> Path:
        """Files derived from the task folder (unpacked archives, tables listing images)."""
        return self.root / "data" / "inputs"

    @property
    def candidates(self) -> Path:
        return self.root / "candidates"

    @property
    def cache(self) -> Path:
        """Features computed once per run (decoded images, text embeddings), shared by runs."""
        return self.root / "cache"

    @property
    def final(self) -> Path:
        return self.root / "final"

    @property
    def submission(self) -> Path:
        return self.final / "submission.csv"

    @property
    def leaderboard(self) -> Path:
        return self.final / "leaderboard.csv"

    def make(self) -> None:
        for folder in (self.root, self.root / "data", self.candidates, self.final, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
