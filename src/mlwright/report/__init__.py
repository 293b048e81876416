"""The run report: RUN_DIR/final/report.html, one offline page of what was tried and why."""

from __future__ import annotations

import os
from pathlib import Path

from mlwright.report.collect import collect
from mlwright.report.model_card import render_card
from mlwright.report.render import render


def write_report(run_dir: Path) -> Path:
    """Render the report of RUN_DIR (finished or killed) into RUN_DIR/final/report.html, and
    its model card into RUN_DIR/final/MODEL_CARD.md."""
    data = collect(Path(run_dir))
    target = data.run_dir / "final" / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, render(data))
    _write(target.with_name("MODEL_CARD.md"), render_card(data))
    return target


def _write(target: Path, text: str) -> None:
    scratch = target.with_name(target.name + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, target)
