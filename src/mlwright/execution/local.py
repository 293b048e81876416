"""Runs candidate processes on this machine, a few at a time."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from mlwright.execution.base import RunOutcome, RunRequest
from mlwright.workspace.sandbox import python_command, run_sandboxed


class LocalExecutor:
    def __init__(self, slots: int, threads_per_run: int):
        self.slots = slots
        self.threads_per_run = threads_per_run
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="candidate")
        self._cancel = threading.Event()
        self._host = socket.gethostname()

    def submit(self, request: RunRequest) -> Future[RunOutcome]:
        return self._pool.submit(self._run, request)

    def _run(self, request: RunRequest) -> RunOutcome:
        outcome = run_sandboxed(
            python_command(request.script), request.run_dir, request.limits, request.env,
            cancel=self._cancel, exposure=request.exposure,
        )
        return RunOutcome(request, outcome, self._host)

    def shutdown(self, cancel: bool) -> None:
        if cancel:
            self._cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=cancel)
