"""Where files derived from a task go (unpacked archives, tables listing images): the run's
data/inputs/, or a temporary folder removed when the process exits. Never the task folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


class Workdir:
    """Made on first use, so a task that needs nothing derived leaves no trace."""

    def __init__(self, path: Path | None) -> None:
        self._path = Path(path).expanduser() if path is not None else None

    @property
    def given(self) -> Path | None:
        return self._path

    def folder(self, name: str) -> Path:
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="mlwright-inputs-"))
            atexit.register(shutil.rmtree, self._path, ignore_errors=True)
        folder = self._path / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder
