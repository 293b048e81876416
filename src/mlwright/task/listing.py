"""What a task folder holds, found by names alone: tables, image folders, class folders,
archives and description texts, each with where it sits in the task as its owner sees it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlwright.errors import TaskInputError
from mlwright.task.archives import archive_stem, archive_suffix, unpack
from mlwright.task.tables import table_stem, table_suffix

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
DESCRIPTION_NAMES = ("description.md", "readme.md", "readme.txt", "description.txt",
                     "overview.md")
SCAN_DEPTH = 4  # task/prepared/public/train/<class> is as deep as common layouts go
_SKIPPED = {"private", "__macosx", "__pycache__", "node_modules"}
TRAIN_WORDS = {"train", "training", "trainset", "trn"}
TEST_WORDS = {"test", "testing", "testset", "tst"}
_LABEL_WORDS = {"labels", "label", "targets", "target", "y", "solution", "solutions",
                "answers", "answer", "truth", "groundtruth", "private"}


class LayoutMissing(TaskInputError):
    """Something the task needs is not among its files (an archive may hold it)."""


@dataclass(frozen=True)
class Item:
    rel: PurePosixPath  # where it sits in the task (an archive's members sit where it does)
    path: Path  # where it really is


@dataclass
class Listing:
    tables: list[Item] = field(default_factory=list)
    image_dirs: list[Item] = field(default_factory=list)  # folders holding image files
    class_dirs: list[Item] = field(default_factory=list)  # folders of image folders (classes)
    archives: list[Item] = field(default_factory=list)
    texts: list[Item] = field(default_factory=list)  # description candidates
    roots: list[Item] = field(default_factory=list)  # the task folder and each unpacked archive

    def extend(self, other: Listing) -> None:
        for name in ("tables", "image_dirs", "class_dirs", "archives", "texts", "roots"):
            getattr(self, name).extend(getattr(other, name))

    def real_folders(self, rel: PurePosixPath) -> list[Path]:
        """Every real folder that sits at REL: the task's own and those of unpacked archives."""
        found = []
        for root in self.roots:
            if rel == root.rel or root.rel in rel.parents:
                folder = root.path / rel.relative_to(root.rel)
                if folder.is_dir():
                    found.append(folder)
        return found


def scan(folder: Path, at: PurePosixPath = PurePosixPath("."), skip: Path | None = None,
         depth: int = SCAN_DEPTH) -> Listing:
    """List FOLDER by names (no file is opened), placing what it finds under AT. Hidden
    folders, private/ (answers), run folders (journal.sqlite) and SKIP are left out."""
    listing = Listing(roots=[Item(at, folder)])
    _walk(folder, at, depth, listing, skip.resolve() if skip else None)
    return listing


def with_archives(listing: Listing, into: Path, notes: list[str]) -> Listing:
    """LISTING with every archive unpacked into INTO (archives inside archives too, three
    levels deep) and its members placed where the archive sits: beside it, or in a folder named
    after it when it holds loose images (train.zip of train/*.png or of *.png alike)."""
    merged = Listing()
    merged.extend(listing)
    pending = list(listing.archives)
    for _ in range(3):
        inner: list[Item] = []
        for archive in pending:
            folder = unpack(archive.path, into)
            loose = any(p.is_file() and p.name.lower().endswith(IMAGE_SUFFIXES)
                        for p in folder.iterdir())
            at = archive.rel.parent / archive_stem(archive.path) if loose else archive.rel.parent
            found = scan(folder, at)
            merged.extend(found)
            inner += found.archives
            notes.append(f"unpacked {shown(archive.rel)} into {folder}")
        pending = inner
    return merged


def _walk(folder: Path, rel: PurePosixPath, depth: int, listing: Listing,
          skip: Path | None) -> bool:
    """Add FOLDER's contents to LISTING; True when FOLDER holds image files."""
    images, subfolders = 0, []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name, lower = entry.name, entry.name.lower()
                if name.startswith(".") or lower in _SKIPPED:
                    continue
                if entry.is_dir():
                    subfolders.append(entry)
                elif lower.endswith(IMAGE_SUFFIXES):
                    images += 1
                else:
                    _add_file(Path(entry.path), rel / name, listing)
    except OSError:
        return False
    if images:
        listing.image_dirs.append(Item(rel, folder))
    if depth <= 0:
        return bool(images)
    with_images = []
    for entry in sorted(subfolders, key=lambda e: e.name):
        path = Path(entry.path)
        if (skip is not None and path.resolve() == skip) or (path / "journal.sqlite").exists():
            continue
        if _walk(path, rel / entry.name, depth - 1, listing, skip):
            with_images.append(entry.name)
    if len(with_images) >= 2 and not any(words(n) & (TRAIN_WORDS | TEST_WORDS)
                                         for n in with_images):
        listing.class_dirs.append(Item(rel, folder))
    return bool(images)


def _add_file(path: Path, rel: PurePosixPath, listing: Listing) -> None:
    if table_suffix(path):
        listing.tables.append(Item(rel, path))
    elif archive_suffix(path):
        listing.archives.append(Item(rel, path))
    elif path.name.lower() in DESCRIPTION_NAMES:
        listing.texts.append(Item(rel, path))


def words(name: str) -> set[str]:
    """The words of a file name: {'mnist', 'train'} for mnist_train, {'sample', 'submission'}
    for sampleSubmission."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return set(re.findall(r"[a-z]+|\d+", spaced.lower()))


def table_role(path: Path) -> str | None:
    """What a table's name says it is: train, train_labels, test, sample, or None."""
    stem = table_stem(path)
    found = words(stem)
    if "submission" in stem.lower() or "sub" in found:
        return "sample"
    train, test, labels = found & TRAIN_WORDS, found & TEST_WORDS, found & _LABEL_WORDS
    if train and not test:
        return "train_labels" if labels else "train"
    if test and not train and not labels:
        return "test"
    return None


def folder_rank(rel: PurePosixPath) -> int:
    """Where data is looked for first: shallow before deep, and at one depth the folder itself,
    then its public/, then MLE-bench's prepared/public/ (before a raw/ copy of all the data)."""
    parts = tuple(p for p in rel.parts if p != ".")
    for tail, rank in ((("prepared", "public"), 2), (("public",), 1)):
        if parts[-len(tail):] == tail:
            return 10 * (len(parts) - len(tail)) + rank
    return 10 * len(parts)


def distance(a: PurePosixPath, b: PurePosixPath) -> int:
    """Steps between two folders of the task (up to their common folder, then down)."""
    x = [p for p in a.parts if p != "."]
    y = [p for p in b.parts if p != "."]
    common = 0
    while common < min(len(x), len(y)) and x[common] == y[common]:
        common += 1
    return len(x) + len(y) - 2 * common


def shown(rel: PurePosixPath) -> str:
    """A place in the task as a user would write it: 'train.csv', 'public/images/'."""
    text = str(rel)
    return "./" if text == "." else text
