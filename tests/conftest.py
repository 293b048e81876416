import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TITANIC = ROOT / "examples" / "titanic"


@pytest.fixture
def titanic(tmp_path: Path) -> Path:
    """A private copy of the bundled titanic task, safe to edit."""
    target = tmp_path / "titanic"
    shutil.copytree(TITANIC, target)
    return target


def write_task(folder: Path, train: str, test: str, sample: str | None, description: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.csv").write_text(train)
    (folder / "test.csv").write_text(test)
    if sample is not None:
        (folder / "sample_submission.csv").write_text(sample)
    (folder / "description.md").write_text(description)
    return folder
