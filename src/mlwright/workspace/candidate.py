"""A candidate: one isolated repository on disk with its plan, code, parameters and git history."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_GIT_IDENTITY = ["-c", "user.name=mlwright", "-c", "user.email=mlwright@localhost",
                 "-c", "commit.gpgsign=false"]


@dataclass(frozen=True)
class CandidateRepo:
    candidate_id: str
    path: Path

    @classmethod
    def create(cls, candidates_dir: Path, candidate_id: str) -> CandidateRepo:
        path = candidates_dir / candidate_id
        path.mkdir(parents=True, exist_ok=True)
        (path / ".gitignore").write_text("runs/\n__pycache__/\n")
        if shutil.which("git") and not (path / ".git").exists():
            subprocess.run(["git", "init", "-q", str(path)], check=False, capture_output=True)
        return cls(candidate_id, path)

    def write(self, files: dict[str, str], message: str) -> None:
        """Write files and record the edit as a commit in the candidate's history."""
        for name, text in files.items():
            (self.path / name).write_text(text)
        self.commit(message)

    def write_params(self, params: dict[str, Any]) -> None:
        (self.path / "params.json").write_text(json.dumps(params, indent=1, default=str))

    def commit(self, message: str) -> None:
        if not (self.path / ".git").exists():
            return
        subprocess.run(["git", "-C", str(self.path), "add", "-A"], check=False, capture_output=True)
        subprocess.run(
            ["git", *_GIT_IDENTITY, "-C", str(self.path), "commit", "-q", "-m", message],
            check=False, capture_output=True,
        )

    def history(self) -> list[str]:
        if not (self.path / ".git").exists():
            return []
        done = subprocess.run(["git", "-C", str(self.path), "log", "--format=%s"],
                              capture_output=True, text=True, check=False)
        return done.stdout.splitlines()

    def run_dir(self, run_id: str) -> Path:
        return self.path / "runs" / run_id
