"""Which column is the target, which names the rows, and which submission columns hold one
probability per class: from the user's options, then the sample submission, then the headers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlwright.errors import TaskInputError
from mlwright.task.loading import TaskSource
from mlwright.task.options import TaskOptions
from mlwright.task.spec import Decision

ID_NAMES = re.compile(r"^(id|.*_id|.*Id|.*ID|index|row_?id|key|uid|uuid)$")


@dataclass(frozen=True)
class Headers:
    train: list[str]
    test: list[str]
    sample: list[str] | None


@dataclass(frozen=True)
class Columns:
    target: str
    id_column: str | None
    class_columns: list[str]
    target_decision: Decision
    id_decision: Decision


def identify_columns(source: TaskSource, headers: Headers, options: TaskOptions) -> Columns:
    train_only = [c for c in headers.train if c not in headers.test]
    id_column, id_decision = _id_column(source, headers, options)
    answer_columns = [c for c in (headers.sample or []) if c != id_column]
    if options.target:
        target, decision = options.target, Decision(value=options.target, source="option",
                                                    confidence="high", why="--target")
    elif headers.sample:
        target, decision = _target_from_sample(source, headers, answer_columns, train_only)
    elif len(train_only) == 1:
        target, decision = train_only[0], Decision(
            value=train_only[0], source="files", confidence="high",
            why="the one column train has and test lacks")
    else:
        raise TaskInputError(
            f"{source.files.train}: cannot tell the target without a sample submission; columns "
            f"in train but not in test: {train_only or 'none'}; pass --target COLUMN")
    if target not in headers.train:
        raise TaskInputError(f"{source.files.train}: target column '{target}' not found; "
                             f"columns: {headers.train}")
    class_columns = answer_columns if len(answer_columns) > 1 and target not in answer_columns \
        else []
    return Columns(target, id_column, class_columns, decision, id_decision)


def _id_column(source: TaskSource, headers: Headers,
               options: TaskOptions) -> tuple[str | None, Decision]:
    if options.id_column:
        if options.id_column not in headers.test:
            raise TaskInputError(f"{source.files.test}: --id column '{options.id_column}' not "
                                 f"found; columns: {headers.test}")
        return options.id_column, Decision(value=options.id_column, source="option",
                                           confidence="high", why="--id")
    if headers.sample and headers.sample[0] in headers.test:
        return headers.sample[0], Decision(value=headers.sample[0], source="files",
                                           confidence="high",
                                           why="first column of the sample submission")
    named = next((c for c in headers.test if ID_NAMES.match(c)), None)
    if named:
        return named, Decision(value=named, source="files", confidence="medium",
                               why="its name says it identifies rows")
    return None, Decision(value=None, source="default", confidence="medium",
                          why="no id column: the submission lists predictions in test order")


def _target_from_sample(source: TaskSource, headers: Headers, answer_columns: list[str],
                        train_only: list[str]) -> tuple[str, Decision]:
    in_train = [c for c in answer_columns if c in headers.train]
    if len(answer_columns) == 1 and in_train:
        return in_train[0], Decision(value=in_train[0], source="files", confidence="high",
                                     why="the sample submission's answer column")
    if len(train_only) == 1:
        why = ("one probability column per class of the column train has and test lacks"
               if len(answer_columns) > 1 else "the one column train has and test lacks")
        return train_only[0], Decision(value=train_only[0], source="files", confidence="high",
                                       why=why)
    raise TaskInputError(
        f"{source.files.sample_submission}: cannot tell the target; its columns "
        f"{answer_columns} are not a single column of {source.files.train}; pass --target COLUMN")
