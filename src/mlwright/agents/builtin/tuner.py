"""Built-in tuner: one Optuna TPE study per candidate over the recipe's declared space,
warm-started with the recipe's defaults, its first trials the recipe's known-strong changes to
them (`Recipe.first_trials`). Each trial is a full sandboxed run scored by the harness."""

from __future__ import annotations

from typing import Any

from mlwright.knowledge.recipes import RecipeContext, get_recipe, search_space
from mlwright.knowledge.space import Param


def _distribution(param: Param):
    import optuna

    if param.kind == "float":
        return optuna.distributions.FloatDistribution(param.low, param.high, log=param.log)
    if param.kind == "int":
        return optuna.distributions.IntDistribution(int(param.low), int(param.high), log=param.log)
    return optuna.distributions.CategoricalDistribution(list(param.choices))


# Asks before a repeat is accepted: a space with few points may hold nothing new.
ASKS_FOR_NEW = 8


class BuiltinTuner:
    def __init__(self, ctx: RecipeContext, seed: int):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        self._ctx = ctx
        self._seed = seed
        self._studies: dict[str, Any] = {}
        self._spaces: dict[str, dict[str, Any]] = {}
        self._defaults: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, list[Any]] = {}

    def register(self, candidate_id: str, recipe_name: str, base_params: dict[str, Any]) -> None:
        recipe = get_recipe(recipe_name)
        space = search_space(recipe, self._ctx)
        self._spaces[candidate_id] = {p.name: (p, _distribution(p)) for p in space}
        self._defaults[candidate_id] = dict(base_params)
        sampler = self._optuna.samplers.TPESampler(
            seed=self._seed + len(self._studies), n_startup_trials=5, multivariate=True
        )
        study = self._optuna.create_study(direction="minimize", sampler=sampler)
        space_params = {name: param for name, (param, _) in self._spaces[candidate_id].items()}
        searched = {name: value for name, value in base_params.items()
                    if name in space_params and space_params[name].contains(value)}
        for change in recipe.first_trials:
            if all(name in space_params and space_params[name].contains(value)
                   for name, value in change.items()) and \
                    any(base_params.get(name) != value for name, value in change.items()):
                study.enqueue_trial({**searched, **change}, skip_if_exists=True)
        self._studies[candidate_id] = study
        self._pending[candidate_id] = []

    def has_space(self, candidate_id: str) -> bool:
        return bool(self._spaces.get(candidate_id))

    def suggest(self, candidate_id: str) -> dict[str, Any] | None:
        if not self.has_space(candidate_id):
            return None
        study = self._studies[candidate_id]
        space = {name: dist for name, (_, dist) in self._spaces[candidate_id].items()}
        for _ in range(ASKS_FOR_NEW):
            trial = study.ask(space)
            known = self._known_loss(candidate_id, trial.params)
            if known is None:
                break
            # Already run (a resumed study's seeded start repeats the first session's draws, and
            # a small space repeats itself): record the known result and ask again.
            study.tell(trial, known)
        self._pending[candidate_id].append(trial)
        return {**self._defaults[candidate_id], **trial.params}

    def _known_loss(self, candidate_id: str, params: dict[str, Any]) -> float | None:
        """The loss of a finished trial with exactly these params, if there is one."""
        for trial in self._studies[candidate_id].get_trials(deepcopy=False):
            if trial.state.is_finished() and trial.value is not None and trial.params == params:
                return trial.value
        return None

    def observe(self, candidate_id: str, params: dict[str, Any], loss: float | None) -> None:
        """Tell the study how a run with these params did (loss None = failed)."""
        if not self.has_space(candidate_id):
            return
        study = self._studies[candidate_id]
        space = self._spaces[candidate_id]
        searched = {k: params[k] for k in space if k in params}
        for trial in self._pending[candidate_id]:
            if trial.params == searched:
                self._pending[candidate_id].remove(trial)
                state = self._optuna.trial.TrialState.COMPLETE if loss is not None else \
                    self._optuna.trial.TrialState.FAIL
                study.tell(trial, loss, state=state)
                return
        # A run the study did not ask for (the draft, or one replayed on resume): add it as known.
        if loss is None or not searched:
            return
        if not all(space[k][0].contains(v) for k, v in searched.items()):
            return
        study.add_trial(
            self._optuna.trial.create_trial(
                params=searched,
                distributions={k: space[k][1] for k in searched},
                value=loss,
            )
        )
