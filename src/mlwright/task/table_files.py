"""Which table file is which: the training table (or features and labels to join), the test
table and the sample submission, chosen among the tables a task folder holds by their names
and places. A clear best guess is taken and noted; two equally good ones are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pandas as pd

from mlwright.errors import TaskInputError
from mlwright.task.listing import Item, Listing, distance, folder_rank, shown, table_role
from mlwright.task.tables import TABLE_SUFFIXES, read_header, read_table, table_stem

_FORMAT_ORDER = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet")
Write = Callable[[str, pd.DataFrame], Path]  # writes a derived table, returns where it is


def tables(listing: Listing, role: str) -> list[Item]:
    roles = ("train", "train_labels") if role == "train" else (role,)
    return [t for t in listing.tables if table_role(t.path) in roles]


def pick_train(task_dir: Path, listing: Listing, write: Write, notes: list[str]) -> Item | None:
    """The training table: in the first place of folder_rank that has one."""
    found = tables(listing, "train")
    if not found:
        return None
    best = min(folder_rank(t.rel.parent) for t in found)
    group = [t for t in found if folder_rank(t.rel.parent) == best]
    folders = sorted({t.rel.parent for t in group})
    if len(folders) > 1:
        raise TaskInputError(
            f"{task_dir}: training tables in {len(folders)} folders "
            f"({', '.join(shown(f) + '/' for f in folders)}); keep one, or pass the folder "
            "that holds the right one as TASK_DIR")
    by_stem = _by_stem(group)
    roles = {table_role(items[0].path) for items in by_stem.values()}
    if len(by_stem) == 2 and roles == {"train", "train_labels"}:
        chosen = _joined(task_dir, by_stem, write, notes)
    elif len(by_stem) > 1:
        names = [shown(items[0].rel) for items in by_stem.values()]
        raise TaskInputError(
            f"{task_dir}: {len(names)} training tables ({', '.join(names)}); keep one "
            "of them, or pass a folder that holds only the right one as TASK_DIR")
    else:
        chosen = _one_format(task_dir, next(iter(by_stem.values())), notes)
    rest = [shown(t.rel) for t in found if t not in group]
    if rest:
        notes.append(f"training table {shown(chosen.rel)}; also found {', '.join(rest)} "
                     "(not used)")
    return chosen


def nearest(task_dir: Path, listing: Listing, role: str, data_dir: PurePosixPath,
            notes: list[str]) -> Item | None:
    """The ROLE table (test, sample) closest to the training data; two as close: refused."""
    found = tables(listing, role)
    if not found:
        return None
    best = min(distance(t.rel.parent, data_dir) for t in found)
    group = [t for t in found if distance(t.rel.parent, data_dir) == best]
    by_stem = _by_stem(group)
    if role == "sample" and len(by_stem) > 1:  # sample_submission before gender_submission
        samples = {s: items for s, items in by_stem.items() if s.startswith("sample")}
        by_stem = samples if len(samples) == 1 else by_stem
    folders = {t.rel.parent for items in by_stem.values() for t in items}
    if len(by_stem) > 1 or len(folders) > 1:
        what = {"sample": "sample submissions", "test": "test tables"}[role]
        names = ", ".join(shown(t.rel) for items in by_stem.values() for t in items)
        raise TaskInputError(f"{task_dir}: {len(group)} {what} ({names}); keep one of "
                             "them, or pass a folder that holds only the right one as TASK_DIR")
    return _one_format(task_dir, next(iter(by_stem.values())), notes)


def _by_stem(items: list[Item]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: str(i.rel)):
        groups.setdefault(table_stem(item.path).lower(), []).append(item)
    return groups


def _one_format(task_dir: Path, items: list[Item], notes: list[str]) -> Item:
    """One table shipped in several formats (train.csv beside train.parquet): the task's own
    file before an archive's, then CSV, TSV, gzipped, Parquet."""
    task = task_dir.resolve()

    def order(item: Item) -> tuple[bool, int]:
        suffix = next(s for s in TABLE_SUFFIXES if item.path.name.lower().endswith(s))
        return task not in item.path.resolve().parents, _FORMAT_ORDER.index(suffix)

    ranked = sorted(items, key=order)
    if len(ranked) > 1:
        notes.append(f"{shown(ranked[0].rel)} used; "
                     f"{', '.join(shown(i.rel) for i in ranked[1:])} taken to be the same table "
                     "in another format")
    return ranked[0]


def _joined(task_dir: Path, by_stem: dict[str, list[Item]], write: Write,
            notes: list[str]) -> Item:
    """Features and labels in two tables (train_values.csv + train_labels.csv): joined on the
    columns they share, into one derived training table."""
    items = {table_role(v[0].path): _one_format(task_dir, v, notes) for v in by_stem.values()}
    features, labels = items["train"], items["train_labels"]
    feature_header, label_header = read_header(features.path, 1), read_header(labels.path, 1)
    common = [c for c in label_header if c in feature_header]
    extra = [c for c in label_header if c not in feature_header]
    if not common or not extra:
        raise TaskInputError(
            f"{task_dir}: two training tables, {shown(features.rel)} and {shown(labels.rel)}, "
            "that are not features and labels sharing an id column; keep one of them")
    left = read_table(features.path, tuple(feature_header), min_columns=1)
    right = read_table(labels.path, tuple(label_header), min_columns=1)
    if right.duplicated(common).any():
        raise TaskInputError(f"{labels.path}: repeated values of {common}; a labels table "
                             "needs one row per training row")
    path = write("train.csv", left.merge(right, on=common, how="left"))
    notes.append(f"training table: {shown(features.rel)} joined with {shown(labels.rel)} on "
                 f"{', '.join(common)}, written to {path}")
    return Item(features.rel, path)
