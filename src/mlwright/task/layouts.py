"""A task's layout, found from its files: the training data (a table, or train/<class>/ image
folders), the test rows (a table, the ids of sample_submission.csv, or a test/ image folder),
the sample submission and where the images are. Tables a layout lacks are derived into the
workdir; a clear best guess is taken and noted, a true ambiguity refused naming what settles
it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from mlwright.errors import TaskInputError
from mlwright.task.archives import member_names
from mlwright.task.image_folders import (
    Places,
    class_folder,
    file_name,
    holding,
    image_column,
    image_names,
    image_places,
    one_place,
    path_like,
    show_place,
    test_place,
)
from mlwright.task.listing import (
    IMAGE_SUFFIXES,
    TEST_WORDS,
    TRAIN_WORDS,
    Item,
    LayoutMissing,
    Listing,
    distance,
    scan,
    shown,
    table_role,
    words,
)
from mlwright.task.options import TaskOptions
from mlwright.task.table_files import nearest, pick_train
from mlwright.task.tables import TABLE_SUFFIXES, read_head, read_header, read_table
from mlwright.task.time_axis import holds_time
from mlwright.task.workdir import Workdir

__all__ = ["Layout", "LayoutMissing", "find_layout", "looks_like_task"]
_ID_NAMES = re.compile(r"^(id|.*_id|.*Id|.*ID|index|row_?id|key|file_?name|image)$")


@dataclass(frozen=True)
class Layout:
    data_dir: PurePosixPath  # where the training data sits in the task
    train: Path
    test: Path
    sample: Path | None
    train_images: Path | None = None
    test_images: Path | None = None
    image_column: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class _Search:
    """One search of a task folder: what it holds, the options, where derived tables go."""

    task_dir: Path
    listing: Listing
    options: TaskOptions
    workdir: Workdir
    places: Places = field(default_factory=lambda: Places([], []))
    notes: list[str] = field(default_factory=list)

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        folder = self.workdir.folder("derived")
        partial = folder / f".{name}.{os.getpid()}.tmp"
        frame.to_csv(partial, index=False)
        return partial.replace(folder / name)

    def layout(self, data_dir: PurePosixPath, train: Path, test: Path, sample: Item | None,
               images: tuple[Path, Path, str] | None = None) -> Layout:
        train_images, test_images, column = images or (None, None, None)
        return Layout(data_dir, train, test, sample.path if sample else None, train_images,
                      test_images, column, tuple(self.notes))


def find_layout(task_dir: Path, listing: Listing, options: TaskOptions,
                workdir: Workdir) -> Layout:
    search = _Search(task_dir, listing, options, workdir)
    train = pick_train(task_dir, listing, search.write, search.notes)
    search.places = image_places(listing, options.images,
                                 train.rel.parent if train is not None else None)
    class_dir = None if train is not None else class_folder(task_dir, search.places,
                                                            options.images)
    if train is None and class_dir is None:
        raise LayoutMissing(
            f"{task_dir}: train.csv not found (nor another training table: .tsv, .csv.gz, "
            ".parquet, or a train/ folder of class folders of images)")
    data_dir = train.rel.parent if train is not None else class_dir.rel.parent
    sample = nearest(task_dir, listing, "sample", data_dir, search.notes)
    test = nearest(task_dir, listing, "test", data_dir, search.notes)
    if class_dir is not None:
        return _class_layout(search, class_dir, test, sample)
    return _table_layout(search, train, test, sample)


def looks_like_task(folder: Path) -> bool:
    """A quick look, for listing a suite: a training table, train/ class folders, or an
    archive holding tables or images (a zip's names are read; nothing is unpacked)."""
    listing = scan(folder)
    if any(table_role(t.path) in ("train", "train_labels") for t in listing.tables):
        return True
    if any(words(c.rel.name) & TRAIN_WORDS for c in listing.class_dirs):
        return True
    for archive in listing.archives:
        if archive.path.suffix.lower() != ".zip":
            return True
        try:
            names = [n.lower() for n in member_names(archive.path)]
        except TaskInputError:
            continue
        if any(n.endswith(TABLE_SUFFIXES + IMAGE_SUFFIXES) for n in names):
            return True
    return False


def _table_layout(search: _Search, train: Item, test: Item | None,
                  sample: Item | None) -> Layout:
    head = read_head(train.path)
    test_head = read_head(test.path) if test is not None else None
    sample_header = read_header(sample.path, 1) if sample is not None else []
    columns = [c for c in head.columns if c not in sample_header[1:]
               and (test_head is None or c in test_head.columns)]
    found = image_column(search.task_dir, head, columns, search.places.folders)
    if found is None:
        return _plain_layout(search, train, test, sample, head, test_head, sample_header)
    column, folder = found
    if (folder.path == train.path.parent.resolve() and search.options.images is None
            and path_like(head[column])):
        # paths relative to the table's folder: the profile finds them there, as it always has
        if test is None:
            raise _no_test(search, train, sample, images=False)
        return search.layout(train.rel.parent, train.path, test.path, sample)
    train_path = train.path
    if test is not None:
        test_folder = test_place(search.task_dir, test_head[column], search.places.folders,
                                 folder, test.path, column)
        test_path = test.path
    else:
        test_path, test_folder = _derived_test(search, train, sample, column, folder,
                                               path_like(head[column]))
        train_path = _without_other_paths(search, train, head, column)
    search.notes.append(f"images: '{column}' names the files in {show_place(folder)}"
                        + (f" (test rows: {show_place(test_folder)})" if test_folder != folder
                           else ""))
    if test_folder != folder and holding(read_head(test_path)[column], [folder]):
        return _by_path(search, train, test_path, sample, column, folder, test_folder)
    return search.layout(train.rel.parent, train_path, test_path, sample,
                         (folder.path, test_folder.path, column))


def _without_other_paths(search: _Search, train: Item, head: pd.DataFrame, column: str) -> Path:
    """A test table derived from ids holds the ids alone, so other columns of training that
    name the same images by path are left out of a derived copy of training."""
    others = [c for c in head.columns if c != column and path_like(head[c])]
    if not others:
        return train.path
    frame = read_table(train.path, tuple(read_header(train.path, 1)), min_columns=1)
    path = search.write("train.csv", frame.drop(columns=others))
    search.notes.append(f"training table without {others}: the test rows are known by "
                        f"'{column}' alone")
    return path


def _plain_layout(search: _Search, train: Item, test: Item | None, sample: Item | None,
                  head: pd.DataFrame, test_head: pd.DataFrame | None,
                  sample_header: list[str]) -> Layout:
    """No column names image files: a table task, unless the tables say images are missing."""
    for column in head.columns:
        if path_like(head[column]):
            example = head[column].dropna().iloc[0]
            raise LayoutMissing(f"{train.path}: column '{column}' names image files (e.g. "
                                f"'{example}') that are in no folder of {search.task_dir}; "
                                "pass --images DIR with the folder they are in")
    if test is None:
        raise _no_test(search, train, sample, images=False)
    column = test_head.columns[0]
    if len(test_head.columns) == 1 and (column in sample_header[:1] or _ID_NAMES.match(column)) \
            and not holds_time(test_head, column):  # a forecast's test may hold only its time
        example = test_head[column].dropna().astype(str).head(1).tolist()
        raise LayoutMissing(f"{test.path}: holds only '{column}' (e.g. {example}) and no folder "
                            "of the task has image files named by it; pass --images DIR with "
                            "the images, or give test the feature columns of training")
    return search.layout(train.rel.parent, train.path, test.path, sample)


def _by_path(search: _Search, train: Item, test: Path, sample: Item | None, column: str,
             folder: Item, test_folder: Item) -> Layout:
    """train/ and test/ both hold files of the test rows' names (train/5.png, test/5.png).
    Candidates look a name up in every image folder, train's first, so each row's file is
    named by its path from the folders' common parent, in derived copies of the tables."""
    parent = Path(os.path.commonpath([folder.path, test_folder.path]))
    written, name = {}, "image_file"
    for split, path, place in (("train", train.path, folder), ("test", test, test_folder)):
        frame = read_table(path, tuple(read_header(path, 1)), min_columns=1)
        name = next(n for n in ("image_file", "image_path", "image_file_") if n not in frame)
        prefix = place.path.relative_to(parent).as_posix()
        frame[name] = [f"{prefix}/{file_name(place.path, str(v))}" for v in frame[column]]
        written[split] = search.write(f"{split}.csv", frame)
    search.notes.append(f"images: {show_place(folder)} and {show_place(test_folder)} both hold "
                        f"files named like the test rows; '{name}' (derived) names each row's "
                        "own file")
    return search.layout(train.rel.parent, written["train"], written["test"], sample,
                         (parent, parent, name))


def _class_layout(search: _Search, class_dir: Item, test: Item | None,
                  sample: Item | None) -> Layout:
    """train/<class>/<image>: the training table is derived, one row per image."""
    id_name, target = _derived_names(search.options, test, sample)
    names = [n for n in image_names(class_dir.path) if "/" in n]
    if not names:
        raise LayoutMissing(f"{class_dir.path}: no image files inside its class folders")
    frame = pd.DataFrame({id_name: names, target: [n.split("/", 1)[0] for n in names]})
    train_path = search.write("train.csv", frame)
    search.notes.append(f"training rows: the {len(names)} images in the "
                        f"{frame[target].nunique()} class folders of {show_place(class_dir)}, "
                        f"listed in {train_path}")
    train = Item(class_dir.rel.parent / "train.csv", train_path)
    if test is not None:
        test_head = read_head(test.path)
        column = id_name if id_name in test_head.columns else test_head.columns[0]
        test_folder = test_place(search.task_dir, test_head[column], search.places.folders,
                                 class_dir, test.path, column)
        test_path = test.path
    else:
        test_path, test_folder = _derived_test(search, train, sample, id_name, class_dir, True)
    return search.layout(class_dir.rel.parent, train_path, test_path, sample,
                         (class_dir.path, test_folder.path, id_name))


def _derived_names(options: TaskOptions, test: Item | None,
                   sample: Item | None) -> tuple[str, str]:
    """Column names of a derived training table: the options', else those of
    sample_submission.csv or the test table, else id and label."""
    header = read_header(sample.path, 1) if sample is not None else []
    if not header and test is not None:
        header = read_header(test.path, 1)[:1]
    id_name = options.id_column or (header[0] if header else "id")
    target = options.target or (header[1] if len(header) == 2 else "label")
    return id_name, (target if target != id_name else "label")


def _derived_test(search: _Search, train: Item, sample: Item | None, column: str,
                  train_place: Item, with_suffix: bool) -> tuple[Path, Item]:
    """No test table: the ids of sample_submission.csv, else the files of a test/ folder."""
    if sample is not None:
        header = read_header(sample.path, 1)
        ids = read_table(sample.path, (header[0],), min_columns=1)[header[0]]
        if header[0] != column:
            raise TaskInputError(f"{sample.path}: its first column '{header[0]}' is not "
                                 f"'{column}', the column naming the training images; give "
                                 "the test ids under that name (or a test table)")
        place = test_place(search.task_dir, ids, search.places.folders, train_place,
                           sample.path, column)
        path = search.write("test.csv", pd.DataFrame({column: ids}))
        search.notes.append(f"test rows: the {len(ids)} ids of {shown(sample.rel)} (no test "
                            f"table), listed in {path}")
        return path, place
    folders = [p for p in search.places.folders
               if p != train_place and words(p.rel.name) & TEST_WORDS]
    if not folders:
        raise _no_test(search, train, sample, images=True)
    best = min(distance(f.rel, train.rel.parent) for f in folders)
    place = one_place(search.task_dir, [f for f in folders
                                        if distance(f.rel, train.rel.parent) == best],
                      TEST_WORDS, "the test rows")
    names = image_names(place.path)
    ids = names if with_suffix else [os.path.splitext(n)[0] for n in names]
    path = search.write("test.csv", pd.DataFrame({column: ids}))
    search.notes.append(f"test rows: the {len(ids)} images in {show_place(place)} (no test "
                        f"table), listed in {path}")
    return path, place


def _no_test(search: _Search, train: Item, sample: Item | None, images: bool) -> LayoutMissing:
    expected = search.task_dir / train.rel.parent / "test.csv"
    if sample is not None and not images:
        return LayoutMissing(
            f"{expected}: not found; {sample.path.name} lists the test ids, but only image "
            "files can stand in for the test features and no folder holds them; add test.csv "
            "with the test rows' features, or pass --images DIR")
    return LayoutMissing(f"{expected}: not found (nor another test table, a "
                         "sample_submission.csv with the test ids, or a test/ image folder)")
