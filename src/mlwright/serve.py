"""`mlwright serve RUN_DIR`: the final model over HTTP (FastAPI + uvicorn, the [serve] extra).

POST /predict takes JSON records (a list, or {"records": [...]}) or a CSV body and returns the
predictions, with probabilities per class where the task has classes; GET /health, GET /schema
(the columns it expects), OpenAPI docs at /docs. The model is loaded once. A request the model
cannot take gets a 4xx naming the problem: an empty, oversized, non-UTF-8 or malformed body,
missing columns, values of the wrong type. Columns it does not know are ignored, with a note.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request  # at module level: FastAPI resolves the annotations here
from fastapi.responses import JSONResponse

from mlwright.api import Model, load
from mlwright.errors import MlwrightError
from mlwright.paths import RunPaths
from mlwright.task.profile import DataProfile

MAX_BODY_BYTES = 100 * 2**20
NUMERIC_KINDS = ("numeric",)


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def expected_columns(run_dir: Path, model: Model) -> list[dict[str, Any]]:
    """The columns a request should carry: the task's test columns with their kinds."""
    profile = DataProfile.model_validate_json(RunPaths(run_dir).profile.read_text())
    kinds = {c.name: (c.kind, c.dtype) for c in profile.columns}
    return [{"name": str(name), "kind": kinds.get(name, ("unknown", ""))[0],
             "dtype": kinds.get(name, ("", "unknown"))[1]} for name in model.feature_names_in_]


def parse_rows(body: bytes, content_type: str, id_column: str | None = None) -> pd.DataFrame:
    """The request's rows as a frame, or BadRequest naming what is wrong with the body."""
    if not body.strip():
        raise BadRequest(400, "empty body: send JSON records or CSV rows")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"body is not UTF-8 (byte {exc.start})") from None
    if "csv" in content_type or (not text.lstrip().startswith(("[", "{")) and "json" not in
                                 content_type):
        try:
            # read as final/predict.py reads a CSV: types inferred, the id kept as text
            return pd.read_csv(io.StringIO(text), dtype={id_column: str} if id_column else None)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise BadRequest(400, f"body is not CSV with a header: {exc}") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(400, f"body is not JSON: {exc.msg} at line {exc.lineno}") from None
    records = payload.get("records") if isinstance(payload, dict) else payload
    if isinstance(payload, dict) and records is None:
        records = [payload]  # one record on its own
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise BadRequest(400, "JSON must be a list of records (objects), or {\"records\": [...]}")
    if not records:
        raise BadRequest(400, "no rows to predict")
    return pd.DataFrame.from_records(records)


def conform(rows: pd.DataFrame, columns: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[str]]:
    """Rows with the expected columns, numbers as numbers; BadRequest for missing columns and
    values of the wrong type; notes for columns ignored."""
    names = [c["name"] for c in columns]
    missing = [n for n in names if n not in rows.columns]
    if missing:
        raise BadRequest(422, f"missing column(s): {', '.join(missing[:10])}"
                         + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
    notes = []
    extra = [str(c) for c in rows.columns if c not in names]
    if extra:
        notes.append(f"ignored column(s) the model does not use: {', '.join(extra[:10])}")
    rows = rows[names].copy()
    for column in columns:
        if column["kind"] not in NUMERIC_KINDS:
            continue
        values = rows[column["name"]]
        numbers = pd.to_numeric(values, errors="coerce")
        wrong = numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
        if wrong.any():
            row = int(np.flatnonzero(wrong.to_numpy())[0])
            raise BadRequest(422, f"column {column['name']!r} holds numbers; row {row} has "
                             f"{values.iloc[row]!r}")
        rows[column["name"]] = numbers
    return rows, notes


def make_app(run_dir: Path):
    run_dir = Path(run_dir).resolve()
    model = load(run_dir)
    columns = expected_columns(run_dir, model)
    classes = model.classes_
    app = FastAPI(title=f"mlwright model: {run_dir.name}",
                  description="Predictions of the final model of an mlwright run.")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "run": str(run_dir), "metric": model.metric,
                "validation_score": model.validation_score}

    @app.get("/schema")
    def schema() -> dict[str, Any]:
        return {"columns": columns, "target": model.task["target"],
                "classes": None if classes is None else [str(c) for c in classes]}

    @app.post("/predict")
    async def predict(request: Request):
        try:
            declared = int(request.headers.get("content-length") or 0)
            if declared > MAX_BODY_BYTES:
                raise BadRequest(413, f"body of {declared} bytes is over the "
                                 f"{MAX_BODY_BYTES // 2**20} MB limit")
            body = bytearray()
            async for chunk in request.stream():
                body.extend(chunk)
                if len(body) > MAX_BODY_BYTES:
                    raise BadRequest(413, f"body is over the {MAX_BODY_BYTES // 2**20} MB limit")
            rows = parse_rows(bytes(body), request.headers.get("content-type", ""),
                              model.task.get("id_column"))
            rows, notes = conform(rows, columns)
            try:
                predicted, proba = model.predict_both(rows)
            except (MlwrightError, ValueError, TypeError, KeyError) as exc:
                raise BadRequest(422, f"could not predict these rows: {exc}") from None
        except BadRequest as bad:
            return JSONResponse({"error": bad.message}, status_code=bad.status)
        answer: dict[str, Any] = {"predictions": _plain(predicted.tolist()), "notes": notes}
        if proba is not None:
            answer["probabilities"] = [{str(k): float(v) for k, v in row.items()}
                                       for row in proba.to_dict(orient="records")]
        return answer

    return app


def _plain(values: list) -> list:
    """JSON-safe values (numpy scalars as Python ones, NaN as null)."""
    out = []
    for value in values:
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        out.append(value)
    return out


def serve(run_dir: Path, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(make_app(run_dir), host=host, port=port, log_level="warning")
