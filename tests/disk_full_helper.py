"""Run inside a private mount namespace (`unshare -m`, or `-rm` without root): a real run on a
small tmpfs, the disk filled once the first model is in, then room made and the run resumed.
Writes what happened as JSON for tests/test_run_folder.py to judge."""

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BALLAST_CHUNK = b"\0" * 2**20


def _finished_ok(journal: Path) -> set[str]:
    try:
        with sqlite3.connect(journal) as db:
            rows = db.execute("SELECT run, payload FROM events WHERE kind = 'run_finished'")
            return {run for run, payload in rows if json.loads(payload).get("status") == "ok"}
    except sqlite3.Error:
        return set()


def main(task: Path, mount: Path, report: Path) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], check=True)
    out, ballast = mount / "run", mount / "ballast"
    command = [sys.executable, "-m", "mlwright"]
    run = subprocess.Popen([*command, "run", str(task), "--budget", "30", "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not _finished_ok(out / "journal.sqlite") and time.monotonic() < deadline:
        time.sleep(0.1)
    finished_before = _finished_ok(out / "journal.sqlite")
    with open(ballast, "wb") as filler:  # every byte left, taken
        try:
            while True:
                filler.write(BALLAST_CHUNK)
                filler.flush()
        except OSError as exc:
            filled = exc.errno
    _, stopped_err = run.communicate(timeout=180)
    stopped = {"rc": run.returncode, "stderr": stopped_err, "filled_errno": filled,
               "submission": (out / "final" / "submission.csv").read_text()}
    ballast.unlink()
    again = subprocess.run([*command, "resume", str(out)], capture_output=True, text=True,
                           timeout=180)
    resumed = {"rc": again.returncode, "stderr": again.stderr[-3000:],
               "submission": (out / "final" / "submission.csv").read_text()}
    with sqlite3.connect(out / "journal.sqlite") as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY seq")]
    report.write_text(json.dumps({
        "stopped": stopped, "resumed": resumed, "integrity": integrity,
        "finished_before": sorted(finished_before),
        "finished_after": sorted(_finished_ok(out / "journal.sqlite")),
        "sessions_ended": kinds.count("session_ended")}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
