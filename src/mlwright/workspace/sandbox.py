"""Running untrusted candidate code: in a jail (`jail.py`) where one can be made, else in its own
process group and folder with `unshare --net`; always with wall-clock, memory, process-count and
disk limits and an environment with no keys.

Memory is watched as the proportional set size of every process the run started (polled; shared
pages counted once), with an address-space rlimit as a backstop for allocations too quick to
catch. In a jail, the run's processes live in their own PID namespace: when the run ends, for any
reason, they all end with it.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psutil

from mlwright.disk_full import folder_mb
from mlwright.workspace.jail import Exposure, jail_command, jail_unavailable_reason

_KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "OPENBLAS_CORETYPE",
             "OPENBLAS_L2_SIZE")
_POLL_SECONDS = 0.1
_DISK_POLL_SECONDS = 1.0
MAX_PROCESSES = 128  # a run's processes at once: worker pools fit, a fork storm does not
KILL_WAIT_SECONDS = 30.0  # for killed processes to end: freeing memory is slow when starved


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float
    memory_mb: int
    threads: int = 1
    disk_mb: int | None = None  # what the run may write; None: no limit


@dataclass(frozen=True)
class SandboxOutcome:
    exit_code: int | None
    wall_seconds: float
    peak_rss_mb: float
    stopped_for: str | None  # None | timeout | memory | cancelled | processes | disk
    network_isolated: bool
    jailed: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.stopped_for is None


def scrubbed_environment(workdir: Path, threads: int, extra: dict[str, str]) -> dict[str, str]:
    """Only what a Python process needs; keys, tokens and secrets never get through."""
    env = {k: os.environ[k] for k in _KEPT_ENV if k in os.environ}
    env.update(
        HOME=str(workdir),
        TMPDIR=str(workdir / "tmp"),
        PYTHONHASHSEED="0",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        OMP_NUM_THREADS=str(threads),
        OPENBLAS_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        HF_HUB_OFFLINE="1",
        NO_PROXY="*",
    )
    env.update(extra)
    return env


@cache
def network_isolation_available() -> bool:
    """Whether `unshare --net` can give a child its own empty network namespace here."""
    tool = shutil.which("unshare")
    if not tool:
        return False
    try:
        done = subprocess.run(
            [tool, "--net", "--map-root-user", "true"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _rlimits(limits: SandboxLimits) -> dict[int, int]:
    """The address space generously (threads and allocators reserve far more than they touch);
    one file no larger than the run's disk share, so a filler is stopped by the kernel between
    two polls."""
    chosen = {resource.RLIMIT_AS: limits.memory_mb * 4 * 1024 * 1024}
    if limits.disk_mb:
        chosen[resource.RLIMIT_FSIZE] = limits.disk_mb * 1024 * 1024
    return chosen


@cache
def _prlimit() -> str | None:
    return shutil.which("prlimit")


def _rlimit_prefix(limits: SandboxLimits) -> list[str]:
    """prlimit sets the limits before the command starts, so every process it forks has them."""
    tool = _prlimit()
    if not tool:
        return []
    flags = {resource.RLIMIT_AS: "--as", resource.RLIMIT_FSIZE: "--fsize"}
    return [tool, *(f"{flags[k]}={v}" for k, v in _rlimits(limits).items()), "--"]


def _limit_resources(process: psutil.Process, limits: SandboxLimits) -> None:
    """Where there is no prlimit, set after the start (preexec_fn is unsafe beside threads):
    then processes already forked escape them."""
    try:
        if not _prlimit():
            for kind, value in _rlimits(limits).items():
                process.rlimit(kind, (value, value))
        process.nice(5)
    except psutil.Error:
        pass


def _members(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process] + process.children(recursive=True)
    except psutil.Error:
        return []


def tree_memory_mb(members: list[psutil.Process]) -> float:
    """Memory of a set of processes in MB: the sum of their proportional set sizes, which
    counts a page shared by three processes once; resident size where PSS cannot be read."""
    total = 0
    for member in members:
        try:
            total += member.memory_full_info().pss
        except (psutil.Error, AttributeError):
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
    return total / 2**20


def tree_rss_mb(process: psutil.Process) -> float:
    """Memory of a process and all its descendants, in MB (0 once it is gone)."""
    return tree_memory_mb(_members(process))


def run_sandboxed(
    argv: list[str],
    workdir: Path,
    limits: SandboxLimits,
    env_extra: dict[str, str] | None = None,
    cancel: threading.Event | None = None,
    exposure: Exposure | None = None,
) -> SandboxOutcome:
    """Run argv in workdir; stdout.log and stderr.log land there. Blocks until it ends. With
    an EXPOSURE it runs jailed where this machine can make a jail (whether it may run without
    one is the caller's decision, taken before: `jail_unavailable_reason`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "tmp").mkdir(exist_ok=True)
    jailed = exposure is not None and jail_unavailable_reason() is None
    if jailed:
        command = jail_command(argv, workdir, exposure)
        isolated = True
        written = (workdir, *exposure.write)
    else:
        isolated = network_isolation_available()
        isolation = ["unshare", "--net", "--map-root-user"] if isolated else []
        command = isolation + _dies_with_parent() + argv
        written = (workdir,)
    command = _rlimit_prefix(limits) + command
    env = scrubbed_environment(workdir, limits.threads, env_extra or {})
    started = time.monotonic()
    written_before = folder_mb(*written) if limits.disk_mb else 0.0
    peak, stopped_for, disk_checked = 0.0, None, started
    with open(workdir / "stdout.log", "wb") as out, open(workdir / "stderr.log", "wb") as err:
        child = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        watched = psutil.Process(child.pid)
        _limit_resources(watched, limits)
        while child.poll() is None:
            members = _members(watched)
            peak = max(peak, tree_memory_mb(members))
            now = time.monotonic()
            if peak > limits.memory_mb:
                stopped_for = "memory"
            elif len(members) > MAX_PROCESSES:
                stopped_for = "processes"
            elif now - started > limits.wall_seconds:
                stopped_for = "timeout"
            elif cancel is not None and cancel.is_set():
                stopped_for = "cancelled"
            elif limits.disk_mb and now - disk_checked > _DISK_POLL_SECONDS:
                disk_checked = now
                if folder_mb(*written) - written_before > limits.disk_mb:
                    stopped_for = "disk"
            if stopped_for:
                _kill_all(child, members)
                break
            time.sleep(_POLL_SECONDS)
        child.wait()
        if stopped_for:
            _wait_gone([m for m in members if m.pid != child.pid])
        if stopped_for is None and limits.disk_mb and _file_too_large(workdir):
            stopped_for = "disk"
    return SandboxOutcome(
        exit_code=child.returncode,
        wall_seconds=time.monotonic() - started,
        peak_rss_mb=round(peak, 1),
        stopped_for=stopped_for,
        network_isolated=isolated,
        jailed=jailed,
    )


def _file_too_large(workdir: Path) -> bool:
    """A write stopped by RLIMIT_FSIZE ends the process with SIGXFSZ, or its error in stderr."""
    try:
        tail = (workdir / "stderr.log").read_bytes()[-4000:]
    except OSError:
        return False
    return b"File too large" in tail


def _kill_all(child: subprocess.Popen, members: list[psutil.Process]) -> None:
    """The process group, then every process of the tree that left it (setsid)."""
    _kill_group(child)
    for member in members:
        try:
            member.kill()
        except psutil.Error:
            pass


def _wait_gone(members: list[psutil.Process]) -> None:
    """A run is over when its processes are: a jail's die with its PID namespace, after the
    jail's own process ended, and a killed process ends only once its memory is freed."""
    psutil.wait_procs(members, timeout=KILL_WAIT_SECONDS)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@cache
def _setpriv() -> str | None:
    return shutil.which("setpriv")


def _dies_with_parent() -> list[str]:
    """The candidate is killed if the process that started it dies (a Ray worker lost with its
    node, a harness killed by SIGKILL), so no orphan keeps burning CPU. Set after unshare, whose
    change of credentials would clear it."""
    setpriv = _setpriv()
    return [setpriv, "--pdeathsig", "KILL"] if setpriv else []


def python_command(script: Path) -> list[str]:
    """The harness's own interpreter; its path without `..`, which a jail cannot walk."""
    return [os.path.abspath(sys.executable), str(script)]
