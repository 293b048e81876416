"""A view is what a model sees of the rows (the columns, a text's n-grams, the images). Where a
view's full drafts gained far less than another's best, its other recipes are not drafted."""

from types import SimpleNamespace

from mlwright.agents.manager import Manager
from mlwright.agents.roles import Plan
from mlwright.agents.state import CandidateState, RunRecord
from mlwright.knowledge.recipes import get_recipe

CONSTANT = 0.86  # the selection loss of the constant: 1 - accuracy of the majority class


def manager_with(*runs) -> SimpleNamespace:
    """(recipe, loss, row_fraction, cut_short) per candidate's one finished run."""
    candidates = {}
    for index, (recipe, loss, fraction, cut) in enumerate(runs):
        cid = f"c{index:03d}"
        candidate = CandidateState(cid, recipe, Plan(recipe=recipe, rationale="", params={}),
                                   repo=None)
        candidate.runs.append(RunRecord(f"r{index:04d}", cid, "draft", {}, fraction, "ok",
                                        loss=loss, cut_short=cut))
        candidates[cid] = candidate
    return SimpleNamespace(state=SimpleNamespace(candidates=candidates),
                           setup=SimpleNamespace(constant_loss=CONSTANT))


def far_behind(manager, recipe: str) -> str | None:
    return Manager._view_far_behind(manager, get_recipe(recipe))


def test_recipes_of_a_view_far_behind_another_are_not_drafted():
    texts_win = manager_with(("tfidf_linear", 0.29, 1.0, False), ("lightgbm", 0.82, 1.0, False))
    reason = far_behind(texts_win, "catboost")
    assert reason and "lightgbm" in reason and "tfidf_linear" in reason
    assert far_behind(texts_win, "tfidf_linear") is None  # the leading view goes on
    assert far_behind(texts_win, "minilm_embedding") is None  # a view not yet seen is drafted


def test_a_view_close_enough_or_not_fully_drafted_is_still_drafted():
    close = manager_with(("tfidf_linear", 0.29, 1.0, False), ("lightgbm", 0.60, 1.0, False))
    assert far_behind(close, "catboost") is None  # 46 % of the best gain: still worth trying
    sampled = manager_with(("tfidf_linear", 0.29, 1.0, False), ("lightgbm", 0.82, 0.3, False))
    assert far_behind(sampled, "catboost") is None  # a draft on few rows says too little
    stopped = manager_with(("tfidf_linear", 0.29, 1.0, False), ("lightgbm", 0.82, 1.0, True))
    assert far_behind(stopped, "catboost") is None  # ... as does one its deadline stopped
    alone = manager_with(("lightgbm", 0.82, 1.0, False))
    assert far_behind(alone, "catboost") is None  # nothing to compare with yet
