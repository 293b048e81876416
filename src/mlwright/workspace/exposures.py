"""What each kind of jailed process may see of a run folder. The harness's own files (the
journal, `final/`, other runs' outputs) are in none of them."""

from __future__ import annotations

import json
from pathlib import Path

from mlwright.paths import RunPaths
from mlwright.workspace.jail import Exposure

_NOT_CODE = ("runs", ".git")  # a candidate folder's parts a run must not see


def _inputs(paths: RunPaths) -> tuple[Path, ...]:
    """The run's tables and folds, and the folders the task's images are read from."""
    try:
        images = json.loads(paths.schema.read_text()).get("image_dirs", [])
    except (OSError, ValueError):
        images = []
    return (paths.root / "data", paths.folds, *map(Path, images))


def run_exposure(paths: RunPaths, candidate_dir: Path) -> Exposure:
    """A candidate's run: the run's inputs and the cache, read; the candidate's code (not its
    other runs), read; its run folder (the working folder) writes."""
    code = tuple(sorted(p for p in candidate_dir.iterdir() if p.name not in _NOT_CODE))
    return Exposure(read=(*_inputs(paths), paths.cache, *code))


def check_exposure(paths: RunPaths) -> Exposure:
    """A code check runs in its own folder, on the same inputs as a run."""
    return Exposure(read=(*_inputs(paths), paths.cache))


def prep_exposure(paths: RunPaths) -> Exposure:
    """A preparation step fills the run's cache: the one place beside its folder it writes."""
    paths.cache.mkdir(parents=True, exist_ok=True)
    return Exposure(read=_inputs(paths), write=(paths.cache,))
