"""What an executor takes and gives back, whatever runs the work."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mlwright.workspace.jail import Exposure
from mlwright.workspace.sandbox import SandboxLimits, SandboxOutcome


@dataclass(frozen=True)
class RunRequest:
    run_id: str
    candidate_id: str
    script: Path  # the candidate's train.py
    run_dir: Path  # where the run writes; its only working folder
    env: dict[str, str]  # the MLWRIGHT_* inputs
    limits: SandboxLimits
    exposure: Exposure | None = None  # what its jail shows it; None: the weaker sandbox


@dataclass(frozen=True)
class RunOutcome:
    request: RunRequest
    sandbox: SandboxOutcome
    host: str


class Executor(Protocol):
    slots: int  # runs it can take at once
    threads_per_run: int  # the CPU threads each run may use

    def submit(self, request: RunRequest) -> Future[RunOutcome]: ...

    def shutdown(self, cancel: bool) -> None: ...
