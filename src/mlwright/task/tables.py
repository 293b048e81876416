"""Reading a task's tables (CSV, TSV, either gzipped, Parquet), with errors that name the file
and the fault. Ids and the target are kept as written text (`string_columns`)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd

from mlwright.errors import TaskInputError

# Longest first: a name is matched against these in order.
TABLE_SUFFIXES = (".csv.gz", ".tsv.gz", ".parquet", ".csv", ".tsv")
_PANDAS_INDEX = "__index_level_"  # a frame's index pandas stored as a column of a Parquet file


def table_suffix(path: Path) -> str | None:
    """The table format a file's name says (".csv", ".tsv.gz", ...), or None."""
    name = path.name.lower()
    return next((s for s in TABLE_SUFFIXES if name.endswith(s) and len(name) > len(s)), None)


def table_stem(path: Path) -> str:
    """The name without its table suffix: 'train' for train.csv.gz."""
    suffix = table_suffix(path)
    return path.name[: -len(suffix)] if suffix else path.stem


def _is_parquet(path: Path) -> bool:
    return table_suffix(path) == ".parquet"


def _delimiter(path: Path) -> str:
    return "\t" if (table_suffix(path) or "").startswith(".tsv") else ","


def _open_text(path: Path, errors: str = "strict") -> io.TextIOBase:
    if (table_suffix(path) or "").endswith(".gz"):
        return gzip.open(path, "rt", newline="", encoding="utf-8", errors=errors)
    return open(path, newline="", encoding="utf-8", errors=errors)


def read_header(path: Path, min_columns: int = 2) -> list[str]:
    """The column names of a table, checked: readable, not empty, no blank or repeated names."""
    header = _parquet_header(path) if _is_parquet(path) else _text_header(path)
    if len(header) < min_columns:
        raise TaskInputError(f"{path}: not a table with several columns (header has "
                             f"{len(header)})")
    if any(not name for name in header):
        raise TaskInputError(f"{path}: header has a blank column name")
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise TaskInputError(f"{path}: duplicate column names {duplicates}")
    return header


def _text_header(path: Path) -> list[str]:
    try:
        with _open_text(path) as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        raise TaskInputError(f"{path}: not a CSV (not UTF-8 text)") from None
    except (gzip.BadGzipFile, EOFError):
        raise TaskInputError(f"{path}: not a gzip-compressed table; unpack it or rename it "
                             f"without .gz") from None
    except OSError as exc:
        raise TaskInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not first.strip():
        raise TaskInputError(f"{path}: empty file; expected a header line and data rows")
    if "\x00" in first:
        raise TaskInputError(f"{path}: not a CSV (binary content)")
    return [name.strip() for name in next(csv.reader([first], delimiter=_delimiter(path)))]


def _parquet_header(path: Path) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise TaskInputError(f"{path}: not a readable Parquet file "
                             f"({str(exc).splitlines()[0]})") from None
    if not names:
        raise TaskInputError(f"{path}: Parquet file without columns")
    return [str(n).strip() for n in names if not str(n).startswith(_PANDAS_INDEX)]


def check_ragged(path: Path, width: int) -> None:
    """Every row must have as many fields as the header; pandas would silently pad short ones."""
    with _open_text(path, errors="replace") as handle:
        reader = csv.reader(handle, delimiter=_delimiter(path))
        next(reader, None)
        for line_number, row in enumerate(reader, start=2):
            if row and len(row) != width:
                raise TaskInputError(
                    f"{path}: line {line_number} has {len(row)} fields, the header has {width}"
                )


def read_table(path: Path, string_columns: tuple[str, ...] = (),
               min_columns: int = 2) -> pd.DataFrame:
    """Read a whole table; `string_columns` are kept as written (class labels, ids)."""
    header = read_header(path, min_columns)
    if _is_parquet(path):
        frame = _read_parquet(path, string_columns)
    else:
        check_ragged(path, len(header))
        try:
            frame = pd.read_csv(path, sep=_delimiter(path),
                                dtype={c: str for c in string_columns if c in header})
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError, EOFError) as exc:
            raise TaskInputError(f"{path}: not a readable table "
                                 f"({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise TaskInputError(f"{path}: has a header but no data rows")
    return frame


def read_head(path: Path, rows: int = 20) -> pd.DataFrame:
    """The first rows of a table, every value as text: enough to see what names what."""
    if _is_parquet(path):
        import pyarrow.parquet as pq

        try:
            batch = next(pq.ParquetFile(path).iter_batches(batch_size=rows), None)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds; all mean unreadable
            raise TaskInputError(f"{path}: not a readable Parquet file "
                                 f"({str(exc).splitlines()[0]})") from None
        frame = batch.to_pandas() if batch is not None else pd.DataFrame()
        frame = frame[[c for c in frame.columns if not str(c).startswith(_PANDAS_INDEX)]]
        return _as_text(frame, tuple(frame.columns))
    header = read_header(path, min_columns=1)
    try:
        return pd.read_csv(path, sep=_delimiter(path), nrows=rows, dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, EOFError) as exc:
        check_ragged(path, len(header))  # names the line, where that is the fault
        raise TaskInputError(f"{path}: not a readable table ({str(exc).splitlines()[0]})") \
            from None


def _read_parquet(path: Path, string_columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds; all mean unreadable
        raise TaskInputError(f"{path}: not a readable Parquet file "
                             f"({str(exc).splitlines()[0]})") from None
    frame = frame.reset_index(drop=True)
    frame = frame[[c for c in frame.columns if not str(c).startswith(_PANDAS_INDEX)]]
    for column in frame.columns:  # categories as their values, as a CSV would give them
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    return _as_text(frame, string_columns)


def _as_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Typed values as a CSV would have written them: 3 (not 3.0) for a whole-number float."""
    frame = frame.copy()
    for column in (c for c in columns if c in frame.columns):
        values = frame[column]
        if values.dtype.kind == "f" and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")
        frame[column] = values.astype(str).where(values.notna())
    return frame
