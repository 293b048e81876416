"""One process at a time in a run folder: a second `run` or `resume` on the same --out would
interleave its journal and overwrite final/. The lock is the kernel's (flock), so a killed
process holds it no longer and `resume` works right after a kill."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from mlwright.errors import RunStateError

LOCK_NAME = ".lock"
_held: dict[Path, int] = {}  # folder -> descriptor, for release_run_folder


def hold_run_folder(folder: Path) -> int:
    """Lock FOLDER (created if missing) for this process's lifetime; a clear error where it
    cannot be written or another mlwright process holds it. Returns the lock's descriptor."""
    folder = Path(folder)
    if folder.resolve() in _held:  # this process already holds it (a run stopped by Ctrl-C,
        return _held[folder.resolve()]  # resumed in the same notebook)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise RunStateError(f"{folder}: cannot write there ({exc.strerror}); give --out a "
                            "folder you can write to") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise RunStateError(f"{folder}: another mlwright process (pid {holder}) is working in "
                            "it; wait for it to end, or give another --out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _held[folder.resolve()] = fd
    return fd


def release_run_folder(folder: Path) -> None:
    """Let another process in (the lock ends with this process anyway)."""
    fd = _held.pop(Path(folder).resolve(), None)
    if fd is not None:
        os.close(fd)
