"""Predictions are hashed when the harness scores them: a file changed behind its back (say
oof.npy overwritten with the labels) is noticed on resume and the run takes no further part."""

import subprocess
import sys

import numpy as np

from mlwright.journal import Journal
from tests.conftest import copy_run


def test_predictions_changed_after_scoring_are_noticed_on_resume(finished_titanic_run,
                                                                 tmp_path):
    _, finished = finished_titanic_run
    out = tmp_path / "run"
    copy_run(finished, out, symlinks=True)
    events = Journal(out / "journal.sqlite").events()
    ok = [e for e in events if e.kind == "run_finished" and e.payload["status"] == "ok"]
    assert ok and all(e.payload["digest"] for e in ok)
    best = min(ok, key=lambda e: e.payload["loss"])
    run_dir = out / "candidates" / best.candidate / "runs" / best.run
    oof = np.load(run_dir / "oof.npy")
    np.save(run_dir / "oof.npy", np.clip(oof + 0.01, 0, 1))  # any change at all
    done = subprocess.run([sys.executable, "-m", "mlwright", "resume", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    tampered = [e for e in Journal(out / "journal.sqlite").events() if e.kind == "run_tampered"]
    assert [(e.run, e.payload["reason"]) for e in tampered] == [
        (best.run, "predictions changed after scoring")]
    assert "changed after it was scored" in done.stdout + done.stderr
    report = (out / "final" / "report.html").read_text()
    assert f"predictions changed after scoring: {best.run}" in report
    untouched = [e.run for e in ok if e.run != best.run]
    assert not {e.run for e in tampered} & set(untouched)
