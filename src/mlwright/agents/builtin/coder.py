"""Built-in coder: assembles a candidate's scripts from the recipe's template, and fixes failed
runs from a table of known failures."""

from __future__ import annotations

from importlib import resources

from mlwright.agents.roles import CodeFiles, Fix, Plan, RunFailure
from mlwright.knowledge.recipes import Recipe, get_recipe

_TEMPLATES = resources.files("mlwright.knowledge") / "templates"


def _template(name: str) -> str:
    return (_TEMPLATES / name).read_text()


def render_predict(recipe: Recipe) -> str:
    """predict.py: the shared feature code, how rows' times are read, the recipe's model code,
    a command-line entry."""
    return (
        f'"""Candidate model code written by mlwright from the recipe \'{recipe.name}\'.\n\n'
        f'{recipe.summary}. Usage: python predict.py NEW.csv OUT.npy (from model/)."""\n'
        + _template("predict_common.py")
        + "\n\n"
        + (resources.files("mlwright.task") / "time_values.py").read_text()
        + "\n\n"
        + _template(f"family_{recipe.family}.py")
        + '\n\nif __name__ == "__main__":\n    main_predict(sys.argv)\n'
    )


def render_candidate(plan: Plan) -> CodeFiles:
    recipe = get_recipe(plan.recipe)
    predict = render_predict(recipe)
    plan_text = f"# Plan: {recipe.name}\n\n{plan.rationale}\n"
    if plan.parent:
        plan_text += f"\nReplaces candidate {plan.parent}, whose runs failed.\n"
    return CodeFiles(
        files={"plan.md": plan_text, "train.py": _template("train_common.py"), "predict.py": predict},
        message=f"draft: {recipe.name}",
    )


class BuiltinCoder:
    max_retries = 2

    def write(self, plan: Plan) -> CodeFiles:
        return render_candidate(plan)

    def debug(self, failure: RunFailure) -> Fix:
        """Known fixes first (resources, missing library, bad output), then a fallback recipe."""
        recipe = get_recipe(failure.recipe)
        log = failure.log_tail
        switch = Fix(action="switch_recipe", recipe=recipe.fallback,
                     reason=f"{recipe.name} keeps failing; fall back to {recipe.fallback}")
        if recipe.fallback is None:
            switch = Fix(action="give_up", reason=f"{recipe.name} failed and has no fallback")
        if failure.attempts >= self.max_retries:
            return switch
        if "No module named" in log or "ImportError" in log or "Library not loaded" in log:
            return switch.model_copy(update={"reason": f"{recipe.name}'s library is unavailable"})
        if failure.stopped_for == "memory" or "MemoryError" in log:
            return Fix(action="retry", reason="out of memory: fit on half the rows",
                       params=_lighter(failure.params), row_fraction=0.5)
        if failure.stopped_for == "timeout":
            return Fix(action="retry", reason="ran past its time: fit on half the rows, learn faster",
                       params=_faster(failure.params), row_fraction=0.5)
        if failure.invalid_output:
            return switch.model_copy(update={"reason": f"invalid output: {failure.invalid_output}"})
        if failure.attempts == 0:
            return Fix(action="retry", reason="unknown error: retry with the recipe's safe "
                                              "defaults", params={})
        if not failure.params.get("plain_features"):
            return Fix(action="retry", reason="unknown error again: retry on numbers and "
                       "categories only (dates, texts, images and lags left out)",
                       params={"plain_features": True})
        return switch


def _lighter(params: dict) -> dict:
    changed = dict(params)
    if "n_estimators" in changed and changed.get("forest"):
        changed["n_estimators"] = max(50, int(changed["n_estimators"]) // 2)
    if "num_leaves" in changed:
        changed["num_leaves"] = max(8, int(changed["num_leaves"]) // 2)
    if "max_depth" in changed:
        changed["max_depth"] = max(3, int(changed["max_depth"]) - 2)
    return changed


def _faster(params: dict) -> dict:
    changed = _lighter(params)
    for key in ("learning_rate", "eta"):
        if key in changed:
            changed[key] = min(0.3, float(changed[key]) * 2)
    return changed
