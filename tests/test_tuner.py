"""The built-in tuner never proposes a trial that already ran: a resumed study, seeded as the
first session's was, would otherwise start by drawing the same points again."""

import pytest

from mlwright.agents.builtin.tuner import BuiltinTuner
from mlwright.knowledge.recipes import RecipeContext, get_recipe
from mlwright.task.loading import locate_task
from mlwright.task.profile import profile
from mlwright.task.understand import understand
from tests.conftest import TITANIC


@pytest.fixture(scope="module")
def ctx() -> RecipeContext:
    data = understand(locate_task(TITANIC, None))
    data_profile, schema = profile(data.spec, data.train, data.test)
    return RecipeContext(spec=data.spec, profile=data_profile, schema=schema)


def _tuner(ctx: RecipeContext, recipe: str) -> BuiltinTuner:
    tuner = BuiltinTuner(ctx, seed=0)
    tuner.register("c1", recipe, get_recipe(recipe).defaults(ctx))
    return tuner


@pytest.mark.parametrize("recipe", ["lightgbm", "knn"])
def test_a_resumed_study_does_not_repeat_finished_trials(ctx, recipe):
    first = _tuner(ctx, recipe)
    finished = []
    for loss in (0.5, 0.4, 0.45):
        params = first.suggest("c1")
        first.observe("c1", params, loss)
        finished.append(params)
    # a resume: a new tuner, seeded alike, is told the finished runs before it is asked
    again = _tuner(ctx, recipe)
    for params, loss in zip(finished, (0.5, 0.4, 0.45), strict=True):
        again.observe("c1", params, loss)
    proposed = [again.suggest("c1") for _ in range(3)]
    assert not [p for p in proposed if p in finished]
    # without the replay the same seed draws the first session's points: the check has teeth
    fresh = _tuner(ctx, recipe)
    assert fresh.suggest("c1") == finished[0]
