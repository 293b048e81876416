import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
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


def mlwright(*args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    """The command line as a user runs it, in a child process; output captured as text."""
    return subprocess.run([sys.executable, "-m", "mlwright", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


def template_env(data: Path, work: Path, schema: Path | None = None,
                 refit: bool = False) -> dict[str, str]:
    """What the harness hands a candidate's train.py (less its output, deadline and row share),
    over a finished run's tables in DATA; params.json and folds.parquet are read from WORK, for
    tests that run a template directly."""
    return {
        "MLWRIGHT_SCHEMA": str(schema or data / "schema.json"),
        "MLWRIGHT_TRAIN": str(data / "train.parquet"),
        "MLWRIGHT_TEST": str(data / "test.parquet"),
        "MLWRIGHT_CACHE": str(work / "cache"),
        "MLWRIGHT_PARAMS": str(work / "params.json"),
        "MLWRIGHT_FOLDS": str(work / "folds.parquet"),
        "MLWRIGHT_REFIT": "1" if refit else "0",
        "MLWRIGHT_THREADS": "1",
    }


def write_task(folder: Path, train: str, test: str, sample: str | None, description: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.csv").write_text(train)
    (folder / "test.csv").write_text(test)
    if sample is not None:
        (folder / "sample_submission.csv").write_text(sample)
    (folder / "description.md").write_text(description)
    return folder


@pytest.fixture(scope="session")
def finished_titanic_run(tmp_path_factory) -> tuple[Path, Path]:
    """One real 25-second titanic run, shared by the tests that inspect a finished run."""
    base = tmp_path_factory.mktemp("titanic-run")
    task = base / "titanic"
    shutil.copytree(TITANIC, task)
    out = base / "run"
    result = mlwright("run", task, "--budget", "25", "--out", out)
    assert result.returncode == 0, result.stderr
    (out / "stdout.txt").write_text(result.stdout)
    return task, out


def copy_run(source: Path, dest: Path, symlinks: bool = False) -> Path:
    """A finished run's folder, copied while this process may still hold its journal open: a
    connection that closes (when the garbage collector gets to it) folds the write-ahead log
    into the journal and deletes it, mid-copy. The journal is copied by SQLite's backup."""
    journal = ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm")
    shutil.copytree(source, dest, symlinks=symlinks, ignore=shutil.ignore_patterns(*journal))
    with closing(sqlite3.connect(source / "journal.sqlite")) as read, \
            closing(sqlite3.connect(dest / "journal.sqlite")) as write:
        read.backup(write)
    return dest
