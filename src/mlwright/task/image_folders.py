"""Where a task's images are: the folders that hold image files, which column of a table names
them (found by looking the first values up, as candidates will), and train/<class>/ folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from mlwright.errors import TaskInputError
from mlwright.task.listing import (
    IMAGE_SUFFIXES,
    TEST_WORDS,
    TRAIN_WORDS,
    Item,
    LayoutMissing,
    Listing,
    folder_rank,
    scan,
    shown,
    words,
)

MATCH_SHARE = 0.5  # a folder holds a column's images when half its first values name files
PATH_SHARE = 0.9  # a column whose values mostly end like image files holds paths

# a file named by an id without its suffix may carry it in either case (X.png, X.PNG)
_ANY_CASE = IMAGE_SUFFIXES + tuple(suffix.upper() for suffix in IMAGE_SUFFIXES)


@dataclass(frozen=True)
class Places:
    """Folders image files may be in, and those among them of class folders."""

    folders: list[Item]
    class_dirs: list[Item]


def image_places(listing: Listing, images: Path | None, data_dir: PurePosixPath | None) -> Places:
    """--images DIR and the image folders inside it; else every image folder of the task and
    the training table's own folders (paths in a column are relative to them)."""
    if images is not None:
        at = PurePosixPath(images.as_posix())
        found = scan(images, at, depth=2)
        folders = [Item(at, images), *found.image_dirs, *found.class_dirs]
        classes = found.class_dirs
    else:
        folders = [*listing.image_dirs, *listing.class_dirs]
        if data_dir is not None:
            folders += [Item(data_dir, p) for p in listing.real_folders(data_dir)]
        classes = listing.class_dirs
    unique: dict[Path, Item] = {}
    for place in folders:
        unique.setdefault(place.path.resolve(), Item(place.rel, place.path.resolve()))
    class_paths = {c.path.resolve() for c in classes}
    return Places(list(unique.values()), [p for p in unique.values() if p.path in class_paths])


def names_image(folder: Path, value: str) -> bool:
    """Whether VALUE names an image file in FOLDER, as candidates look it up."""
    if not value or value.startswith(("/", "\\")):
        return False
    if value.lower().endswith(IMAGE_SUFFIXES) and (folder / value).is_file():
        return True
    return any((folder / f"{value}{suffix}").is_file() for suffix in _ANY_CASE)


def file_name(folder: Path, value: str) -> str:
    """The file VALUE names in FOLDER (VALUE may leave the suffix out)."""
    if value.lower().endswith(IMAGE_SUFFIXES) and (folder / value).is_file():
        return value
    return next((value + s for s in _ANY_CASE if (folder / f"{value}{s}").is_file()), value)


def holding(values: pd.Series, places: list[Item]) -> list[Item]:
    """The places where most of the first VALUES name image files."""
    head = values.dropna().astype(str).str.strip().head(20).tolist()
    if not head:
        return []
    return [place for place in places if names_image(place.path, head[0])
            and sum(names_image(place.path, v) for v in head) >= MATCH_SHARE * len(head)]


def one_place(task_dir: Path, found: list[Item], prefer: set[str], named_by: str) -> Item:
    """One folder among those holding the images: the one named like the split (train/ for
    training rows) when several do; refused when that does not settle it."""
    if len(found) > 1:
        named = [p for p in found if words(p.rel.name) & prefer]
        neutral = [p for p in found if not words(p.rel.name) & (TRAIN_WORDS | TEST_WORDS)]
        found = named if len(named) == 1 else neutral if len(neutral) == 1 else found
    if len(found) > 1:
        raise TaskInputError(
            f"{task_dir}: image files named by {named_by} are in {len(found)} folders "
            f"({', '.join(show_place(p) for p in found)}); pass --images DIR to say which")
    return found[0]


def image_column(task_dir: Path, head: pd.DataFrame, columns: list[str],
                 places: list[Item]) -> tuple[str, Item] | None:
    """The first column whose values name image files, and the folder holding them."""
    for column in columns:
        found = holding(head[column], places)
        if found:
            return column, one_place(task_dir, found, TRAIN_WORDS,
                                     f"'{column}' of the training table")
    return None


def test_place(task_dir: Path, values: pd.Series, places: list[Item], train_place: Item,
               table: Path, column: str) -> Item:
    """The folder holding the test rows' images: test/ where one holds them, else the
    training images' folder (shared), else the one holding them."""
    found = holding(values, places)
    if not found:
        example = values.dropna().astype(str).head(1).tolist()
        raise LayoutMissing(f"{table}: its '{column}' values (e.g. {example}) name no image file "
                            f"in {', '.join(show_place(p) for p in places) or 'any folder'}; "
                            "pass --images DIR with the folder they are in")
    named = [p for p in found if words(p.rel.name) & TEST_WORDS]
    if len(named) == 1:
        return named[0]  # test/ beside train/, even where train/ has files of the same names
    if train_place in found:
        return train_place
    return one_place(task_dir, found, TEST_WORDS, f"'{column}' of {table.name}")


def class_folder(task_dir: Path, places: Places, images: Path | None) -> Item | None:
    """ImageFolder layout: train/<class>/*.png (or --images DIR holding class folders)."""
    named = [c for c in places.class_dirs if words(c.rel.name) & TRAIN_WORDS]
    if not named and images is not None:
        named = [c for c in places.class_dirs if c.path == images.resolve()]
    if not named:
        return None
    best = min(folder_rank(c.rel.parent) for c in named)
    group = [c for c in named if folder_rank(c.rel.parent) == best]
    if len(group) > 1:
        raise TaskInputError(
            f"{task_dir}: {len(group)} folders of class folders "
            f"({', '.join(show_place(c) for c in group)}); pass --images DIR to say which "
            "holds the training images")
    return group[0]


def image_names(folder: Path) -> list[str]:
    """Every image file under FOLDER, as a path relative to it ('cat/001.png'), sorted."""
    names = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        base = Path(root).relative_to(folder)
        names += [(base / f).as_posix() for f in files
                  if f.lower().endswith(IMAGE_SUFFIXES) and not f.startswith(".")]
    return sorted(names)


def path_like(values: pd.Series) -> bool:
    """Whether a column's values are image file names or paths (they end like image files)."""
    head = values.dropna().astype(str).str.lower().head(20)
    return bool(len(head)) and bool(head.str.endswith(IMAGE_SUFFIXES).mean() >= PATH_SHARE)


def show_place(place: Item) -> str:
    return shown(place.rel).rstrip("/") + "/"
