"""A command's budget counts from the start of its process: the interpreter's start and the
imports before the command's first line are the user's time too, and on a starved machine they
took seconds."""

import subprocess
import sys

LATE_FIRST_LINE = """
import time
time.sleep(2.0)  # as slow imports would
from mlwright.budget import process_started
print(time.monotonic() - process_started())
"""


def test_the_budget_clock_starts_with_the_process():
    done = subprocess.run([sys.executable, "-c", LATE_FIRST_LINE], capture_output=True,
                          text=True, check=True)
    counted = float(done.stdout.strip())
    assert counted >= 1.95  # the sleep before the first call (process times tick in 10 ms)
