"""Wall-clock budgets: parsing what the user typed and tracking what is left."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from mlwright.errors import OptionError

_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smh]?)")


def parse_budget(text: str) -> float:
    """'90', '90s', '5m', '1h' and combinations such as '1m30s' -> seconds."""
    cleaned = str(text).strip().lower().replace(" ", "")
    parts = _PART.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise OptionError(
            f"--budget: cannot read {text!r}; use seconds or a unit, e.g. 90, 90s, 5m, 1h"
        )
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise OptionError(f"--budget: {text!r} must be more than zero")
    return seconds


def process_started() -> float:
    """When this process began, on the monotonic clock. A command's budget counts from there:
    on a starved machine the interpreter's start and the imports before the command's first
    line took about 12 s of a 90 s budget, and the run ended 10.7 % past it."""
    import psutil

    age = max(0.0, time.time() - psutil.Process().create_time())
    return time.monotonic() - age


@dataclass
class Deadline:
    """A point in wall-clock time the run must finish by; monotonic, so clock changes don't matter."""

    ends_at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    def passed(self) -> bool:
        return self.remaining() <= 0.0
