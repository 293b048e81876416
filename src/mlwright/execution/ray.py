"""Runs candidate processes as Ray tasks, on a local Ray instance or an existing cluster.

The executor is still the only code that knows where a run executes. Each run is one Ray task
declaring the CPUs it uses; inside it the same sandbox as on the local executor runs train.py
(wall-clock and memory limits, no network, scrubbed environment). The run folder and the task
data are reached by path, so the cluster's nodes must share the run folder's file system (as
the nodes of a one-machine cluster do, and NFS-backed clusters do). A task whose worker or node
dies becomes a failed run the manager can retry; cancelling at the end of the budget cancels
the outstanding tasks and stops their candidate processes.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path

from mlwright.errors import OptionError
from mlwright.execution.base import RunOutcome, RunRequest
from mlwright.workspace.jail import Exposure
from mlwright.workspace.sandbox import SandboxLimits, SandboxOutcome, python_command, run_sandboxed

CANCEL_FILE = ".cancel"  # a run folder holding this file has been told to stop
CANCEL_GRACE_SECONDS = 5.0


def _run_on_worker(argv: list[str], run_dir: str, limits: dict, env: dict,
                   exposure: dict | None = None) -> dict:
    """The Ray task: the local sandbox, on whichever node Ray chose. Returns plain data."""
    import ray

    folder = Path(run_dir)
    if not Path(argv[-1]).exists():
        raise FileNotFoundError(f"{argv[-1]} is not visible on node {socket.gethostname()}; "
                                "the run folder must be on a file system every node shares")
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_cancel, args=(folder / CANCEL_FILE, stop),
                               daemon=True)
    watcher.start()
    jail = None if exposure is None else Exposure(
        read=tuple(map(Path, exposure["read"])), write=tuple(map(Path, exposure["write"])))
    outcome = run_sandboxed(argv, folder, SandboxLimits(**limits), env, cancel=stop,
                            exposure=jail)
    stop.set()
    node = ray.get_runtime_context().get_node_id()
    return {"outcome": asdict(outcome), "host": f"{socket.gethostname()}/node-{node[:8]}"}


def _watch_cancel(flag: Path, stop: threading.Event) -> None:
    while not stop.is_set():
        if flag.exists():
            stop.set()
            return
        time.sleep(0.2)


class RayExecutor:
    """Slots follow the cluster: as many concurrent runs as its CPUs allow, re-read each time."""

    def __init__(self, address: str | None, threads_per_run: int = 1):
        try:
            import ray
        except ImportError:
            raise OptionError("--executor ray: Ray is not installed; pip install 'mlwright[ray]'"
                              ) from None
        self._ray = ray
        self.threads_per_run = threads_per_run
        if address:
            check_reachable(address)
        try:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False,
                         ignore_reinit_error=True)
            else:
                ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False,
                         log_to_driver=False, ignore_reinit_error=True)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise OptionError(f"--ray-address: cannot connect to a Ray cluster at {address!r} "
                              f"({str(exc).splitlines()[0][:200]})") from None
        self._remote = ray.remote(max_retries=0)(_run_on_worker)
        self._inflight: dict[object, tuple[RunRequest, Future]] = {}
        self._lock = threading.Lock()
        self._closed = False

    @property
    def slots(self) -> int:
        cpus = self._ray.cluster_resources().get("CPU", 0.0)
        return max(1, int(cpus // self.threads_per_run))

    def submit(self, request: RunRequest) -> Future[RunOutcome]:
        limits = asdict(request.limits)
        ref = self._remote.options(num_cpus=request.limits.threads).remote(
            python_command(request.script), str(request.run_dir), limits, request.env,
            None if request.exposure is None else {
                "read": list(map(str, request.exposure.read)),
                "write": list(map(str, request.exposure.write))})
        result: Future[RunOutcome] = Future()
        with self._lock:
            self._inflight[ref] = (request, result)
        ref.future().add_done_callback(lambda done: self._settle(ref, done))
        return result

    def _settle(self, ref, done: Future) -> None:
        with self._lock:
            entry = self._inflight.pop(ref, None)
        if entry is None:
            return  # already settled by shutdown
        request, result = entry
        try:
            value = done.result()
            outcome, host = SandboxOutcome(**value["outcome"]), value["host"]
        except Exception as exc:  # noqa: BLE001 - a lost worker or node is a failed run
            _write_error(request.run_dir, exc)
            cancelled = (request.run_dir / CANCEL_FILE).exists()
            outcome, host = _lost("cancelled" if cancelled else "worker lost"), "ray/unknown"
        _resolve(result, RunOutcome(request, outcome, host))

    def shutdown(self, cancel: bool) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            pending = dict(self._inflight)
        if cancel:
            for request, _ in pending.values():  # the sandbox on the worker stops its process
                request.run_dir.mkdir(parents=True, exist_ok=True)
                (request.run_dir / CANCEL_FILE).touch()
        deadline = time.monotonic() + (CANCEL_GRACE_SECONDS if cancel else 1e9)
        refs = list(pending)
        while refs and time.monotonic() < deadline:
            _, refs = self._ray.wait(refs, num_returns=len(refs), timeout=0.5)
        for ref in refs:
            self._ray.cancel(ref, force=True)
        with self._lock:  # nothing may stay unresolved: the manager waits on these futures
            leftover, self._inflight = dict(self._inflight), {}
        for request, result in leftover.values():
            _resolve(result, RunOutcome(request, _lost("cancelled"), "ray/unknown"))
        self._ray.shutdown()


def check_reachable(address: str) -> None:
    """Fail in seconds with the address named, not after Ray's minute of retries."""
    host, _, port = address.rpartition(":")
    if address.startswith("ray://"):
        raise OptionError("--ray-address: give the head node's HOST:PORT (the GCS address "
                          "`ray start --head` prints), not a ray:// client address")
    if not host or not port.isdigit():
        raise OptionError(f"--ray-address: {address!r} is not HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            pass
    except OSError as exc:
        raise OptionError(f"--ray-address: no Ray head answers at {address} ({exc})") from None


def _lost(reason: str) -> SandboxOutcome:
    return SandboxOutcome(exit_code=-1, wall_seconds=0.0, peak_rss_mb=0.0, stopped_for=reason,
                          network_isolated=False)


def _resolve(result: Future, outcome: RunOutcome) -> None:
    if not result.done():
        result.set_result(outcome)


def _write_error(run_dir: Path, exc: BaseException) -> None:
    """What Ray said about a run that never came back, where the debugger reads logs."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with (run_dir / "stderr.log").open("a") as log:
            log.write(f"\n[mlwright] the Ray task failed: {type(exc).__name__}: "
                      f"{str(exc)[:2000]}\n")
    except OSError:
        pass
