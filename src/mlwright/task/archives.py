"""Unpacking a task's archives (.zip, .tar, .tar.gz, .tgz) into the run's own folder, safely:
no member may land outside that folder, and an archive is unpacked once per folder."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from mlwright.errors import TaskInputError

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def archive_suffix(path: Path) -> str | None:
    name = path.name.lower()
    return next((s for s in ARCHIVE_SUFFIXES if name.endswith(s) and len(name) > len(s)), None)


def archive_stem(path: Path) -> str:
    """The name without the archive suffix: 'train' for train.zip, 'train.csv' for
    train.csv.zip."""
    suffix = archive_suffix(path)
    return path.name[: -len(suffix)] if suffix else path.stem


def member_names(archive: Path) -> list[str]:
    """The names of the files an archive holds; cheap for a zip (its directory is at the end),
    a read through the whole file for a compressed tar."""
    try:
        if archive_suffix(archive) == ".zip":
            with zipfile.ZipFile(archive) as handle:
                return [i.filename for i in handle.infolist() if not i.is_dir()]
        with tarfile.open(archive) as handle:
            return [m.name for m in handle.getmembers() if m.isfile()]
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise TaskInputError(f"{archive}: not a readable archive ({exc})") from None


def unpack(archive: Path, into: Path) -> Path:
    """The folder ARCHIVE's members are in, under INTO; unpacked on the first call only."""
    stat = archive.stat()
    key = hashlib.sha1(f"{archive.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", archive_stem(archive))[:60]
    target = into / f"{name}-{key.hexdigest()[:10]}"
    if target.is_dir():
        return target
    into.mkdir(parents=True, exist_ok=True)
    partial = into / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        if archive_suffix(archive) == ".zip":
            _unpack_zip(archive, partial)
        else:
            _unpack_tar(archive, partial)
        os.replace(partial, target)  # whole or not at all: a killed unpack leaves no target
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise TaskInputError(f"{archive}: not a readable archive ({exc})") from None
    except OSError as exc:
        raise TaskInputError(f"{archive}: cannot unpack into {into} ({exc})") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _unpack_zip(archive: Path, into: Path) -> None:
    with zipfile.ZipFile(archive) as handle:
        members = handle.infolist()
        for member in members:
            _check_name(archive, member.filename)
        _check_space(archive, sum(m.file_size for m in members), into.parent)
        handle.extractall(into)


def _unpack_tar(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as handle:
        members = handle.getmembers()
        for member in members:
            _check_name(archive, member.name)
            if member.issym() or member.islnk():
                target = PurePosixPath(member.name).parent / member.linkname
                _check_name(archive, member.linkname if member.islnk() else str(target))
            elif not (member.isfile() or member.isdir()):
                raise TaskInputError(f"{archive}: member '{member.name}' is not a file or "
                                     "folder; unpack the archive yourself and pass the folder")
        _check_space(archive, sum(m.size for m in members), into.parent)
        if hasattr(tarfile, "data_filter"):
            handle.extractall(into, filter="data")
        else:  # pragma: no cover - Pythons without extraction filters; names checked above
            handle.extractall(into)


def _check_name(archive: Path, name: str) -> None:
    """Refuse members that would be written outside the folder: absolute names, '..'."""
    normal = name.replace("\\", "/")
    if (normal.startswith("/") or re.match(r"^[A-Za-z]:", normal)
            or ".." in PurePosixPath(normal).parts):
        raise TaskInputError(f"{archive}: member '{name}' points outside the archive's folder; "
                             "mlwright does not unpack it (unpack the safe part yourself and "
                             "pass that folder)")


def _check_space(archive: Path, size: int, into: Path) -> None:
    free = shutil.disk_usage(into).free
    if size > free:
        raise TaskInputError(f"{archive}: unpacks to {size / 2**30:.1f} GiB, more than the "
                             f"{free / 2**30:.1f} GiB free in {into}; free space or unpack it "
                             "elsewhere and pass that folder")
