"""Known fixes for failed runs, and the rendered candidate code."""

import ast

from mlwright.agents.builtin.coder import BuiltinCoder
from mlwright.agents.roles import Plan, RunFailure


def _failure(**changes):
    base = dict(recipe="lightgbm", params={"learning_rate": 0.05, "num_leaves": 63},
                stopped_for=None, exit_code=1, log_tail="", attempts=0)
    base.update(changes)
    return RunFailure(**base)


def test_missing_library_switches_to_the_fallback_recipe():
    fix = BuiltinCoder().debug(_failure(log_tail="ModuleNotFoundError: No module named 'lightgbm'"))
    assert fix.action == "switch_recipe" and fix.recipe == "random_forest"


def test_out_of_memory_retries_lighter_on_fewer_rows():
    fix = BuiltinCoder().debug(_failure(stopped_for="memory"))
    assert fix.action == "retry" and fix.row_fraction == 0.5 and fix.params["num_leaves"] == 31


def test_timeout_retries_faster():
    fix = BuiltinCoder().debug(_failure(stopped_for="timeout"))
    assert fix.action == "retry" and fix.params["learning_rate"] == 0.1


def test_repeated_failure_falls_back_and_last_recipe_gives_up():
    assert BuiltinCoder().debug(_failure(attempts=2)).action == "switch_recipe"
    assert BuiltinCoder().debug(_failure(recipe="linear", attempts=2)).action == "give_up"


def test_rendered_candidate_is_valid_python_for_every_family():
    for recipe in ("lightgbm", "xgboost", "catboost", "extra_trees", "linear", "knn",
                   "tfidf_linear"):
        files = BuiltinCoder().write(Plan(recipe=recipe, rationale="r", params={})).files
        for name in ("train.py", "predict.py"):
            ast.parse(files[name])
        assert "def fit_model" in files["predict.py"] and "def used_rounds" in files["predict.py"]


def test_an_unknown_error_twice_falls_back_to_numbers_and_categories():
    """Feature code that fails on this data (a date format, say) must not cost every recipe:
    the second retry leaves dates, texts, images and lags out, and that fix stays."""
    coder = BuiltinCoder()
    assert coder.debug(_failure(log_tail="TypeError: odd dates")).params == {}
    second = coder.debug(_failure(log_tail="TypeError: odd dates", attempts=1))
    assert second.action == "retry" and second.params == {"plain_features": True}
    from mlwright.agents.state import CandidateState, RunRecord

    candidate = CandidateState("c001", "lightgbm", Plan(recipe="lightgbm", rationale="r",
                                                        params={}), repo=None)
    candidate.keep_fix(RunRecord("r0003", "c001", "debug", {"plain_features": True, "x": 1},
                                 status="ok"), ("plain_features",))
    assert candidate.kept == {"plain_features": True}
