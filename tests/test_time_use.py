"""Where a run's seconds went, read from its journal: runs per recipe and action, steps, idle
slots, seconds with nothing in flight, the harness's CPU; a resumed run counts each session."""

import pytest

from mlwright.journal import Event
from mlwright.time_use import time_use


def journal(*rows):
    """Events from (seconds, kind, candidate, run, payload) rows."""
    return [Event(seq, 1000.0 + ts, kind, candidate, run, payload or {})
            for seq, (ts, kind, candidate, run, payload) in enumerate(rows, start=1)]


def test_runs_steps_idle_slots_and_the_time_outside_them_add_up():
    events = journal(
        (0, "session_started", None, None, {}),
        (1, "executor_ready", None, None, {"slots": 2}),
        (2, "candidate_created", "c001", None, {"recipe": "lightgbm"}),
        (3, "candidate_created", "c002", None, {"recipe": "linear"}),
        (4, "run_started", "c001", "r0001", {"action": "draft"}),
        (5, "prep_started", None, None, {"step": "pixels"}),
        (9, "prep_finished", None, None, {"step": "pixels"}),
        (9, "run_started", "c002", "r0002", {"action": "draft"}),
        (14, "run_finished", "c001", "r0001", {}),
        (16, "run_finished", "c002", "r0002", {}),
        (17, "run_started", "c001", "r0003", {"action": "tune"}),
        (20, "run_finished", "c001", "r0003", {}),
        (22, "session_ended", None, None, {"harness_cpu_s": 3.5}),
    )
    use = time_use(events)
    assert use.wall_s == pytest.approx(22)
    assert use.slots == 2
    assert use.by_recipe == pytest.approx({"lightgbm": 13, "linear": 7})
    assert use.by_action == pytest.approx({"draft": 17, "tune": 3})
    assert use.preparing_s == pytest.approx(4)
    # nothing in flight: 0-4, 16-17, 20-22
    assert use.outside_s == pytest.approx(7)
    assert use.idle_slot_s == pytest.approx(2 * 22 - 24)
    assert use.harness_cpu_s == pytest.approx(3.5)


def test_a_killed_session_ends_at_its_last_event_and_the_pause_before_resume_is_not_counted():
    events = journal(
        (0, "session_started", None, None, {}),
        (1, "candidate_created", "c001", None, {"recipe": "knn"}),
        (2, "run_started", "c001", "r0001", {"action": "draft"}),
        (6, "submission_written", None, None, {"score": 0.5}),  # then SIGKILL: r0001 in flight
        (100, "session_started", None, None, {"resumed": True}),
        (101, "run_started", "c001", "r0002", {"action": "draft"}),
        (105, "run_finished", "c001", "r0002", {}),
        (106, "session_ended", None, None, {"harness_cpu_s": 1.0}),
    )
    use = time_use(events)
    assert use.wall_s == pytest.approx(6 + 6)
    assert use.by_recipe == pytest.approx({"knn": 4 + 4})
    assert use.outside_s == pytest.approx(2 + 2)
    assert use.slots == 1 and use.harness_cpu_s == pytest.approx(1.0)


def test_no_recorded_cpu_is_unknown_not_zero():
    use = time_use(journal((0, "session_started", None, None, {}),
                           (5, "session_ended", None, None, {})))
    assert use.harness_cpu_s is None and use.wall_s == pytest.approx(5)
