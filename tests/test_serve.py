"""`mlwright serve` on a loopback port (uvicorn, a real server) and `mlwright export --mlflow`:
the same numbers as final/predict.py, and every bad request a 4xx that names its problem."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pandas as pd
import pytest

from tests.conftest import mlwright

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(url: str, body: bytes | None = None, content_type: str = "application/json",
          headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(scope="module")
def server(finished_titanic_run):
    task, out = finished_titanic_run
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "mlwright", "serve", str(out), "--port",
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if _call(f"{url}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    yield url, task, out
    process.terminate()
    process.wait(timeout=30)


def test_predictions_over_http_are_final_predict_pys(server):
    url, task, out = server
    test = pd.read_csv(task / "test.csv")
    written = pd.read_csv(out / "final" / "submission.csv")
    records = json.loads(test.to_json(orient="records"))
    status, answer = _call(f"{url}/predict", json.dumps(records).encode())
    assert status == 200, answer
    assert [str(v) for v in answer["predictions"]] == written["Survived"].astype(str).tolist()
    assert all(abs(sum(p.values()) - 1) < 1e-6 for p in answer["probabilities"])
    status, as_csv = _call(f"{url}/predict", test.to_csv(index=False).encode(), "text/csv")
    assert status == 200 and as_csv["predictions"] == answer["predictions"]
    status, one = _call(f"{url}/predict", json.dumps({**records[0], "extra": 1}).encode())
    assert status == 200 and one["predictions"] == answer["predictions"][:1]
    assert "extra" in one["notes"][0]  # an unknown column is ignored, and said so
    status, schema = _call(f"{url}/schema")
    assert status == 200 and "Pclass" in [c["name"] for c in schema["columns"]]
    assert "Survived" not in [c["name"] for c in schema["columns"]]
    with urllib.request.urlopen(f"{url}/docs", timeout=30) as docs:
        assert docs.status == 200


def test_bad_requests_are_4xx_naming_the_problem(server):
    url, task, _ = server
    record = json.loads(pd.read_csv(task / "test.csv").head(1).to_json(orient="records"))[0]
    cases = [
        (b"", "application/json", 400, "empty"),
        (b"\xff\xfe\x00bad", "application/json", 400, "UTF-8"),
        (b"[{\"Pclass\": 3,", "application/json", 400, "JSON"),
        (b"[1, 2]", "application/json", 400, "records"),
        (json.dumps([{k: v for k, v in record.items() if k != "Age"}]).encode(),
         "application/json", 422, "Age"),
        (json.dumps([{**record, "Age": "old"}]).encode(), "application/json", 422, "Age"),
    ]
    for body, kind, status, words in cases:
        got, answer = _call(f"{url}/predict", body, kind)
        assert got == status and words in answer["error"], (body[:40], got, answer)
    got, answer = _call(f"{url}/predict", b"[]", headers={"Content-Length": "2"})
    assert got == 400
    # a body declared over 100 MB is refused before it is read
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 200000000\r\n\r\n[")
        reply = b""
        while b"}" not in reply.partition(b"\r\n\r\n")[2]:  # headers, then the JSON body
            part = raw.recv(65536)
            if not part:
                break
            reply += part
    assert reply.startswith(b"HTTP/1.1 413") and b"MB" in reply
    assert _call(f"{url}/health")[0] == 200  # still serving


def test_serve_refuses_a_folder_without_a_model(tmp_path):
    result = mlwright("serve", tmp_path)
    assert result.returncode == 2 and "no final model" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_mlflow_model_predicts_what_final_predict_py_writes(finished_titanic_run, tmp_path):
    pytest.importorskip("mlflow")
    import mlflow.pyfunc

    task, out = finished_titanic_run
    exported = mlwright("export", out, "--mlflow", tmp_path / "mlflow-model")
    assert exported.returncode == 0, exported.stderr[-2000:]
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "mlflow-model"))
    test = pd.read_csv(task / "test.csv", dtype={"PassengerId": str})  # ids are text
    predicted = loaded.predict(test)
    written = pd.read_csv(out / "final" / "submission.csv")
    assert predicted["Survived"].astype(str).tolist() == written["Survived"].astype(str).tolist()
    inputs = loaded.metadata.get_input_schema().input_names()
    assert "Pclass" in inputs and "Survived" not in inputs
    again = mlwright("export", out, "--mlflow", tmp_path / "mlflow-model")
    assert again.returncode == 2 and "already exists" in again.stderr
