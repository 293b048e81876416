"""Built-in designer: the recipes that fit the data, most diverse first. Whether each can
afford all its rows is the manager's call, on measured costs (knowledge.costs)."""

from __future__ import annotations

from mlwright.agents.roles import Plan
from mlwright.knowledge.costs import CostModel
from mlwright.knowledge.recipes import RECIPES, RecipeContext


class BuiltinDesigner:
    def propose(self, ctx: RecipeContext, taken: set[str], budget_seconds: float,
                n_folds: int) -> list[Plan]:
        plans = []
        for recipe in sorted(RECIPES.values(), key=lambda r: r.diversity):
            if recipe.name in taken:
                continue
            unfit = recipe.fits(ctx)
            if unfit:
                continue
            seconds = CostModel(ctx, n_folds, refit=False).prior(recipe)
            plans.append(
                Plan(
                    recipe=recipe.name,
                    rationale=(
                        f"{recipe.summary}. Fits {ctx.rows} rows x "
                        f"{ctx.schema.feature_count} features ({ctx.spec.task_type}, "
                        f"{ctx.spec.metric}); about {seconds:.0f}s per run expected."
                    ),
                    params=recipe.defaults(ctx),
                )
            )
        return plans
