"""Where a run's seconds went, from its journal: in candidate runs (per recipe, per action), in
preparation steps, in slots left idle, and outside every candidate (the harness reading data,
scoring, ensembling, writing the report), beside the harness's own CPU seconds.

A resumed run counts each session from its start to its end; the time between sessions is
not the run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlwright.journal import Event


@dataclass
class TimeUse:
    wall_s: float = 0.0  # from each session's start to its end, summed
    slots: int = 1
    by_recipe: dict[str, float] = field(default_factory=dict)  # slot-seconds in runs
    by_action: dict[str, float] = field(default_factory=dict)
    preparing_s: float = 0.0  # slot-seconds in preparation steps
    outside_s: float = 0.0  # seconds with no run nor step in flight
    harness_cpu_s: float | None = None  # the harness process's CPU, None if never recorded

    @property
    def busy_s(self) -> float:
        return sum(self.by_recipe.values()) + self.preparing_s

    @property
    def idle_slot_s(self) -> float:
        """Slot-seconds no run used: the slots times the wall, less what runs and steps used."""
        return max(0.0, self.slots * self.wall_s - self.busy_s)


def time_use(events: list[Event]) -> TimeUse:
    use = TimeUse()
    recipes: dict[str, str] = {}
    sessions: list[tuple[float, float]] = []
    open_runs: dict[str, tuple[float, str, str]] = {}  # run or step: (start, recipe, action)
    intervals: list[tuple[float, float]] = []
    cpu: float | None = None  # summed over the sessions that recorded it

    def close(key: str, end: float) -> None:
        start, recipe, action = open_runs.pop(key)
        seconds = max(0.0, end - start)
        intervals.append((start, end))
        if action == "prepare":
            use.preparing_s += seconds
        else:
            use.by_recipe[recipe] = use.by_recipe.get(recipe, 0.0) + seconds
            use.by_action[action] = use.by_action.get(action, 0.0) + seconds

    def end_session(end: float) -> None:
        for key in list(open_runs):  # in flight when the session ended (or was killed)
            close(key, end)
        if sessions and sessions[-1][1] < 0:
            sessions[-1] = (sessions[-1][0], end)

    last = events[0].ts if events else 0.0
    for event in events:
        p = event.payload
        if event.kind == "session_started":
            end_session(last)
            sessions.append((event.ts, -1.0))
        elif event.kind == "candidate_created":
            recipes[event.candidate] = p.get("recipe", "?")
        elif event.kind == "executor_ready":
            use.slots = int(p.get("slots") or use.slots)
        elif event.kind == "run_started":
            open_runs[event.run] = (event.ts, recipes.get(event.candidate, "?"), p["action"])
        elif event.kind == "run_finished" and event.run in open_runs:
            close(event.run, event.ts)
        elif event.kind == "prep_started":
            open_runs["prep:" + p["step"]] = (event.ts, p["step"], "prepare")
        elif event.kind == "prep_finished" and "prep:" + p["step"] in open_runs:
            close("prep:" + p["step"], event.ts)
        elif event.kind == "session_ended":
            end_session(event.ts)
            if p.get("harness_cpu_s") is not None:
                cpu = (cpu or 0.0) + float(p["harness_cpu_s"])
        last = event.ts
    end_session(last)
    use.wall_s = sum(end - start for start, end in sessions if end >= start)
    use.outside_s = max(0.0, use.wall_s - _covered(intervals))
    use.harness_cpu_s = None if cpu is None else round(cpu, 2)
    return use


def _covered(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by at least one interval."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total
