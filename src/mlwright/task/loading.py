"""Finding a task's files in the layouts people ship, and reading its tables.

`locate_task` looks at the task folder (its public/ or prepared/public/ too), unpacks archives
when the files outside them do not make a task, and derives the tables a layout lacks (a
training table listing train/<class>/ images, a test table of the sample submission's ids)
into the workdir. Nothing is ever written into the task folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlwright.errors import TaskInputError
from mlwright.task.layouts import LayoutMissing, find_layout
from mlwright.task.listing import DESCRIPTION_NAMES, Listing, scan, with_archives
from mlwright.task.options import TaskOptions
from mlwright.task.spec import TaskFiles
from mlwright.task.tables import check_ragged, read_header, read_table
from mlwright.task.workdir import Workdir

__all__ = ["TaskSource", "check_ragged", "locate_task", "read_header", "read_table"]


@dataclass(frozen=True)
class TaskSource:
    """The task folder as found on disk, before any understanding."""

    name: str
    files: TaskFiles
    description: str
    notes: list[str] = field(default_factory=list)  # best guesses about the layout, to print


def locate_task(task_dir: Path, options: TaskOptions | None = None,
                workdir: Path | None = None) -> TaskSource:
    """Find the training and test data, the sample submission, the images and the description
    in TASK_DIR. Files mlwright has to derive (tables listing images, unpacked archives) go to
    WORKDIR (a temporary folder removed at exit when None), never into the task folder."""
    options = options or TaskOptions()
    task_dir = Path(task_dir).expanduser()
    if not task_dir.exists():
        raise TaskInputError(f"{task_dir}: task folder does not exist")
    if not task_dir.is_dir():
        raise TaskInputError(f"{task_dir}: is not a folder; pass the folder holding train.csv")
    work = Workdir(workdir)
    listing = scan(task_dir, skip=workdir)
    notes: list[str] = []
    try:
        layout = find_layout(task_dir, listing, options, work)
    except LayoutMissing:
        if not listing.archives:
            raise
        listing = with_archives(listing, work.folder("archives"), notes)
        layout = find_layout(task_dir, listing, options, work)
    description_file = None if options.description else _description_file(listing,
                                                                           layout.data_dir)
    return TaskSource(
        name=_task_name(task_dir.resolve()),
        files=TaskFiles(
            train=layout.train.resolve(),
            test=layout.test.resolve(),
            sample_submission=layout.sample.resolve() if layout.sample else None,
            description=description_file.resolve() if description_file else None,
            train_images=layout.train_images, test_images=layout.test_images,
            image_column=layout.image_column,
        ),
        description=_description_text(options.description, description_file),
        notes=notes + list(layout.notes),
    )


def _description_file(listing: Listing, data_dir: PurePosixPath) -> Path | None:
    """description.md (or README.md, overview.md, ...) beside the data, else in a folder
    above it up to the task folder."""
    for place in (data_dir, *data_dir.parents):
        for name in DESCRIPTION_NAMES:
            for text in listing.texts:
                if text.rel.parent == place and text.path.name.lower() == name:
                    return text.path
    return None


def _task_name(folder: Path) -> str:
    """The task's name, skipping the public/ and prepared/ folders of the known layouts."""
    while folder.name in ("public", "prepared") and folder.parent != folder:
        folder = folder.parent
    return folder.name


def _description_text(option: str | None, found: Path | None) -> str:
    if option:
        try:
            is_file = len(option) < 4096 and Path(option).expanduser().is_file()
        except OSError:  # text too long or odd to be a file name
            is_file = False
        return _read_text(Path(option).expanduser()) if is_file else option
    if found is None:
        return ""  # the files and the options decide; the defaults are announced
    return _read_text(found)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskInputError(f"{path}: cannot read as UTF-8 text ({exc})") from None
