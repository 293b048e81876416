"""A full disk stops a run with one line, not a traceback: what was published stays published
(every swap of `final/` is one rename), the journal stays whole (SQLite rolls the failed write
back), and `mlwright resume` continues once there is room again."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlwright.errors import DiskFullError

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in FULL_ERRNOS
    # SQLite reports it in words (SQLITE_FULL)
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def folder_mb(*folders: Path) -> float:
    """Megabytes of the files under FOLDERS, each hard-linked file once, links not followed."""
    seen, total = set(), 0
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in names:
                try:
                    stat = os.lstat(os.path.join(root, name))
                except OSError:
                    continue
                if (stat.st_dev, stat.st_ino) not in seen and not os.path.islink(
                        os.path.join(root, name)):
                    seen.add((stat.st_dev, stat.st_ino))
                    total += stat.st_size
    return total / 2**20


def free_mb(folder: Path) -> float | None:
    for place in (folder, *folder.parents):
        if place.exists():
            return shutil.disk_usage(place).free / 2**20
    return None


@contextmanager
def stop_when_disk_full(root: Path, submission: Path) -> Iterator[None]:
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:
        if not is_disk_full(exc):
            raise
        free = free_mb(root)
        room = f"{free:.0f} MB free" if free is not None else "no room"
        kept = (f"{submission} keeps the last published submission; "
                if submission.exists() else "")
        again = (f"free some space and `mlwright resume {root}` continues the run"
                 if (root / "journal.sqlite").exists() else "free some space and start again")
        raise DiskFullError(f"{root}: the disk is full ({room}); the run stopped. {kept}{again}"
                            ) from None
