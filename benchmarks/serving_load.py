"""Load on `mlwright serve`, bounded in count and time: p50/p99 latency of 1-row and 1,000-row
requests, and rows per second, on this machine's loopback.

    python benchmarks/serving_load.py RUN_DIR [--requests 200] [--big-requests 30]

RUN_DIR is a finished run; the rows sent are its test table's. Prints one line per case.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd


def _post(url: str, body: bytes) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        answer.read()
    return time.perf_counter() - started


def _case(name: str, url: str, body: bytes, rows: int, count: int, clients: int) -> dict:
    with ThreadPoolExecutor(clients) as pool:
        started = time.perf_counter()
        seconds = list(pool.map(lambda _: _post(url, body), range(count)))
        wall = time.perf_counter() - started
    ms = np.array(seconds) * 1000
    row = {"case": name, "requests": count, "clients": clients,
           "p50_ms": round(float(np.percentile(ms, 50)), 1),
           "p99_ms": round(float(np.percentile(ms, 99)), 1),
           "rows_per_s": round(rows * count / wall, 1)}
    print(json.dumps(row), flush=True)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--big-requests", type=int, default=30)
    args = parser.parse_args(argv)
    test = pd.read_parquet(args.run_dir / "data" / "test.parquet")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "mlwright", "serve", str(args.run_dir),
                               "--port", str(port)], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        one = test.head(1).to_json(orient="records").encode()
        big = pd.concat([test] * (1000 // len(test) + 1)).head(1000)
        thousand = big.to_json(orient="records").encode()
        _post(f"{url}/predict", one)  # warm
        _case("1 row", f"{url}/predict", one, 1, args.requests, 1)
        _case("1 row, 4 clients", f"{url}/predict", one, 1, args.requests, 4)
        _case("1,000 rows", f"{url}/predict", thousand, 1000, args.big_requests, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
