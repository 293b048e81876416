"""What the model is told: the task as the harness understood it, and the knowledge base's
recipes that fit it (retrieval-augmented planning: the cards of fitting recipes, with their
defaults and declared search spaces, not the whole base)."""

from __future__ import annotations

import json
from typing import Any

from mlwright.knowledge.recipes import RECIPES, Recipe, RecipeContext, search_space
from mlwright.knowledge.space import Param


def task_brief(ctx: RecipeContext) -> str:
    spec, schema, profile = ctx.spec, ctx.schema, ctx.profile
    lines = [
        f"Task: {spec.name}. {spec.task_type} on '{spec.target}', metric {spec.metric}.",
        f"Rows: {profile.train_rows} train, {profile.test_rows} test.",
    ]
    for kind in ("numeric", "categorical", "datetime", "text"):
        columns = getattr(schema, kind)
        if columns:
            lines.append(f"{kind} columns ({len(columns)}): {', '.join(columns[:30])}")
    if schema.images:
        lines.append(f"images: {schema.images} as {schema.image_size} pixels, "
                     f"{schema.image_channels} channel(s)")
    if schema.temporal:
        lines.append(f"forecast: time {schema.temporal.axis.label}, "
                     f"series {schema.temporal.groups}, "
                     f"horizon {schema.temporal.horizon} steps")
    if profile.class_balance:
        lines.append(f"class shares: {json.dumps(profile.class_balance)[:300]}")
    lines += [f"note: {n}" for n in (spec.notes + profile.notes)[:12]]
    return "\n".join(lines)


def fitting_recipes(ctx: RecipeContext, taken: set[str] = frozenset()) -> list[Recipe]:
    return [r for r in sorted(RECIPES.values(), key=lambda r: r.diversity)
            if r.name not in taken and r.fits(ctx) is None]


def recipe_card(recipe: Recipe, ctx: RecipeContext) -> str:
    space = "; ".join(describe_param(p) for p in search_space(recipe, ctx))
    defaults = json.dumps(recipe.defaults(ctx), default=str)
    return f"- {recipe.name}: {recipe.summary}. defaults {defaults}. space: {space}"


def describe_param(param: Param) -> str:
    if param.kind == "categorical":
        return f"{param.name} in {list(param.choices)}"
    scale = " log" if param.log else ""
    return f"{param.name} {param.kind} [{param.low}, {param.high}]{scale}"


def clean_params(recipe: Recipe, ctx: RecipeContext, proposed: dict[str, Any]) -> dict[str, Any]:
    """The recipe's defaults with the proposed values that are known and inside the space."""
    params = recipe.defaults(ctx)
    space = {p.name: p for p in search_space(recipe, ctx)}
    for key, value in proposed.items():
        param = space.get(key)
        if param is None:
            continue
        value = coerce(param, value)
        if value is not None:
            params[key] = value
    return params


def coerce(param: Param, value: Any) -> Any:
    """A model's value for a parameter, made to fit its declared range, or None."""
    if param.kind == "categorical":
        return value if value in param.choices else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    number = min(max(number, param.low), param.high)
    return int(round(number)) if param.kind == "int" else number
