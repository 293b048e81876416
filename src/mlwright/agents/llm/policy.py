"""LLM manager policy: after the drafts, which candidate gets the next run and whether it is a
tuning trial or a refinement (slower learning rate). The model sees a compact summary of the
search, not the journal; a choice outside the affordable candidates, or no answer, leaves the
decision to the built-in policy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from mlwright.agents.llm.calls import ModelCaller
from mlwright.agents.state import CandidateState

INSTRUCTIONS = """You steer the search of an AutoML system. Given the candidates (recipe,
best validation loss, lower is better, runs so far, seconds per run) and the time left, choose
which candidate gets the next run: 'tune' tries new parameters, 'improve' retrains the best
parameters with a slower learning rate."""


class NextStep(BaseModel):
    candidate_id: str
    action: Literal["tune", "improve"] = "tune"
    reason: str = ""


class LLMPolicy:
    def __init__(self, caller: ModelCaller):
        self.caller = caller

    def choose(self, ranked: list[CandidateState], affordable: list[CandidateState],
               seconds_left: float) -> tuple[CandidateState, str] | None:
        from pydantic_ai import Agent

        if len(affordable) < 2:
            return None  # nothing to choose between
        lines = [f"- {c.candidate_id} {c.recipe}: best loss {c.best_run().loss:.6g}, "
                 f"{len(c.runs)} runs ({c.count('tune')} tuning), about "
                 f"{c.typical_seconds() or 0:.0f}s a run"
                 + ("" if c in affordable else " (too slow for the time left)") for c in ranked]
        prompt = f"Seconds left: {seconds_left:.0f}\nCandidates, best first:\n" + "\n".join(lines)
        agent = Agent(output_type=NextStep, instructions=INSTRUCTIONS, retries=1, name="manager")
        step = self.caller.run("manager", agent, prompt, max_requests=3)
        chosen = next((c for c in affordable if step and c.candidate_id == step.candidate_id),
                      None)
        if chosen is None:
            return None
        self.caller.journal.append("manager_decided", chosen.candidate_id, action=step.action,
                                   reason=step.reason[:300])
        return chosen, step.action
