"""Built-in designer: the recipes that fit the data, cheapest and most diverse first."""

from __future__ import annotations

from mlwright.agents.roles import Plan
from mlwright.knowledge.recipes import RECIPES, RecipeContext, estimated_fit_seconds


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
            seconds = estimated_fit_seconds(recipe, ctx, n_folds)
            if seconds > 0.6 * budget_seconds and plans:
                continue  # would eat the budget; keep it for longer runs
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
