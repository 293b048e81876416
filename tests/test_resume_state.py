"""What a resumed run takes from the one before it: the time it really spent (to the kill, not
to its last event) and the work it had decided on or was doing when it died."""

import time

from mlwright.agents.roles import Plan
from mlwright.agents.state import SearchState
from mlwright.journal import Journal, elapsed_seconds


def _journal(tmp_path) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite")
    journal.append("session_started", budget_seconds=60, resumed=False)
    return journal


def _candidate(journal: Journal, candidate_id: str, recipe: str) -> None:
    plan = Plan(recipe=recipe, rationale="r", params={"C": 1.0})
    journal.append("candidate_created", candidate_id, recipe=recipe, plan=plan.model_dump())


def test_a_killed_session_counts_to_its_last_pulse_not_its_last_event(tmp_path):
    journal = _journal(tmp_path)
    journal.keep_pulse()
    journal.append("run_started", "c001", "r0001", action="draft", params={})
    time.sleep(2.5)  # a run in flight: no event while it fits
    events = journal.events()
    recorded = events[-1].ts - events[0].ts
    pulse = journal.last_pulse()
    journal.close()
    assert pulse is not None and pulse >= events[-1].ts + 1.0
    assert elapsed_seconds(events, pulse) >= recorded + 1.0
    assert elapsed_seconds(events, None) == recorded
    assert elapsed_seconds(events, events[0].ts - 100) == recorded  # a pulse from before


def test_work_decided_or_cut_short_comes_back_first(tmp_path):
    journal = _journal(tmp_path)
    _candidate(journal, "c001", "linear")  # its draft was running at the kill
    journal.append("run_started", "c001", "r0001", action="draft", params={"C": 1.0},
                   row_fraction=0.5)
    _candidate(journal, "c002", "lightgbm")  # its draft failed; a fix was decided, not started
    journal.append("run_started", "c002", "r0002", action="draft", params={})
    journal.append("run_finished", "c002", "r0002", status="failed", loss=None)
    journal.append("debug_decided", "c002", "r0002", action="retry", reason="fewer rows",
                   params={"num_leaves": 7}, row_fraction=0.3, recipe=None,
                   files={"predict.py": "# fixed\n"}, edited=["predict.py"])
    _candidate(journal, "c003", "xgboost")  # finished: nothing to do again
    journal.append("run_started", "c003", "r0003", action="draft", params={})
    journal.append("run_finished", "c003", "r0003", status="ok", score=0.8, loss=0.2)
    journal.append("run_started", "c003", "r0004", action="tune", params={"eta": 0.1})
    _candidate(journal, "c004", "knn")  # its fix already ran
    journal.append("run_started", "c004", "r0005", action="draft", params={})
    journal.append("run_finished", "c004", "r0005", status="failed", loss=None)
    journal.append("debug_decided", "c004", "r0005", action="retry", reason="x", params={},
                   row_fraction=1.0, recipe=None, files={}, edited=[])
    journal.append("run_started", "c004", "r0006", action="debug", params={})
    journal.append("run_finished", "c004", "r0006", status="failed", loss=None)
    state = SearchState.from_events(journal.events(), tmp_path / "candidates")
    journal.close()

    unfinished = dict(state.unfinished)
    assert set(unfinished) == {"c001", "c002"}
    cut = unfinished["c001"]
    assert cut.action == "retry" and cut.params == {"C": 1.0} and cut.row_fraction == 0.5
    assert "r0001" in cut.reason
    decided = unfinished["c002"]
    assert decided.params == {"num_leaves": 7} and decided.row_fraction == 0.3
    assert decided.files == {"predict.py": "# fixed\n"}
    assert state.runs["r0004"].status == "abandoned"  # a cut tuning trial is not redone
