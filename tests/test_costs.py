"""Run costs: priors from the data's size, corrected by what runs took; rows sized to windows;
and a task far too big for its budget still ends on a model, not on the constant."""

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from mlwright.knowledge.costs import CostModel, RunProgress
from mlwright.knowledge.recipes import RecipeContext, get_recipe
from mlwright.task.loading import locate_task
from mlwright.task.profile import profile
from mlwright.task.understand import understand
from tests.conftest import TITANIC, mlwright


@pytest.fixture(scope="module")
def titanic_ctx() -> RecipeContext:
    data = understand(locate_task(TITANIC, None))
    data_profile, schema = profile(data.spec, data.train, data.test)
    return RecipeContext(spec=data.spec, profile=data_profile, schema=schema)


def test_measured_runs_correct_the_priors(titanic_ctx):
    bigger = titanic_ctx.profile.model_copy(update={"train_rows": 200_000})
    costs = CostModel(RecipeContext(spec=titanic_ctx.spec, profile=bigger,
                                    schema=titanic_ctx.schema), n_folds=5, refit=False)
    linear, knn = get_recipe("linear"), get_recipe("knn")
    before = costs.estimate(knn)
    costs.observe(linear, 1.0, costs.prior(linear) * 4)  # this machine is four times slower
    assert costs.estimate(knn) > 2 * before  # recipes not run yet are scaled by the speed
    costs.observe(knn, 0.5, 10.0)  # a recipe's own runs win over the speed
    assert costs.estimate(knn, 0.5) == pytest.approx(10.0)
    assert costs.estimate(knn, 1.0) > costs.estimate(knn, 0.5)


def test_folds_tell_start_up_apart_from_fitting(titanic_ctx):
    """A run on 4 % of the rows whose first fold paid for imports: its later folds say what
    fitting costs, so all rows are not estimated at 25 times the whole run."""
    costs = CostModel(titanic_ctx, n_folds=3, refit=False)
    tfidf = get_recipe("tfidf_linear")
    costs.observe(tfidf, 0.04, 6.0, fold_seconds=[4.4, 0.8, 0.8])
    assert costs.estimate(tfidf, 1.0) == pytest.approx(3.6 + 3 * 0.8 / 0.04)
    blind = CostModel(titanic_ctx, n_folds=3, refit=False)
    blind.observe(tfidf, 0.04, 6.0)
    assert blind.estimate(tfidf, 1.0) > costs.estimate(tfidf, 1.0)


def test_rows_are_sized_to_a_window_and_never_below_a_useful_fit(titanic_ctx):
    costs = CostModel(titanic_ctx, n_folds=5, refit=False)
    linear = get_recipe("linear")
    costs.observe(linear, 1.0, costs.fixed(linear) + 100.0)
    fraction = costs.fraction_for(linear, costs.fixed(linear) + 25.0)
    assert fraction == pytest.approx(0.25)
    assert costs.estimate(linear, fraction) == pytest.approx(costs.fixed(linear) + 25.0)
    assert costs.worth_running(1.0) and not costs.worth_running(0.01)
    assert costs.worth_running(costs.smallest_fraction())


def test_a_boosted_run_takes_bigger_steps_before_fewer_rows(titanic_ctx):
    """A window too short for the default learning rate raises it, up to the top of the
    recipe's search space; the work a run does falls with it, and is what its time teaches."""
    costs = CostModel(titanic_ctx, n_folds=5, refit=False)
    lightgbm = get_recipe("lightgbm")
    defaults = lightgbm.defaults(titanic_ctx)
    fixed = costs.fixed(lightgbm)
    costs.observe(lightgbm, 1.0, fixed + 100.0)  # the default rate needs 100 s on all rows
    assert costs.faster(lightgbm, defaults, 1.0, fixed + 200.0) == defaults  # it fits
    sped = costs.faster(lightgbm, defaults, 1.0, fixed + 50.0)
    assert sped["learning_rate"] == pytest.approx(2 * defaults["learning_rate"])
    assert {k: v for k, v in sped.items() if k != "learning_rate"} == \
        {k: v for k, v in defaults.items() if k != "learning_rate"}
    assert costs.estimate(lightgbm, costs.work(lightgbm, sped, 1.0)) == pytest.approx(fixed + 50)
    top = next(p.high for p in lightgbm.space(titanic_ctx) if p.name == "learning_rate")
    assert costs.faster(lightgbm, defaults, 1.0, fixed + 1.0)["learning_rate"] == top
    assert costs.work(lightgbm, {**defaults, "learning_rate": top}, 0.5) == \
        pytest.approx(0.5 * defaults["learning_rate"] / top)
    linear = get_recipe("linear")  # no rate to raise: only fewer rows make it faster
    params = linear.defaults(titanic_ctx)
    assert costs.faster(linear, params, 1.0, 1.0) == params
    assert costs.work(linear, params, 0.3) == 0.3


def test_a_costlier_choice_is_sized_by_its_work(titanic_ctx):
    """Character n-grams cost several times the words alone: with them on by default, a trial
    that turns them off counts as that much less work and fits that many more rows in the same
    window."""
    texts = titanic_ctx.schema.model_copy(update={"text": ["Name"], "short_text": []})
    ctx = RecipeContext(spec=titanic_ctx.spec, profile=titanic_ctx.profile, schema=texts)
    costs = CostModel(ctx, n_folds=5, refit=False)
    tfidf = get_recipe("tfidf_linear")
    defaults = tfidf.defaults(ctx)
    assert defaults["char_ngrams"] is True  # words and characters by default, long texts too
    chars, words = defaults, {**defaults, "char_ngrams": False}
    factor = dict((name, f) for name, _, f in tfidf.costly)["char_ngrams"]
    assert factor > 1
    assert costs.work(tfidf, chars, 0.5) == pytest.approx(0.5)  # the default's own work
    assert costs.work(tfidf, words, 0.5) == pytest.approx(0.5 / factor)
    assert costs.work(tfidf, {**chars, "min_df": 3}, 0.5) == pytest.approx(0.5)
    costs.observe(tfidf, 1.0, costs.fixed(tfidf) + 10.0)  # characters on every row: 10 s
    window = costs.fixed(tfidf) + 5.0  # half the rows with characters, FACTOR x that of words
    assert costs.fraction_for(tfidf, window) / costs.work(tfidf, words, 1.0) == \
        pytest.approx(0.5 * factor)


def test_a_draft_too_costly_for_half_its_rows_goes_without_its_costlier_choice(titanic_ctx):
    """Character n-grams on a small sample lose to words alone on every row: a draft whose
    costlier choice would fit under half its rows drops it; one that fits more keeps it. A
    floor runs without it from the start."""
    texts = titanic_ctx.schema.model_copy(update={"text": ["Name"], "short_text": []})
    ctx = RecipeContext(spec=titanic_ctx.spec, profile=titanic_ctx.profile, schema=texts)
    costs = CostModel(ctx, n_folds=5, refit=False)
    tfidf = get_recipe("tfidf_linear")
    defaults = tfidf.defaults(ctx)
    costs.observe(tfidf, 1.0, costs.fixed(tfidf) + 10.0)  # characters on every row: 10 s
    roomy = costs.fixed(tfidf) + 6.0  # 60 % of the rows with characters
    assert costs.cheaper(tfidf, defaults, 1.0, roomy) == defaults
    tight = costs.fixed(tfidf) + 3.0  # 30 % with characters; words alone fit every row
    assert costs.cheaper(tfidf, defaults, 1.0, tight) == {**defaults, "char_ngrams": False}
    assert costs.cheaper(tfidf, defaults, 0.5, tight) == defaults  # 30 % of the 50 % it wants
    assert costs.cheapest(tfidf, defaults) == {**defaults, "char_ngrams": False}
    lightgbm = get_recipe("lightgbm")  # nothing costlier to drop
    assert costs.cheapest(lightgbm, lightgbm.defaults(ctx)) == lightgbm.defaults(ctx)


def test_a_recipe_that_stops_on_time_needs_only_part_of_its_estimate(titanic_ctx):
    costs = CostModel(titanic_ctx, n_folds=5, refit=False)
    lightgbm, linear = get_recipe("lightgbm"), get_recipe("linear")
    assert lightgbm.adaptive and not linear.adaptive
    assert costs.needed(lightgbm) < costs.estimate(lightgbm)
    assert costs.needed(linear) == costs.estimate(linear)


def test_a_timed_out_run_projects_its_time_from_its_folds(titanic_ctx, tmp_path):
    costs = CostModel(titanic_ctx, n_folds=5, refit=True)
    cnn = get_recipe("cnn")
    (tmp_path / "progress.json").write_text(json.dumps({"fits": 6, "fold_seconds": [20, 12]}))
    # the first fold paid for warming up: the second says what a fit costs
    def folds() -> list[float]:
        return RunProgress.read(tmp_path).fold_seconds

    assert costs.projected(cnn, folds(), 40.0) == pytest.approx(costs.fixed(cnn) + 6 * 12 * 1.1)
    # later folds shrank to fewer rows: only the first, on the rows planned, says what a fit costs
    (tmp_path / "progress.json").write_text(json.dumps({"fits": 6, "fold_seconds": [20, 0.4],
                                                        "row_share": 0.3}))
    assert costs.projected(cnn, folds(), 21.0, first_fold_only=True) == pytest.approx(
        costs.fixed(cnn) + 6 * 20 * 1.1)
    (tmp_path / "progress.json").unlink()  # no fold finished: each takes longer than it had
    assert costs.projected(cnn, folds(), 30.0) > costs.fixed(cnn) + 6 * (30 - costs.fixed(cnn))


def test_a_run_stopped_by_its_start_up_is_not_retried_on_fewer_rows(titanic_ctx, tmp_path):
    """Every fold done in 12 s, the run stopped at 16.3 s: torch starting on a busy CPU, not
    the rows, took the time. The projection keeps what the run was seen to spend, and the cost
    model learns a start-up that fewer rows cannot shorten."""
    costs = CostModel(titanic_ctx, n_folds=5, refit=True)
    cnn = get_recipe("cnn")
    folds = [9.8, 0.4, 0.3, 0.5, 0.6, 0.5]
    (tmp_path / "progress.json").write_text(json.dumps({"fits": 6, "fold_seconds": folds}))
    projected = costs.projected(cnn, RunProgress.read(tmp_path).fold_seconds, 16.3)
    assert projected >= 16.3
    costs.observe(cnn, 1.0, projected, fold_seconds=folds)
    assert costs.needed(cnn, 0.1) > 13.0  # a tenth of the rows still needs the start-up


def test_a_run_that_fitted_fewer_rows_than_planned_says_so(tmp_path):
    """Its folds ran slow and it shrank the rest: its time is the cost of fewer rows, not of
    the rows it was given (else the recipe would look cheaper than it is)."""
    assert RunProgress.read(tmp_path).row_share == 1.0  # nothing written: as planned
    (tmp_path / "progress.json").write_text(json.dumps({"fold_seconds": [9.0, 0.4],
                                                        "row_share": 0.55}))
    assert RunProgress.read(tmp_path).row_share == pytest.approx(0.55)
    (tmp_path / "progress.json").write_text(json.dumps({"fold_seconds": [1.0],
                                                        "row_share": 1.02}))
    # more than it was given: the fewest rows worth a fit round up, or rows that repeat made
    # every row as cheap as the share it was given (the manager caps the run's share at 1)
    assert RunProgress.read(tmp_path).row_share == pytest.approx(1.02)


@pytest.fixture(scope="module")
def big_image_task(tmp_path_factory) -> Path:
    """7,000 28x28 images (scikit-learn's digits, enlarged and shifted five ways): far more
    than a short budget on two cores can fit every recipe on."""
    task = tmp_path_factory.mktemp("big-images")
    (task / "images").mkdir()
    digits, rng, rows = load_digits(), np.random.default_rng(0), []
    for i, (pixels, label) in enumerate(zip(digits.images[:1400], digits.target[:1400],
                                            strict=True)):
        base = Image.fromarray((pixels / 16 * 255).astype("uint8")).resize((24, 24))
        for copy in range(5):
            canvas = Image.new("L", (28, 28))
            canvas.paste(base, tuple(int(v) for v in rng.integers(0, 5, 2)))
            canvas.save(task / "images" / f"{i}_{copy}.png")
            rows.append((f"{i}_{copy}", int(label), i % 5 == 0))
    table = pd.DataFrame(rows, columns=["image_id", "digit", "held_out"])
    table[~table.held_out][["image_id", "digit"]].to_csv(task / "train.csv", index=False)
    table[table.held_out][["image_id"]].to_csv(task / "test.csv", index=False)
    (task / "description.md").write_text("## Evaluation\nAccuracy of the predicted digit.")
    table[table.held_out][["image_id", "digit"]].to_csv(task / "answers.csv", index=False)
    return task


def test_too_big_for_the_budget_still_ends_on_a_model(big_image_task, tmp_path):
    out = tmp_path / "run"
    result = mlwright("run", big_image_task, "--budget", "45", "--out", out, timeout=400)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(out / "journal.sqlite") as db:
        events = [(k, json.loads(p)) for k, p in db.execute(
            "SELECT kind, payload FROM events ORDER BY seq")]
    first = next(p for k, p in events if k == "run_started")
    assert first["row_fraction"] < 1  # the floor: a cheap model on a share of the rows
    written = [p["weights"] for k, p in events if k == "submission_written"]
    assert "constant" not in written[-1]  # the run ended on a model, not on the constant
    submission = pd.read_csv(out / "final" / "submission.csv")
    answers = pd.read_csv(big_image_task / "answers.csv")
    assert submission["image_id"].tolist() == answers["image_id"].tolist()
    assert (submission["digit"] == answers["digit"]).mean() > 0.3  # chance is 0.1


def test_the_floor_is_the_strongest_cheap_recipe_for_the_data(titanic_ctx):
    from mlwright.knowledge.recipes import floor_recipes

    assert [r.name for r in floor_recipes(titanic_ctx)] == ["lightgbm", "linear"]
    texts = titanic_ctx.schema.model_copy(update={"text": ["comment"]})
    with_text = RecipeContext(spec=titanic_ctx.spec, profile=titanic_ctx.profile, schema=texts)
    assert [r.name for r in floor_recipes(with_text)] == ["tfidf_linear", "linear"]


def test_the_first_run_is_the_floor_in_its_short_window_even_as_the_designers_plan(
        finished_titanic_run):
    """Titanic is small: the designer's own LightGBM is cheap enough to be the floor. It still
    runs in the floor's window, so a recipe that stops on time ends early, as the floor should."""
    _, out = finished_titanic_run
    with sqlite3.connect(out / "journal.sqlite") as db:
        events = [(k, json.loads(p)) for k, p in db.execute(
            "SELECT kind, payload FROM events ORDER BY seq")]
    created = next(p for k, p in events if k == "candidate_created")
    first = next(p for k, p in events if k == "run_started")
    beside = [p for k, p in events if k == "run_started"][1]  # launched with it, a draft
    assert created["plan"]["floor"] and first["row_fraction"] == 1
    assert beside["action"] == "draft" and first["window"] < beside["window"]


def test_a_floor_that_fitted_every_row_unhurried_is_the_full_draft():
    """Then the designer's copy of it is not drafted again, nor proposed again on resume."""
    from mlwright.agents.roles import Plan
    from mlwright.agents.state import CandidateState, RunRecord

    def floor(**run) -> CandidateState:
        candidate = CandidateState("c001", "lightgbm", Plan(recipe="lightgbm", rationale="r",
                                                             params={}, floor=True), repo=None)
        candidate.runs.append(RunRecord("r0001", "c001", "draft", {}, status="ok", **run))
        return candidate

    assert floor(row_fraction=1.0, window=12.0, seconds=5.0).full_draft_done()
    assert not floor(row_fraction=1.0, window=12.0, seconds=11.5).full_draft_done()  # stopped
    assert not floor(row_fraction=0.3, window=12.0, seconds=5.0).full_draft_done()


def test_models_of_runs_that_can_no_longer_join_an_ensemble_are_found():
    """Tuning runs pile up fitted models (a forest's can take a gigabyte); the manager deletes
    those of failed runs and of runs ranked below the kept ones, unless in the ensemble."""
    from mlwright.agents.roles import Plan
    from mlwright.agents.state import CandidateState, RunRecord, SearchState

    state = SearchState()
    state.candidates["c001"] = CandidateState("c001", "lightgbm", Plan(recipe="lightgbm",
                                                                       rationale="r", params={}),
                                        repo=None)
    for i, loss in enumerate([0.5, 0.1, 0.4, 0.2, 0.3]):
        state.add_run(RunRecord(f"r{i}", "c001", "tune", {}, status="ok", loss=loss))
    state.add_run(RunRecord("r9", "c001", "tune", {}, status="failed"))
    reach = {r.run_id for r in state.out_of_reach(kept=3, members={"r0"})}
    assert reach == {"r2", "r9"}  # losses 0.1, 0.2, 0.3 kept; 0.5 is in the ensemble


def test_a_floor_cut_short_gets_its_full_draft_only_where_its_recipe_has_none():
    """A floor on a share of the rows is followed by its recipe's full draft, unless the
    designer's own draft of that recipe is planned or already under way (a second LightGBM
    draft on 837 icons took the slot the linear model never got)."""
    from types import SimpleNamespace

    from mlwright.agents.manager import Manager
    from mlwright.agents.roles import Plan
    from mlwright.agents.state import CandidateState

    def drafted(*candidates, pending=()) -> bool:
        states = {f"c{i}": CandidateState(f"c{i}", recipe, Plan(recipe=recipe, rationale="",
                                                                params={}, floor=floor),
                                          repo=None)
                  for i, (recipe, floor) in enumerate(candidates)}
        manager = SimpleNamespace(state=SimpleNamespace(candidates=states),
                                  pending_plans=[Plan(recipe=r, rationale="", params={})
                                                 for r in pending])
        return Manager._drafted(manager, "lightgbm")

    assert not drafted(("lightgbm", True))  # the floor alone: its full draft is still due
    assert not drafted(("lightgbm", True), ("catboost", False), pending=["linear"])
    assert drafted(("lightgbm", True), ("lightgbm", False))  # the designer's, under way
    assert drafted(("lightgbm", True), pending=["lightgbm"])
