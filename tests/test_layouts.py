"""Task layouts people ship, found from the files: tables in CSV, TSV, gzip and Parquet under
other names than train.csv, archives, one image folder shared by train and test, train/<class>/
image folders, test ids only in sample_submission.csv, descriptions under other names. Real
data: scikit-learn's bundled iris and wine tables and handwritten digits written as PNG/JPEG."""

from __future__ import annotations

import inspect
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits, load_iris, load_wine

from mlwright.bench.suite import find_tasks
from mlwright.errors import TaskInputError
from mlwright.task.loading import locate_task, read_header, read_table
from mlwright.task.options import TaskOptions, task_options
from mlwright.task.profile import profile
from mlwright.task.understand import understand
from tests.conftest import mlwright

ACCURACY = "# Task\n\nPredict the class of each row.\n\n## Evaluation\nAccuracy.\n"


# ---- building real tasks -------------------------------------------------------------------


def _snapshot(folder: Path) -> list[tuple[str, int, int]]:
    """Every file under FOLDER with its size and time: the task folder must not change."""
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in folder.rglob("*"))


def _iris(ids_from: int = 0) -> pd.DataFrame:
    data = load_iris(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = data.target_names[data.target]
    frame = frame.drop(columns="target").sample(frac=1.0, random_state=0).reset_index(drop=True)
    frame.insert(0, "id", [f"{i:04d}" for i in range(ids_from, ids_from + len(frame))])
    return frame


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep="\t" if ".tsv" in name else ",")


def _iris_task(folder: Path, train: str = "train.csv", test: str = "test.csv",
               sample: str | None = "sample_submission.csv",
               description: str | None = "description.md") -> Path:
    frame = _iris()
    _write(frame.iloc[:120], folder / train)
    _write(frame.iloc[120:].drop(columns="species"), folder / test)
    if sample:
        _write(frame.iloc[120:][["id"]].assign(species="setosa"), folder / sample)
    if description:
        (folder / description).write_text(ACCURACY)
    return folder


def _digits(rows: int) -> tuple[np.ndarray, np.ndarray]:
    digits = load_digits()
    return (digits.images[:rows] / 16.0 * 255).astype(np.uint8), digits.target[:rows]


def _save(pixels: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, mode="L").save(path, **({"quality": 95} if path.suffix == ".jpg"
                                                     else {}))


def _shared_images_task(folder: Path, rows: int = 200, with_suffix: bool = False,
                        images: str = "images", suffix: str = ".jpg") -> pd.DataFrame:
    """MNIST as JPEGs in one images/ folder; test.csv holds only image_id."""
    pixels, labels = _digits(rows)
    names = [f"digit{i:05d}" for i in range(rows)]
    for name, image in zip(names, pixels, strict=True):
        _save(image, folder / images / f"{name}{suffix}")
    ids = [n + suffix if with_suffix else n for n in names]
    frame = pd.DataFrame({"image_id": ids, "label": labels})
    cut = int(rows * 0.8)
    _write(frame.iloc[:cut], folder / "train.csv")
    _write(frame.iloc[cut:][["image_id"]], folder / "test.csv")
    _write(frame.iloc[cut:].assign(label=0), folder / "sample_submission.csv")
    (folder / "description.md").write_text(ACCURACY)
    return frame.iloc[cut:]


def _class_folders_task(folder: Path, rows: int = 120, test: str = "folder") -> list[str]:
    """ImageFolder: train/<digit>/<n>.png; test images in test/ or listed by the sample."""
    pixels, labels = _digits(rows)
    cut = int(rows * 0.75)
    for i in range(cut):
        _save(pixels[i], folder / "train" / f"class_{labels[i]}" / f"{i:04d}.png")
    test_ids = [f"t{i:04d}.png" for i in range(cut, rows)]
    for name, image in zip(test_ids, pixels[cut:], strict=True):
        _save(image, folder / "test" / name)
    if test == "sample":
        pd.DataFrame({"file": test_ids, "digit": "class_0"}).to_csv(
            folder / "sample_submission.csv", index=False)
    (folder / "README.md").write_text(ACCURACY)
    return test_ids


def _understood(source, options: TaskOptions | None = None):
    """understand(source, options) once the lead's change lands; understand(source) before."""
    if len(inspect.signature(understand).parameters) > 1:
        return understand(source, options or TaskOptions())
    return understand(source)


def _check(task: Path, work: Path, target: str, id_column: str | None, rows: tuple[int, int],
           images: list[str] | None = None, options: TaskOptions | None = None):
    before = _snapshot(task)
    source = locate_task(task, options, workdir=work)
    data = _understood(source, options)
    spec = data.spec
    assert (spec.target, spec.id_column) == (target, id_column), spec.notes
    assert (len(data.train), len(data.test)) == rows
    _, schema = profile(spec, data.train, data.test)
    assert schema.images == (images or []), schema
    assert _snapshot(task) == before, "the task folder was written to"
    return source, data, schema


def _one_line_error(call, *words: str) -> str:
    with pytest.raises(TaskInputError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, message
    return message


# ---- 1. tables -----------------------------------------------------------------------------


@pytest.mark.parametrize("train,test", [
    ("train.csv", "test.csv"), ("train.tsv", "test.tsv"), ("train.csv.gz", "test.csv.gz"),
    ("train.tsv.gz", "test.tsv.gz"), ("train.parquet", "test.parquet"),
    ("training.csv", "testing.csv"), ("train_data.csv", "test_data.csv"),
    ("iris_train.parquet", "test_features.parquet"), ("data/train.csv", "data/test.csv"),
])
def test_tables_in_any_format_and_name(tmp_path, train, test):
    task = _iris_task(tmp_path / "iris", train, test)
    source, data, _ = _check(task, tmp_path / "work", "species", "id", (120, 30))
    assert source.files.train == (task / train).resolve()
    assert data.train["id"].iloc[0] == "0000"  # ids kept as written text
    assert source.files.description == (task / "description.md").resolve()
    assert not (tmp_path / "work").exists()  # nothing needed deriving


@pytest.mark.parametrize("name", ["t.csv.gz", "t.tsv", "t.parquet"])
def test_read_table_keeps_ids_and_labels_as_text(tmp_path, name):
    frame = pd.DataFrame({"id": ["007", "010", "200"], "x": [1.5, 2.0, None], "y": [1, 2, 3]})
    _write(frame, tmp_path / name)
    assert read_header(tmp_path / name) == ["id", "x", "y"]
    read = read_table(tmp_path / name, string_columns=("id", "y"))
    assert read["id"].tolist() == ["007", "010", "200"] and read["y"].tolist() == ["1", "2", "3"]
    assert read["x"].isna().sum() == 1


def test_broken_tables_name_the_file(tmp_path):
    (tmp_path / "train.csv.gz").write_text("id,y\n1,2\n")
    _one_line_error(lambda: read_header(tmp_path / "train.csv.gz"), "train.csv.gz", "gzip")
    (tmp_path / "train.parquet").write_bytes(b"PAR1 not really")
    _one_line_error(lambda: read_table(tmp_path / "train.parquet"), "train.parquet", "Parquet")


def test_same_table_in_two_formats_is_noted(tmp_path):
    task = _iris_task(tmp_path / "iris")
    _write(_iris().iloc[:120], task / "train.parquet")
    source = locate_task(task, workdir=tmp_path / "work")
    assert source.files.train.name == "train.csv"
    assert any("train.parquet" in note and "same table" in note for note in source.notes)


def test_prepared_public_before_a_raw_copy_of_all_the_data(tmp_path):
    task = tmp_path / "competition"
    _iris_task(task / "prepared" / "public")
    _write(_iris(), task / "raw" / "train.csv")  # the original data: test rows with answers
    _write(_iris(), task / "prepared" / "private" / "test.csv")
    source = locate_task(task, workdir=tmp_path / "work")
    assert source.files.train == (task / "prepared" / "public" / "train.csv").resolve()
    assert source.files.test == (task / "prepared" / "public" / "test.csv").resolve()
    assert any("raw/train.csv (not used)" in note for note in source.notes)


def test_two_training_tables_are_refused(tmp_path):
    task = _iris_task(tmp_path / "iris")
    _write(_iris().iloc[:100], task / "train_v2.csv")
    _one_line_error(lambda: locate_task(task, workdir=tmp_path / "w"),
                    "2 training tables", "train.csv", "train_v2.csv", "TASK_DIR")


def test_features_and_labels_tables_are_joined(tmp_path):
    task = tmp_path / "wine"
    wine = load_wine(as_frame=True).frame.sample(frac=1.0, random_state=1)
    wine.insert(0, "row_id", range(len(wine)))
    features = wine.drop(columns="target")
    _write(features.iloc[:140], task / "train_values.csv")
    _write(wine.iloc[:140][["row_id", "target"]].sample(frac=1.0, random_state=2),
           task / "train_labels.csv")
    _write(features.iloc[140:], task / "test_values.csv")
    (task / "overview.md").write_text(ACCURACY)
    source, data, _ = _check(task, tmp_path / "work", "target", "row_id", (140, len(wine) - 140))
    truth = dict(zip(wine["row_id"].astype(str), wine["target"].astype(str), strict=True))
    assert data.train["target"].tolist() == data.train["row_id"].map(truth).tolist()
    assert source.files.train.parent == (tmp_path / "work" / "derived").resolve()
    assert source.files.description.name == "overview.md"


# ---- 2. archives ---------------------------------------------------------------------------


def test_zipped_public_folder_is_unpacked_once(tmp_path):
    staging = _iris_task(tmp_path / "staging" / "public")
    task = tmp_path / "task"
    task.mkdir()
    with zipfile.ZipFile(task / "iris.zip", "w") as archive:
        for path in staging.rglob("*"):
            archive.write(path, path.relative_to(staging.parent))
    work = tmp_path / "work"
    source, _, _ = _check(task, work, "species", "id", (120, 30))
    assert work.resolve() in source.files.train.parents
    assert source.files.description is not None and source.files.description.name == \
        "description.md"
    assert any("unpacked iris.zip" in note for note in source.notes)
    unpacked = list((work / "archives").iterdir())
    stamp = source.files.train.stat().st_mtime_ns
    again = locate_task(task, workdir=work)
    assert list((work / "archives").iterdir()) == unpacked
    assert again.files.train.stat().st_mtime_ns == stamp  # not unpacked a second time


def test_tarred_tables_and_zipped_images_beside_them(tmp_path):
    task = tmp_path / "digits"
    held_out = _shared_images_task(tmp_path / "staging", rows=100)
    task.mkdir()
    with tarfile.open(task / "tables.tgz", "w:gz") as archive:
        for name in ("train.csv", "test.csv"):
            archive.add(tmp_path / "staging" / name, name)
    (tmp_path / "staging" / "sample_submission.csv").rename(task / "sample_submission.csv")
    with zipfile.ZipFile(task / "images.zip", "w") as archive:  # loose images: go to images/
        for path in sorted((tmp_path / "staging" / "images").iterdir()):
            archive.write(path, path.name)
    source, data, schema = _check(task, tmp_path / "work", "label", "image_id", (80, 20),
                                  images=["image_id"])
    assert data.test["image_id"].tolist() == held_out["image_id"].tolist()
    assert schema.image_size == [8, 8]


@pytest.mark.parametrize("member", ["../evil.csv", "/tmp/evil.csv", "data/../../evil.csv"])
def test_archive_member_outside_its_folder_is_refused(tmp_path, member):
    task = tmp_path / "task"
    task.mkdir()
    with zipfile.ZipFile(task / "data.zip", "w") as archive:
        archive.writestr("train.csv", "id,y\n1,2\n")
        archive.writestr(member, "id,y\n1,2\n")
    _one_line_error(lambda: locate_task(task, workdir=tmp_path / "work"), "data.zip", member,
                    "outside")
    assert not (tmp_path / "evil.csv").exists()
    assert not list((tmp_path / "work").rglob("*.csv"))


def test_tar_link_outside_its_folder_is_refused(tmp_path):
    task = tmp_path / "task"
    task.mkdir()
    with tarfile.open(task / "data.tar", "w") as archive:
        link = tarfile.TarInfo("train.csv")
        link.type, link.linkname = tarfile.SYMTYPE, "../../outside.csv"
        archive.addfile(link)
        body = b"id,y\n1,2\n"
        info = tarfile.TarInfo("test.csv")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    _one_line_error(lambda: locate_task(task, workdir=tmp_path / "work"), "data.tar", "outside")


# ---- 3. images -----------------------------------------------------------------------------


@pytest.mark.parametrize("with_suffix,folder,suffix", [
    (False, "images", ".jpg"), (True, "imgs", ".jpg"), (False, "data", ".jpg"),
    (False, "images", ".JPG")])
def test_one_image_folder_shared_by_train_and_test(tmp_path, with_suffix, folder, suffix):
    task = tmp_path / "mnist"
    _shared_images_task(task, with_suffix=with_suffix, images=folder, suffix=suffix)
    source, _, schema = _check(task, tmp_path / "work", "label", "image_id", (160, 40),
                               images=["image_id"])
    assert source.files.train_images == source.files.test_images == (task / folder).resolve()
    assert schema.image_dirs == [str((task / folder).resolve())]
    assert not (tmp_path / "work").exists()


def test_train_and_test_image_folders_with_the_same_file_names(tmp_path):
    task = tmp_path / "digits"
    pixels, labels = _digits(100)
    for i in range(100):  # both folders number their images from 0
        _save(pixels[i], task / ("train" if i < 80 else "test") / f"{i % 80}.png")
    pd.DataFrame({"id": range(80), "label": labels[:80]}).to_csv(task / "train.csv", index=False)
    pd.DataFrame({"id": range(20)}).to_csv(task / "test.csv", index=False)
    (task / "description.md").write_text(ACCURACY)
    source, data, schema = _check(task, tmp_path / "work", "label", "id", (80, 20),
                                  images=["image_file"])
    # Candidates look names up in every image folder: each row names its own file instead.
    assert data.test["image_file"].tolist()[:2] == ["test/0.png", "test/1.png"]
    assert data.train["image_file"].tolist()[:2] == ["train/0.png", "train/1.png"]
    assert schema.image_dirs == [str(task.resolve())]
    assert any("both hold files" in note for note in source.notes)


def test_class_folders_with_a_flat_test_folder(tmp_path):
    task = tmp_path / "folders"
    test_ids = _class_folders_task(task)
    source, data, schema = _check(task, tmp_path / "work", "label", "id", (90, 30),
                                  images=["id"])
    assert sorted(data.train["label"].unique())[:2] == ["class_0", "class_1"]
    assert data.train["id"].iloc[0].startswith("class_") and data.test["id"].tolist() == test_ids
    assert source.files.train_images == (task / "train").resolve()
    assert source.files.test_images == (task / "test").resolve()
    assert source.files.description.name == "README.md"
    assert any("class folders of train/" in note for note in source.notes)
    assert schema.image_size == [8, 8]


def test_class_folders_with_test_ids_in_the_sample_submission(tmp_path):
    task = tmp_path / "folders"
    test_ids = _class_folders_task(task, test="sample")
    source, data, _ = _check(task, tmp_path / "work", "digit", "file", (90, 30), images=["file"])
    assert data.test["file"].tolist() == test_ids
    assert any("ids of sample_submission.csv" in note for note in source.notes)


def test_image_paths_in_a_column_still_work(tmp_path):
    task = tmp_path / "paths"
    pixels, labels = _digits(100)
    paths = [f"pictures/p{i}.png" for i in range(100)]
    for path, image in zip(paths, pixels, strict=True):
        _save(image, task / path)
    frame = pd.DataFrame({"id": range(100), "image": paths, "label": labels})
    frame.iloc[:80].to_csv(task / "train.csv", index=False)
    frame.iloc[80:].drop(columns="label").to_csv(task / "test.csv", index=False)
    (task / "description.md").write_text(ACCURACY)
    source, _, schema = _check(task, tmp_path / "work", "label", "id", (80, 20),
                               images=["image"])
    assert source.files.train_images is None and schema.image_dirs == [str(task.resolve())]


def test_images_option_says_where_the_images_are(tmp_path):
    task = tmp_path / "mnist"
    _shared_images_task(task)
    elsewhere = tmp_path / "elsewhere"
    (task / "images").rename(elsewhere)
    message = _one_line_error(lambda: locate_task(task, workdir=tmp_path / "w"),
                              "test.csv", "--images")
    assert "image_id" in message
    options = task_options(images=elsewhere)
    source, _, _ = _check(task, tmp_path / "work", "label", "image_id", (160, 40),
                          images=["image_id"], options=options)
    assert source.files.train_images == elsewhere.resolve()


def test_two_image_folders_that_could_both_be_it(tmp_path):
    task = tmp_path / "mnist"
    _shared_images_task(task)
    _shared_images_task(tmp_path / "copy")
    (tmp_path / "copy" / "images").rename(task / "thumbnails")
    _one_line_error(lambda: locate_task(task, workdir=tmp_path / "w"),
                    "images/", "thumbnails/", "--images DIR")
    options = task_options(images=task / "thumbnails")
    source = locate_task(task, options, workdir=tmp_path / "w")
    assert source.files.train_images == (task / "thumbnails").resolve()


# ---- 4. test ids only in sample_submission.csv ---------------------------------------------


def test_test_ids_from_the_sample_submission_beside_images(tmp_path):
    task = tmp_path / "mnist"
    held_out = _shared_images_task(task)
    (task / "test.csv").unlink()
    source, data, _ = _check(task, tmp_path / "work", "label", "image_id", (160, 40),
                             images=["image_id"])
    assert data.test["image_id"].tolist() == held_out["image_id"].tolist()
    assert source.files.test == (tmp_path / "work" / "derived" / "test.csv").resolve()


def test_test_ids_alone_without_images_are_refused(tmp_path):
    task = _iris_task(tmp_path / "iris")
    (task / "test.csv").unlink()
    _one_line_error(lambda: locate_task(task, workdir=tmp_path / "w"),
                    "test.csv", "not found", "sample_submission.csv")


def test_id_only_test_table_without_images_is_refused(tmp_path):
    task = _iris_task(tmp_path / "iris")
    _iris().iloc[120:][["id"]].to_csv(task / "test.csv", index=False)
    _one_line_error(lambda: locate_task(task, workdir=tmp_path / "w"),
                    "test.csv", "'id'", "--images DIR")


# ---- 5. description ------------------------------------------------------------------------


def test_description_under_other_names_or_none(tmp_path):
    task = _iris_task(tmp_path / "iris", train="public/train.csv", test="public/test.csv",
                      sample="public/sample_submission.csv", description=None)
    assert locate_task(task).description == ""
    (task / "README.txt").write_text("iris, from the task folder")
    assert locate_task(task).description == "iris, from the task folder"
    (task / "public" / "description.txt").write_text("iris, beside the data")
    assert locate_task(task).description == "iris, beside the data"
    told = locate_task(task, TaskOptions(description="told"))
    assert told.description == "told" and told.files.description is None
    (tmp_path / "mine.md").write_text("from a file")
    assert locate_task(task, TaskOptions(description=str(tmp_path / "mine.md"))).description \
        == "from a file"


# ---- 7. bench ------------------------------------------------------------------------------


def test_bench_finds_tasks_of_every_layout(tmp_path):
    suite = tmp_path / "suite"
    _iris_task(suite / "parquet", "train.parquet", "test.parquet")
    _class_folders_task(suite / "folders", rows=40)
    (suite / "zipped").mkdir()
    with zipfile.ZipFile(suite / "zipped" / "data.zip", "w") as archive:
        archive.writestr("train.csv", "id,y\n1,2\n")
    (suite / "notes").mkdir()
    (suite / "notes" / "todo.txt").write_text("not a task")
    assert [p.name for p in find_tasks(suite, ())] == ["folders", "parquet", "zipped"]
    assert not list((suite / "zipped").glob("*.csv"))  # listed without unpacking


# ---- the command line ----------------------------------------------------------------------


def _assert_submission(out: Path, columns: list[str], ids: list[str]) -> None:
    submission = pd.read_csv(out / "final" / "submission.csv", dtype=str)
    assert submission.columns.tolist() == columns
    assert submission[columns[0]].tolist() == ids


def test_shared_image_folder_end_to_end(tmp_path):
    task = tmp_path / "mnist"
    held_out = _shared_images_task(task, rows=300)
    before = _snapshot(task)
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "20", "--out", out, timeout=200)
    assert result.returncode == 0, result.stderr[-2000:]
    _assert_submission(out, ["image_id", "label"], held_out["image_id"].tolist())
    assert _snapshot(task) == before


def test_zipped_task_end_to_end(tmp_path):
    staging = _iris_task(tmp_path / "staging")
    task = tmp_path / "task"
    task.mkdir()
    with zipfile.ZipFile(task / "iris.zip", "w") as archive:
        for path in staging.iterdir():
            archive.write(path, f"iris/{path.name}")
    out = tmp_path / "run"
    result = mlwright("run", task, "--budget", "20", "--out", out, timeout=200)
    assert result.returncode == 0, result.stderr[-2000:]
    _assert_submission(out, ["id", "species"], _iris().iloc[120:]["id"].tolist())
    assert sorted(p.name for p in task.iterdir()) == ["iris.zip"]
    assert (out / "data" / "inputs" / "archives").is_dir()
