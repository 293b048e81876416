"""final/ moves from one complete result to the next in one step: killed at any moment of a
publish, it holds the old result or the new one, whole, and the submission always belongs to
the models beside it."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

PUBLISHER = r'''
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright.paths import RunPaths
from mlwright.publish import Member, Publisher
from mlwright.task.spec import TaskFiles, TaskSpec

root = Path(sys.argv[1])
spec = TaskSpec(name="swap", files=TaskFiles(train="/x", test="/y"), description="",
                id_column="id", target="value", task_type="regression", metric="rmse",
                direction="lower", submission_kind="value", submission_columns=["id", "value"])
test = pd.DataFrame({"id": range(20_000)})
publisher = Publisher(RunPaths(root), spec, test, None)
member_dir = root / "member"
member_dir.mkdir(parents=True, exist_ok=True)
(member_dir / "weights.bin").write_bytes(b"x" * 2_000_000)
start = int(sys.argv[2])
for step in range(start, start + 10_000):
    members = [Member(f"r{step:05d}", 0.5, member_dir), Member("constant", 0.5, None, step)]
    publisher.publish(members, np.full(len(test), float(step)), score=float(step))
    print(step, flush=True)
'''


def _check_whole(final: Path) -> int:
    """The published step, after asserting that models, ensemble and submission agree."""
    ensemble = json.loads((final / "model" / "ensemble.json").read_text())
    runs = [m["run"] for m in ensemble["members"]]
    step = int(ensemble["validation_score"])
    assert runs == [f"r{step:05d}", "constant"]
    assert (final / "model" / runs[0] / "weights.bin").stat().st_size == 2_000_000
    submission = pd.read_csv(final / "submission.csv")
    assert len(submission) == 20_000 and (submission["value"] == step).all()
    return step


def test_a_kill_at_any_moment_of_a_publish_leaves_one_whole_result(tmp_path):
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER)
    root = tmp_path / "run"
    rng = random.Random(3)
    published, step = [], 0
    for _ in range(12):
        process = subprocess.Popen([sys.executable, str(script), str(root), str(step)],
                                   stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert process.stdout.readline()  # at least one publish done in this round
        time.sleep(rng.uniform(0.0, 0.4))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        step = _check_whole(root / "final") + 1
        published.append(step)
    assert published == sorted(published)  # each round starts from what was published
    versions = list((root / "final" / ".versions").iterdir())
    assert 1 <= len(versions) <= 2  # the published one, and at most one cut while written
