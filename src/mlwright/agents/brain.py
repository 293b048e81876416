"""The only place that picks the brain: built-in roles, or LLM roles that fall back to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlwright.agents.builtin.coder import BuiltinCoder
from mlwright.agents.builtin.designer import BuiltinDesigner
from mlwright.agents.builtin.tuner import BuiltinTuner
from mlwright.budget import Deadline
from mlwright.journal import Journal
from mlwright.knowledge.recipes import RecipeContext


@dataclass
class Brain:
    designer: Any
    coder: Any
    tuner: Any
    caller: Any = None  # the LLM brain's ModelCaller: what it spent
    policy: Any = None  # the LLM brain's choice of the next candidate to work on

    def usage_line(self) -> str | None:
        if self.caller is None:
            return None
        spent = self.caller.spent
        calls = ", ".join(f"{role} {n}" for role, n in sorted(spent.calls.items())) or "none"
        return (f"model calls: {calls}; tokens {spent.input_tokens} in + {spent.output_tokens} "
                f"out; cost ${spent.cost:.4f}")


def make_caller(options, journal: Journal, deadline: Deadline):
    """The LLM brain's one door to its models, or None for the built-in brain."""
    if options.brain != "llm":
        return None
    from mlwright.agents.llm.calls import ModelCaller

    return ModelCaller(options.llm, journal, deadline, options.budget_seconds, options.llm_models)


def make_brain(brain: str, ctx: RecipeContext, seed: int, caller=None) -> Brain:
    if brain != "llm" or caller is None:
        return Brain(BuiltinDesigner(), BuiltinCoder(), BuiltinTuner(ctx, seed))
    from mlwright.agents.llm.coder import LLMCoder
    from mlwright.agents.llm.designer import LLMDesigner
    from mlwright.agents.llm.policy import LLMPolicy
    from mlwright.agents.llm.tuner import LLMTuner

    return Brain(LLMDesigner(caller), LLMCoder(caller, ctx), LLMTuner(caller, ctx, seed), caller,
                 LLMPolicy(caller))
