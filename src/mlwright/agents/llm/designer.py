"""LLM designer: several diverse plans in one structured call, chosen from the recipes that fit
(their cards are in the prompt). The built-in designer's plans follow the model's, so a poor or
failed answer never leaves the run without drafts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mlwright.agents.builtin.designer import BuiltinDesigner
from mlwright.agents.llm.calls import ModelCaller
from mlwright.agents.llm.knowledge import clean_params, fitting_recipes, recipe_card, task_brief
from mlwright.agents.roles import Plan
from mlwright.knowledge.recipes import RecipeContext, get_recipe

INSTRUCTIONS = """You design modelling strategies for an AutoML system. Propose 2 to 6 diverse
plans, strongest first. Each plan names one recipe from the list you are given, says why it
suits this data, and may set parameters inside that recipe's declared space."""


class ProposedPlan(BaseModel):
    recipe: str = Field(description="one of the recipe names offered")
    rationale: str
    params: dict[str, Any] = Field(default_factory=dict)


class Design(BaseModel):
    plans: list[ProposedPlan] = Field(min_length=1, max_length=8)


class LLMDesigner:
    def __init__(self, caller: ModelCaller):
        self.caller = caller
        self.builtin = BuiltinDesigner()

    def propose(self, ctx: RecipeContext, taken: set[str], budget_seconds: float,
                n_folds: int) -> list[Plan]:
        fallback = self.builtin.propose(ctx, taken, budget_seconds, n_folds)
        offered = {r.name for r in fitting_recipes(ctx, taken)}
        design = self.caller.run("designer", _agent(offered), _prompt(ctx, taken, budget_seconds))
        if design is None:
            return fallback
        plans, seen = [], set()
        for proposal in design.plans:
            if proposal.recipe in seen:
                continue
            seen.add(proposal.recipe)
            recipe = get_recipe(proposal.recipe)
            plans.append(Plan(recipe=recipe.name, rationale=f"(model) {proposal.rationale}",
                              params=clean_params(recipe, ctx, proposal.params)))
        return plans + [p for p in fallback if p.recipe not in seen]


def _prompt(ctx: RecipeContext, taken: set[str], budget_seconds: float) -> str:
    cards = "\n".join(recipe_card(r, ctx) for r in fitting_recipes(ctx, taken))
    return (f"{task_brief(ctx)}\nTime budget for the whole search: {budget_seconds:.0f} s on "
            f"this machine.\n\nRecipes you may use:\n{cards}")


def _agent(offered: set[str]):
    from pydantic_ai import Agent, ModelRetry

    agent = Agent(output_type=Design, instructions=INSTRUCTIONS, retries=2, name="designer")

    @agent.output_validator
    def known_recipes(design: Design) -> Design:
        unknown = [p.recipe for p in design.plans if p.recipe not in offered]
        if unknown:
            raise ModelRetry(f"unknown recipes {unknown}; choose from {sorted(offered)}")
        return design

    return agent
