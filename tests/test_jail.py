"""Hostile candidates, run as the manager runs a candidate (`run_sandboxed` with the exposure of
a run) in a run folder laid out as a real one: each attack must fail or be caught, and the
harness's files stay as they were. Real jails, no mocks of the isolation."""

import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import psutil
import pytest

from mlwright.paths import RunPaths
from mlwright.workspace.exposures import run_exposure
from mlwright.workspace.jail import jail_unavailable_reason
from mlwright.workspace.sandbox import SandboxLimits, python_command, run_sandboxed

pytestmark = pytest.mark.skipif(jail_unavailable_reason() is not None,
                                reason=f"no jail here: {jail_unavailable_reason()}")
SECRET = "sk-test-not-for-candidates-4417"
HARNESS_FILES = ("journal.sqlite", "final/submission.csv",
                 "candidates/c002/runs/r0001/oof.npy", "candidates/c002/train.py")


@pytest.fixture
def run_folder(tmp_path: Path) -> RunPaths:
    """A run folder beside a task in the MLE-bench layout (public/ and private/ side by side)."""
    task = tmp_path / "task"
    (task / "public").mkdir(parents=True)
    (task / "private").mkdir()
    (task / "private" / "answers.csv").write_text("id,label\n1,SECRET-ANSWER\n")
    paths = RunPaths(tmp_path / "run")
    paths.make()

    (paths.root / "data" / "train.parquet").write_bytes(b"train table")
    paths.folds.write_bytes(b"folds")
    for name in HARNESS_FILES:
        (paths.root / name).parent.mkdir(parents=True, exist_ok=True)
        (paths.root / name).write_text(f"harness {name}")
    (paths.candidates / "c001" / "runs" / "r0001").mkdir(parents=True)
    return paths


def attack(paths: RunPaths, code: str, memory_mb: int = 2000, disk_mb: int | None = None,
           wall_seconds: float = 60):
    """Run CODE as candidate c001's train.py, run r0001; its outcome and stdout."""
    candidate = paths.candidates / "c001"
    (candidate / "train.py").write_text(textwrap.dedent(code))
    run_dir = candidate / "runs" / "r0001"
    env = {"MLWRIGHT_TRAIN": str(paths.root / "data" / "train.parquet"),
           "MLWRIGHT_OUTPUT": str(run_dir), "RUN_ROOT": str(paths.root)}
    outcome = run_sandboxed(python_command(candidate / "train.py"), run_dir,
                            SandboxLimits(wall_seconds, memory_mb, disk_mb=disk_mb), env,
                            exposure=run_exposure(paths, candidate))
    return outcome, (run_dir / "stdout.log").read_text(), (run_dir / "stderr.log").read_text()


def harness_unharmed(paths: RunPaths) -> None:
    for name in HARNESS_FILES:
        assert (paths.root / name).read_text() == f"harness {name}", name


def test_an_honest_candidate_reads_its_inputs_and_writes_its_folder(run_folder):
    outcome, out, err = attack(run_folder, """
        import os
        print(open(os.environ["MLWRIGHT_TRAIN"], "rb").read().decode())
        open(os.path.join(os.environ["MLWRIGHT_OUTPUT"], "oof.npy"), "w").write("mine")
    """)
    assert outcome.ok and outcome.jailed, err
    assert "train table" in out
    assert (run_folder.candidates / "c001" / "runs" / "r0001" / "oof.npy").read_text() == "mine"


def test_it_cannot_read_answers_journal_other_runs_secrets_or_source(run_folder):
    forbidden = [run_folder.root.parent / "task" / "private" / "answers.csv",
                 run_folder.journal, run_folder.root / "candidates/c002/runs/r0001/oof.npy",
                 Path.home() / ".ssh", Path("/etc/shadow"), Path(__file__),
                 Path(__file__).parents[1] / "src" / "mlwright" / "session.py"]
    outcome, out, err = attack(run_folder, f"""
        for path in {[str(p) for p in forbidden]!r}:
            try:
                with open(path, "rb") as f:
                    print("LEAK", path, f.read(40))
            except OSError as exc:
                print("refused", path, type(exc).__name__)
    """)
    assert outcome.ok, err
    assert "LEAK" not in out, out
    assert out.count("refused") == len(forbidden)


def test_it_cannot_write_or_delete_outside_its_folder(run_folder):
    outcome, out, err = attack(run_folder, """
        import os
        root = os.environ["RUN_ROOT"]
        targets = ["final/submission.csv", "journal.sqlite", "candidates/c002/runs/r0001/oof.npy",
                   "candidates/c002/train.py", "cache/poison.npy", "candidates/c001/train.py"]
        for name in targets:
            path = os.path.join(root, name)
            for act in (lambda: open(path, "w").write("pwned"), lambda: os.remove(path)):
                try:
                    act()
                    print("WROTE", name)
                except OSError:
                    pass
    """)
    assert outcome.ok, err
    # what it believed it wrote landed in its own private /tmp (where the run folder's path is
    # rebuilt when the run folder lives under /tmp), never on the harness's files
    harness_unharmed(run_folder)
    assert not (run_folder.cache / "poison.npy").exists()
    assert (run_folder.candidates / "c001" / "train.py").read_text().lstrip().startswith(
        "import os")


def _alive(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if marker in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


@pytest.mark.parametrize("detach", [True, False], ids=["setsid-daemon", "child-left-at-exit-0"])
def test_nothing_it_starts_outlives_it(run_folder, detach):
    marker = "4242.25" if detach else "4243.25"
    outcome, out, err = attack(run_folder, f"""
        import subprocess
        subprocess.Popen(["sleep", "{marker}"], start_new_session={detach})
        print("left a sleeper behind")
    """)
    assert outcome.ok and "left a sleeper" in out, err
    leftovers = _alive(marker)
    for process in leftovers:
        process.kill()
    assert not leftovers


def test_memory_is_counted_for_detached_processes(run_folder):
    outcome, _, err = attack(run_folder, """
        import subprocess, sys, time
        hog = "b = bytearray(300 * 2**20); import time; time.sleep(60)"
        for _ in range(3):
            subprocess.Popen([sys.executable, "-c", hog], start_new_session=True)
        time.sleep(60)
    """, memory_mb=700)
    assert outcome.stopped_for == "memory", (outcome, err)
    assert not _alive("bytearray(300")


def test_a_fork_storm_is_stopped(run_folder):
    outcome, _, err = attack(run_folder, """
        import subprocess, time
        for _ in range(200):
            subprocess.Popen(["sleep", "4244.25"])
        time.sleep(60)
    """)
    assert outcome.stopped_for == "processes", (outcome, err)
    assert not _alive("4244.25")


def test_a_disk_filler_is_stopped_and_named(run_folder):
    outcome, _, err = attack(run_folder, """
        import os
        with open(os.path.join(os.environ["MLWRIGHT_OUTPUT"], "filler"), "wb") as f:
            while True:
                f.write(b"x" * 2**20)
    """, disk_mb=40)
    assert outcome.stopped_for == "disk", (outcome, err)
    assert (run_folder.candidates / "c001/runs/r0001/filler").stat().st_size <= 41 * 2**20


@pytest.fixture
def host_listeners(tmp_path):
    """A TCP server on the host's loopback, a path-named and an abstract Unix socket."""
    servers = []
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    path = tmp_path / "host.sock"
    named = socket.socket(socket.AF_UNIX)
    named.bind(str(path))
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind("\0mlwright-jail-test")
    for server in (tcp, named, abstract):
        server.listen()
        servers.append(server)

    def accept(server):
        try:
            while True:
                server.accept()[0].close()
        except OSError:
            pass

    for server in servers:
        threading.Thread(target=accept, args=(server,), daemon=True).start()
    yield tcp.getsockname()[1], path
    for server in servers:
        server.close()


def test_it_reaches_no_network_and_no_host_socket(run_folder, host_listeners):
    port, path = host_listeners
    # the listeners are real: the same connects from here succeed
    probe = socket.create_connection(("127.0.0.1", port), timeout=5)
    probe.close()
    outcome, out, err = attack(run_folder, f"""
        import socket
        tries = [(socket.AF_INET, ("127.0.0.1", {port})), (socket.AF_UNIX, {str(path)!r}),
                 (socket.AF_UNIX, "\\0mlwright-jail-test"), (socket.AF_INET, ("8.8.8.8", 53))]
        for family, address in tries:
            s = socket.socket(family)
            s.settimeout(3)
            try:
                s.connect(address)
                print("CONNECTED", address)
            except OSError as exc:
                print("refused", type(exc).__name__)
    """)
    assert outcome.ok and outcome.network_isolated, err
    assert "CONNECTED" not in out, out
    assert out.count("refused") == 4


def test_no_key_reaches_it_not_even_through_the_parents_proc(run_folder, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    outcome, out, err = attack(run_folder, f"""
        import os
        found = [k for k, v in os.environ.items() if {SECRET!r} in v]
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if {SECRET!r}.encode() in open(f"/proc/{{pid}}/environ", "rb").read():
                    found.append(pid)
            except OSError:
                pass
        try:
            if {SECRET!r}.encode() in open(f"/proc/{{os.getppid()}}/environ", "rb").read():
                found.append("parent")
        except OSError:
            pass
        print("LEAK" if found else "clean", found)
    """)
    assert outcome.ok, err
    assert "clean" in out and "LEAK" not in out, out


def test_without_a_jail_model_code_is_refused_and_templates_run_weaker(tmp_path, titanic):
    """A bwrap that fails (as where user namespaces are refused): doctor says so, the LLM brain
    refuses to start, and the built-in brain warns at the start and still ends valid."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    env = {**os.environ, "MLWRIGHT_BWRAP": str(fake)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "mlwright", *map(str, args)],
                              capture_output=True, text=True, env=env, timeout=300)

    doctor = cli("doctor")
    assert doctor.returncode == 1 and "Permission denied" in doctor.stdout, doctor.stdout
    refused = cli("run", titanic, "--budget", "10", "--out", tmp_path / "llm", "--brain", "llm",
                  "--model", "openai:any")
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert "jail" in lines[0] and "--unsafe-no-jail" in lines[0]
    assert not (tmp_path / "llm").exists()
    weaker = cli("run", titanic, "--budget", "15", "--out", tmp_path / "builtin")
    assert weaker.returncode == 0, weaker.stderr[-2000:]
    assert "WARNING: no jail" in weaker.stdout + weaker.stderr
    assert (tmp_path / "builtin" / "final" / "submission.csv").exists()


def test_a_real_run_is_jailed_end_to_end(finished_titanic_run):
    _, out = finished_titanic_run
    resources = list(out.glob("candidates/*/runs/*/resources.json"))
    assert resources and all('"jailed": true' in r.read_text() for r in resources)
