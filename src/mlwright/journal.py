"""The run's durable record: an append-only SQLite table of events (WAL, synced on commit).

Everything `resume` needs is rebuilt from these events plus the files they point to.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PULSE_SECONDS = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    candidate TEXT,
    run TEXT,
    payload TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Event:
    seq: int
    ts: float
    kind: str
    candidate: str | None
    run: str | None
    payload: dict[str, Any]


class Journal:
    """Append-only event log. Safe to call from the manager's threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def append(
        self, kind: str, candidate: str | None = None, run: str | None = None, **payload: Any
    ) -> Event:
        ts = time.time()
        body = json.dumps(payload, default=str)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO events (ts, kind, candidate, run, payload) VALUES (?, ?, ?, ?, ?)",
                (ts, kind, candidate, run, body),
            )
        return Event(cursor.lastrowid, ts, kind, candidate, run, payload)

    def events(self, kind: str | None = None) -> list[Event]:
        query = "SELECT seq, ts, kind, candidate, run, payload FROM events"
        args: tuple = ()
        if kind:
            query += " WHERE kind = ?"
            args = (kind,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [Event(s, t, k, c, r, json.loads(p)) for s, t, k, c, r, p in rows]

    @property
    def pulse_path(self) -> Path:
        return self.path.with_name(self.path.name + ".alive")

    def keep_pulse(self) -> None:
        """While this session lives, touch a file every PULSE_SECONDS: after a kill, its time
        says when the session ended, where the last event may be long before (runs in flight
        at the kill spent time that no event records)."""
        self._pulse_stop = threading.Event()

        def beat() -> None:
            while not self._pulse_stop.is_set():
                try:
                    self.pulse_path.write_text(f"{time.time():.3f}")
                except OSError:
                    pass  # a full disk: the journal's own events still bound the time
                self._pulse_stop.wait(PULSE_SECONDS)

        threading.Thread(target=beat, name="journal-pulse", daemon=True).start()

    def last_pulse(self) -> float | None:
        try:
            return float(self.pulse_path.read_text())
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        stop = getattr(self, "_pulse_stop", None)
        if stop is not None:
            stop.set()
        with self._lock:
            self._db.close()


def elapsed_seconds(events: list[Event], last_pulse: float | None = None) -> float:
    """Wall time spent in all sessions so far: each session from its start to its last event,
    the last one to its last pulse where that is later (Journal.keep_pulse)."""
    total, session_start, last = 0.0, None, None
    for event in events:
        if event.kind == "session_started":
            if session_start is not None and last is not None:
                total += last - session_start
            session_start = event.ts
        last = event.ts
    if session_start is not None and last is not None:
        total += max(last, last_pulse or last) - session_start
    return total


def first_model_seconds(events: list[Event], wall: float | None = None) -> float | None:
    """Seconds from the start until the first submission made by a model (not the constant).
    Given the process's wall time, the time before the journal existed (reading and
    understanding the task) counts too."""
    if not events:
        return None
    start, end = events[0].ts, events[-1].ts
    before = max(0.0, wall - (end - start)) if wall is not None else 0.0
    for event in events:
        if event.kind == "submission_written" and "constant" not in event.payload.get("weights",
                                                                                      {}):
            return before + event.ts - start
    return None


def published_validation_score(events: list[Event]) -> float | None:
    """The validation score (the task's metric, out of fold) of what was published last: set
    beside its test score, the gap says how honest validation was."""
    written = [e for e in events if e.kind == "submission_written"]
    return written[-1].payload.get("score") if written else None
