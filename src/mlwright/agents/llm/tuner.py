"""LLM tuner: reads a candidate's run history and proposes the next parameters inside the
declared space, or hands the step to Optuna. Every run, whoever proposed it, is told to the
Optuna study too, so falling back loses nothing learned."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from mlwright.agents.builtin.tuner import BuiltinTuner
from mlwright.agents.llm.calls import ModelCaller
from mlwright.agents.llm.knowledge import clean_params, describe_param, task_brief
from mlwright.knowledge.recipes import RecipeContext, get_recipe, search_space

INSTRUCTIONS = """You tune one model of an AutoML search. From the runs so far (parameters and
validation loss, lower is better) propose the next parameters to try, inside the declared
space, or set use_optuna when a Bayesian optimiser would do better."""
HISTORY_SHOWN = 12


class Suggestion(BaseModel):
    params: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""
    use_optuna: bool = False


class LLMTuner:
    def __init__(self, caller: ModelCaller, ctx: RecipeContext, seed: int):
        self.caller = caller
        self.ctx = ctx
        self.builtin = BuiltinTuner(ctx, seed)
        self._recipes: dict[str, str] = {}
        self._history: dict[str, list[tuple[dict[str, Any], float | None]]] = {}

    def register(self, candidate_id: str, recipe_name: str, base_params: dict[str, Any]) -> None:
        self._recipes[candidate_id] = recipe_name
        self._history.setdefault(candidate_id, [])
        self.builtin.register(candidate_id, recipe_name, base_params)

    def has_space(self, candidate_id: str) -> bool:
        return self.builtin.has_space(candidate_id)

    def observe(self, candidate_id: str, params: dict[str, Any], loss: float | None) -> None:
        self._history.setdefault(candidate_id, []).append((dict(params), loss))
        self.builtin.observe(candidate_id, params, loss)

    def suggest(self, candidate_id: str) -> dict[str, Any] | None:
        if not self.has_space(candidate_id) or not self._history.get(candidate_id):
            return self.builtin.suggest(candidate_id)
        recipe = get_recipe(self._recipes[candidate_id])
        answer = self.caller.run("tuner", _agent(), self._prompt(candidate_id, recipe),
                                 max_requests=3)
        if answer is None or answer.use_optuna or not answer.params:
            return self.builtin.suggest(candidate_id)
        return clean_params(recipe, self.ctx, {**self._best_params(candidate_id), **answer.params})

    def _best_params(self, candidate_id: str) -> dict[str, Any]:
        scored = [(p, loss) for p, loss in self._history[candidate_id] if loss is not None]
        return min(scored, key=lambda item: item[1])[0] if scored else {}

    def _prompt(self, candidate_id: str, recipe) -> str:
        space = "; ".join(describe_param(p) for p in search_space(recipe, self.ctx))
        runs = "\n".join(
            f"- loss {'failed' if loss is None else f'{loss:.6g}'}: "
            f"{json.dumps(params, default=str)}"
            for params, loss in self._history[candidate_id][-HISTORY_SHOWN:])
        return (f"{task_brief(self.ctx)}\n\nRecipe {recipe.name}: {recipe.summary}.\n"
                f"Space: {space}\nRuns so far:\n{runs}")


def _agent():
    from pydantic_ai import Agent

    return Agent(output_type=Suggestion, instructions=INSTRUCTIONS, retries=1, name="tuner")
