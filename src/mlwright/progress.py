"""What the user sees while a run goes: a live table on a terminal or in a notebook, plain
lines when piped."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.table import Table


@dataclass
class RunLine:
    run_id: str
    candidate_id: str
    recipe: str
    action: str
    status: str = "running"
    score: float | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None


class Progress:
    """Receives the manager's events; renders them for a terminal or a log."""

    def __init__(self, title: str, live: bool | None = None, stream=None):
        self._stream = stream or sys.stdout
        self._console = Console(file=self._stream, highlight=False)
        # a terminal or a notebook gets the live table; a pipe or a log gets lines
        wanted = self._stream.isatty() or (stream is None and self._console.is_jupyter)
        self._live_wanted = wanted if live is None else live
        self._lines: dict[str, RunLine] = {}
        self._title = title
        self._best: str = "none yet"
        self._live: Live | None = None

    def __enter__(self) -> Progress:
        if self._live_wanted:
            self._live = Live(self._table(), console=self._console, refresh_per_second=2,
                              transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._live:
            self._live.update(self._table())
            self._live.__exit__(*exc)

    def message(self, text: str) -> None:
        if self._live:
            self._live.console.print(text)
        else:
            self._plain(text)

    def run_started(self, line: RunLine) -> None:
        self._lines[line.run_id] = line
        if not self._live:
            self._plain(f"start  {line.run_id} {line.candidate_id} {line.recipe} ({line.action})")
        self._refresh()

    def run_finished(self, run_id: str, status: str, score: float | None, seconds: float,
                     note: str = "") -> None:
        line = self._lines[run_id]
        line.status, line.score, line.seconds = status, score, seconds
        if not self._live:
            shown = f"{score:.5f}" if score is not None else "-"
            self._plain(f"end    {run_id} {line.candidate_id} {line.recipe} {status} "
                        f"score={shown} {seconds:.1f}s {note}".rstrip())
        self._refresh()

    def submission(self, score: float | None, description: str) -> None:
        self._best = f"{score:.5f} ({description})" if score is not None else description
        if not self._live:
            self._plain(f"submission updated: {self._best}")
        self._refresh()

    def _plain(self, text: str) -> None:
        print(f"[mlwright] {text}", file=self._stream, flush=True)

    def _refresh(self) -> None:
        if self._live:
            self._live.update(self._table())

    def _table(self) -> Table:
        table = Table(title=f"{self._title} - best: {self._best}", expand=False)
        for header in ("run", "candidate", "recipe", "action", "status", "score", "seconds"):
            table.add_column(header)
        for line in list(self._lines.values())[-20:]:
            seconds = line.seconds if line.seconds is not None else time.monotonic() - line.started
            table.add_row(line.run_id, line.candidate_id, line.recipe, line.action, line.status,
                          f"{line.score:.5f}" if line.score is not None else "-", f"{seconds:.1f}")
        return table
