"""The run report of a real run: its leaderboard agrees with the journal, every candidate and run
is in the search tree, and the page is self-contained. The browser check is marked `browser`."""

import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from mlwright.journal import Journal
from mlwright.report import write_report
from tests.conftest import copy_run, mlwright


def journal_view(journal: Path) -> tuple[dict[str, str], dict[str, float], list[str]]:
    """Straight from the journal: candidate -> recipe, candidate -> best score, every run id."""
    db = sqlite3.connect(journal)
    try:  # closed here, not at garbage collection, which would drop the WAL file mid-copy
        rows = db.execute(
            "SELECT kind, candidate, run, payload FROM events ORDER BY seq").fetchall()
    finally:
        db.close()
    recipes, best_loss, best_score, runs = {}, {}, {}, []
    for kind, candidate, run, payload in rows:
        payload = json.loads(payload)
        if kind == "candidate_created":
            recipes[candidate] = payload["recipe"]
        elif kind == "run_started":
            runs.append(run)
        elif kind == "run_finished" and payload["status"] == "ok":
            if candidate not in best_loss or payload["loss"] < best_loss[candidate]:
                best_loss[candidate], best_score[candidate] = payload["loss"], payload["score"]
    return recipes, best_score, runs


def leaderboard_rows(html: str) -> dict[str, tuple[str, float | None]]:
    """candidate -> (recipe, score) as the report's leaderboard table shows them."""
    found = {}
    for match in re.finditer(r'<tr id="lb-(c\d+)"><td>c\d+</td><td>([^<]+)</td><td[^>]*>[^<]*'
                             r'</td><td class="num">([^ <]+) ±', html):
        score = None if match.group(3) == "–" else float(match.group(3))
        found[match.group(1)] = (match.group(2), score)
    return found


def test_report_matches_the_journal(finished_titanic_run):
    _, out = finished_titanic_run
    report = out / "final" / "report.html"
    assert report.exists()  # written at the end of the run
    html = report.read_text()
    recipes, best_score, runs = journal_view(out / "journal.sqlite")
    shown = leaderboard_rows(html)
    assert set(shown) == set(recipes)
    for candidate, recipe in recipes.items():
        assert shown[candidate][0] == recipe
        expected = best_score.get(candidate)
        if expected is None:
            assert shown[candidate][1] is None
        else:
            assert shown[candidate][1] == pytest.approx(expected, rel=1e-4)
    for run in runs:  # every run is a node of the tree, clickable to its details
        assert f'id="run-{run}"' in html
    for section in ("Task as understood", "Search tree", "Score over time", "Final ensemble",
                    "confusion matrix", "calibration", "feature importances",
                    "Where the time went", "where each decision came from",
                    "the sample submission&#x27;s answer column"):
        assert section in html, section
    isolation = [e.payload for e in Journal(out / "journal.sqlite").events()
                 if e.kind == "isolation"]
    assert isolation  # what contained candidate code is on the record, and on the page
    assert ("jailed (bubblewrap)" if isolation[-1]["jailed"] else "NO JAIL") in html
    ended = [e.payload for e in Journal(out / "journal.sqlite").events()
             if e.kind == "session_ended"]
    assert ended and ended[-1]["harness_cpu_s"] > 0  # the harness's own CPU, candidates apart
    assert "seconds with no run in flight" in html and "harness CPU seconds" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script" not in html


def test_report_command_rewrites_and_rejects_non_runs(finished_titanic_run, tmp_path):
    _, out = finished_titanic_run
    copy = tmp_path / "copy"
    copy_run(out, copy)
    (copy / "final" / "report.html").unlink()
    assert write_report(copy) == copy / "final" / "report.html"
    done = mlwright("report", tmp_path)
    assert done.returncode == 2 and "not a run folder" in done.stderr


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update",
                  "--disable-sync", "--enable-logging=stderr", "--v=0"]


def open_in_chromium(page: Path, screenshot: Path, profile: Path) -> list[str]:
    """Screenshot PAGE in headless Chromium; return the console messages it logged."""
    done = subprocess.run(
        [shutil.which("chromium") or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
         "--window-size=1200,4000", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.browser
def test_report_renders_in_chromium_without_console_errors(finished_titanic_run, tmp_path):
    if shutil.which("chromium") is None:
        pytest.fail("chromium is not installed (apt-get install chromium)")
    _, out = finished_titanic_run
    # The check itself must be able to fail: a page that logs an error is caught.
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>console.error('boom')</script></body></html>")
    assert any("boom" in line for line in open_in_chromium(broken, tmp_path / "b.png",
                                                            tmp_path / "profile-b"))
    screenshot = Path(__file__).resolve().parents[1] / "runs" / "report-screenshot.png"
    screenshot.parent.mkdir(exist_ok=True)
    messages = open_in_chromium(out / "final" / "report.html", screenshot, tmp_path / "profile")
    assert messages == []
    assert screenshot.stat().st_size > 50_000  # a rendered page, not a blank one
