import os
import socket
import subprocess
import sys

from mlwright.workspace.sandbox import SandboxLimits, run_sandboxed


def _run(tmp_path, code, **limits):
    script = tmp_path / "job.py"
    script.write_text(code)
    defaults = dict(wall_seconds=30, memory_mb=2048)
    defaults.update(limits)
    return run_sandboxed([sys.executable, str(script)], tmp_path / "work", SandboxLimits(**defaults))


def test_runaway_loop_is_stopped_at_its_wall_clock_limit(tmp_path):
    outcome = _run(tmp_path, "while True:\n    pass\n", wall_seconds=1.5)
    assert outcome.stopped_for == "timeout" and not outcome.ok
    assert outcome.wall_seconds < 5


def test_memory_hog_is_stopped(tmp_path):
    code = "import numpy as np\nblocks = []\nwhile True:\n    blocks.append(np.ones(10**7))\n"
    outcome = _run(tmp_path, code, memory_mb=300)
    assert not outcome.ok
    assert outcome.stopped_for == "memory" or outcome.exit_code != 0


def test_environment_is_scrubbed_and_network_is_closed(tmp_path, monkeypatch):
    """Even a server on this machine's loopback is out of reach: an offline machine would pass
    a test that only tried the internet."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        reach = f"socket.create_connection(('127.0.0.1', {port}), timeout=2)"
        code = (
            "import os, socket\n"
            "print('KEY' if 'OPENAI_API_KEY' in os.environ else 'NOKEY')\n"
            f"try:\n    {reach}; print('NET')\n"
            "except OSError:\n    print('NONET')\n"
        )
        reached = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 timeout=30).stdout
        assert "NET" in reached.split()  # the server answers a process outside the jail
        outcome = _run(tmp_path, code)
    out = (tmp_path / "work" / "stdout.log").read_text()
    assert outcome.network_isolated
    assert outcome.ok and "NOKEY" in out and "NONET" in out
    assert os.environ["OPENAI_API_KEY"] == "sk-secret"
