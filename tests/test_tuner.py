"""The built-in tuner never proposes a trial that already ran: a resumed study, seeded as the
first session's was, would otherwise start by drawing the same points again."""

import pytest

from mlwright.agents.builtin.tuner import BuiltinTuner
from mlwright.knowledge.recipes import RecipeContext, get_recipe
from mlwright.task.loading import locate_task
from mlwright.task.profile import profile
from mlwright.task.understand import understand
from tests.conftest import TITANIC
from tests.test_text_recipe import SHARED as REVIEWS


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


@pytest.fixture(scope="module")
def text_ctx() -> RecipeContext:
    if not REVIEWS.exists():
        pytest.skip(f"{REVIEWS} is not beside the checkout")
    data = understand(locate_task(REVIEWS, None))
    data_profile, schema = profile(data.spec, data.train, data.test)
    return RecipeContext(spec=data.spec, profile=data_profile, schema=schema)


def test_the_first_trials_are_the_recipes_known_strong_changes(text_ctx):
    defaults = get_recipe("tfidf_linear").defaults(text_ctx)
    assert defaults["char_ngrams"] is True  # words and characters by default
    tuner = _tuner(text_ctx, "tfidf_linear")
    tuner.observe("c1", defaults, 0.30)  # the draft
    first = tuner.suggest("c1")
    # the other side of the default, the defaults kept (the search picks what they leave open)
    assert {name: first[name] for name in defaults} == {**defaults, "char_ngrams": False}
    tuner.observe("c1", first, 0.28)
    # the flip back is the draft itself: skipped, the search's own picks follow
    after = tuner.suggest("c1")
    assert after != first and {name: after.get(name) for name in defaults} != defaults
    # a recipe without first trials starts with the search's own pick
    assert not get_recipe("lightgbm").first_trials
