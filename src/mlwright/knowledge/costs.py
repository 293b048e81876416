"""What a run will cost, and how many rows fit a window.

A prior per recipe from the data's size (rows x features x outputs, the recipe's speed, the
number of fits), corrected by what runs of this task actually took: a recipe's own runs once it
has some, else every recipe's prior scaled by how fast this machine and this data turned out to
be. A run's time is a fixed part (start-up, imports, preparing the data, and for some recipes
predicting every row once per fit) plus a part proportional to the rows it fits on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlwright.knowledge.recipes import Recipe, RecipeContext

START_SECONDS = 2.5  # a process that imports its libraries and prepares its features
SLOW_START = {"cnn": 6.0, "minilm_embedding": 6.0}  # torch and friends take longer to import
SPEED_BOUNDS = (0.1, 20.0)  # how far the measured speed may move the priors
MIN_FRACTION = 0.02  # below this share of rows a fit teaches too little to be worth running
MIN_ROWS = 150  # ... and below this many rows per fold
# A recipe that stops at its deadline (fewer rounds or trees) still learns from every row in a
# window this share of its full estimate; below it, fewer rows learn more than fewer rounds.
# On 7,000 images of digits at 120 s, LightGBM on every row stopped by its deadline reached
# 0.93 accuracy where a converged fit on the 8 % of rows its full estimate allowed reached 0.83.
ADAPTIVE_SHARE = 0.1
STOPPED_SHARE = 0.7  # a run that used more of its window than this may have been cut short
# A draft whose costlier choice (Recipe.costly) would fit under this share of its rows goes
# without it, on every row it wanted: TF-IDF with character n-grams on the 13 % of 13k fortunes
# that a 36 s window allowed scored 0.36 macro F1, words alone on every row 0.47.
CHEAPER_BELOW = 0.5


@dataclass(frozen=True)
class RunProgress:
    """What a run's template wrote in progress.json as its folds finished, read once: each
    finished fold's seconds, the share of its planned rows it fitted (below 1 where its folds
    said the rest would overrun), whether its time cut it short (a fit its deadline stopped,
    with fewer rounds, trees or epochs than it would have used, or repeated folds dropped), and
    whether it fitted rows that repeat once each, weighted (its time then says little about
    what a row costs)."""

    fold_seconds: list[float] = field(default_factory=list)
    row_share: float = 1.0
    cut_short: bool = False
    weighted: bool = False

    @classmethod
    def read(cls, run_dir: Path) -> RunProgress:
        try:
            progress = json.loads((run_dir / "progress.json").read_text())
        except (OSError, ValueError):
            return cls()
        if not isinstance(progress, dict):
            return cls()
        try:
            seconds = [float(s) for s in progress["fold_seconds"]]
        except (KeyError, TypeError, ValueError):
            seconds = []
        try:
            # above 1 where every row was cheaper than the share it was given (rows that repeat)
            share = float(np.clip(float(progress["row_share"]), MIN_FRACTION, 1 / MIN_FRACTION))
        except (KeyError, TypeError, ValueError):
            share = 1.0
        try:
            cut = int(progress["cut_fits"]) > 0 or int(progress.get("dropped_folds", 0)) > 0
        except (KeyError, TypeError, ValueError):
            cut = False
        return cls(seconds, share, cut, progress.get("weighted") is True)


@dataclass
class CostModel:
    ctx: RecipeContext
    n_folds: int
    refit: bool
    # per recipe: (row fraction, seconds, start-up learned from its folds or None)
    measured: dict[str, list[tuple[float, float, float | None]]] = field(default_factory=dict)
    ratios: list[float] = field(default_factory=list)  # measured / prior, over all recipes

    @property
    def fits(self) -> int:
        return self.n_folds + (1 if self.refit else 0)

    def start(self, recipe: Recipe) -> float:
        return SLOW_START.get(recipe.name, START_SECONDS)

    def fixed(self, recipe: Recipe) -> float:
        """Seconds a run takes whatever share of rows it fits on: start-up, and predicting
        every validation and test row once per fit."""
        features = max(1, self.ctx.schema.feature_count)
        predicted = (self.ctx.rows + self.ctx.profile.test_rows) * features / 1e6
        return self.start(recipe) + self.fits * recipe.predict_seconds_per_million * predicted

    def prior(self, recipe: Recipe, row_fraction: float = 1.0) -> float:
        """Seconds a run would take by the recipe's declared speed alone."""
        outputs = self.ctx.outputs if recipe.per_output else 1
        cells = self.ctx.rows * max(1, self.ctx.schema.feature_count) * outputs / 1e6
        return self.fixed(recipe) + self.fits * recipe.seconds_per_million * cells * row_fraction

    @property
    def speed(self) -> float:
        """How much slower (above 1) or faster this machine and data are than the priors."""
        if not self.ratios:
            return 1.0
        return float(np.clip(np.median(self.ratios), *SPEED_BOUNDS))

    def estimate(self, recipe: Recipe, row_fraction: float = 1.0) -> float:
        fixed, full = self._split(recipe)
        return fixed + full * row_fraction

    def _split(self, recipe: Recipe) -> tuple[float, float]:
        """(seconds whatever the rows, seconds for all rows on top): from the recipe's own runs
        where it has some, the most expensive reading of them; else from its prior."""
        own = self.measured.get(recipe.name)
        if not own:
            return self.fixed(recipe), (self.prior(recipe) - self.fixed(recipe)) * self.speed
        readings = []
        for fraction, seconds, start in own:
            fixed = self.fixed(recipe) if start is None else start
            readings.append((fixed, max(seconds - fixed, 0.0) / fraction))
        return max(r[0] for r in readings), max(r[1] for r in readings)

    def observe(self, recipe: Recipe, row_fraction: float, seconds: float,
                window: float | None = None, fold_seconds: list[float] | None = None,
                speed: bool = True) -> None:
        """A run of the recipe on this share of rows took (or would have taken) these seconds.
        Its folds' times tell its start-up apart from its fitting: the first fold also pays for
        imports and warming up, the others fit alone. A recipe that stopped at its deadline
        says what it was given, not what it needed: it counts for itself, not for the speed;
        so does a run that says nothing of other recipes' speed (not SPEED)."""
        start = None
        if fold_seconds and len(fold_seconds) >= 2:
            per_fit = float(np.median(fold_seconds[1:]))
            start = max(self.fixed(recipe), seconds - self.fits * per_fit)
        self.measured.setdefault(recipe.name, []).append((max(row_fraction, 1e-6), seconds,
                                                          start))
        variable = self.prior(recipe, row_fraction) - self.fixed(recipe)
        stopped = recipe.adaptive and window is not None and seconds > STOPPED_SHARE * window
        if variable > 0.05 and not stopped and speed:
            self.ratios.append(max(seconds - self.fixed(recipe), 0.05) / variable)

    def needed(self, recipe: Recipe, row_fraction: float = 1.0) -> float:
        """The window a run needs: its whole estimate, or a share of it for a recipe that stops
        at its deadline."""
        fixed, full = self._split(recipe)
        return fixed + (ADAPTIVE_SHARE if recipe.adaptive else 1.0) * full * row_fraction

    def projected(self, recipe: Recipe, all_done: list[float], elapsed: float,
                  first_fold_only: bool = False, stopped: bool = True) -> float:
        """A timed-out run's full time: from the folds it finished (ALL_DONE, their seconds),
        or, when none finished, at least a fold per fit as long as its time.
        FIRST_FOLD_ONLY: the later folds fitted fewer rows than planned, so they say less.
        STOPPED: it was stopped inside a fold (not: it ended by itself with fewer folds)."""
        done = all_done[:1 if first_fold_only else None]
        if done:  # the first fold also paid for warming up: later ones say more, where known
            per_fit = float(np.median(done[1:])) if len(done) >= 2 else done[0]
            # what the run spent outside its folds (imports, reading, the fold it was in when
            # stopped, at most one) and the first fold's warming up are start-up: a CNN whose
            # folds took 11.6 s was stopped at 16.3 s, 14 s of it torch starting on a busy CPU
            unfinished = per_fit if stopped and len(all_done) < self.fits else 0.0
            start = max(self.fixed(recipe), elapsed - sum(all_done) - unfinished
                        + max(all_done[0] - per_fit, 0.0))
            return start + self.fits * per_fit * 1.1
        return self.fixed(recipe) + self.fits * max(elapsed - self.fixed(recipe), 1.0) * 1.5

    def fraction_for(self, recipe: Recipe, window: float) -> float:
        """The share of rows whose run is expected to fit the window (at most 1)."""
        fixed = self._split(recipe)[0]
        variable = self.needed(recipe, 1.0) - fixed
        if variable <= 0:
            return 1.0
        return float(np.clip((window - fixed) / variable, 0.0, 1.0))

    def work(self, recipe: Recipe, params: dict, row_fraction: float) -> float:
        """A run's share of the work of the recipe's default run on every row: its rows, its
        costlier choices (Recipe.costly), and where a learning rate sets the rounds to converge,
        their ratio (twice the default rate stops in about half the rounds)."""
        defaults = recipe.defaults(self.ctx)
        work = row_fraction
        for name, value, factor in recipe.costly:  # the recipe's costlier choices
            usual, chosen = defaults.get(name) == value, params.get(name, defaults.get(name))
            if chosen == value and not usual:
                work *= factor
            elif usual and chosen != value:
                work /= factor
        key = recipe.rate_param
        base = defaults.get(key) if key else None
        rate = params.get(key) if key else None
        if not base or not rate:
            return work
        return work * float(base) / float(rate)

    def faster(self, recipe: Recipe, params: dict, row_fraction: float, window: float) -> dict:
        """PARAMS with the learning rate raised, up to the top of the recipe's search space, so
        that a run on these rows is expected to converge within WINDOW. Bigger steps on every
        row beat small steps on a sample: on 1,200 word counts (10k rows, 15 classes), LightGBM
        at rate 0.15 on every row scored 0.409 in 19 s; at 0.05 on the 39 % of rows that the
        same time allows, 0.297."""
        key = recipe.rate_param
        if key is None or not params.get(key):
            return params
        fixed = self._split(recipe)[0]
        full = self.estimate(recipe, self.work(recipe, params, row_fraction))
        top = next((p.high for p in recipe.space(self.ctx) if p.name == key), None)
        rate = float(params[key])
        if full <= window or top is None or top <= rate:
            return params
        speed = (full - fixed) / max(window - fixed, 1e-3)
        return {**params, key: round(min(top, rate * speed), 4)}

    def cheaper(self, recipe: Recipe, params: dict, row_fraction: float, window: float) -> dict:
        """PARAMS without their costlier yes/no choices where, with them, a run would fit under
        CHEAPER_BELOW of ROW_FRACTION within WINDOW: a cheaper model on every row beats a
        costlier one on a small sample."""
        fits = self.fraction_for(recipe, window) / self.work(recipe, params, 1.0)
        if fits >= CHEAPER_BELOW * row_fraction:
            return params
        return self.cheapest(recipe, params)

    def cheapest(self, recipe: Recipe, params: dict) -> dict:
        """PARAMS with every costlier yes/no choice turned off (what a floor runs)."""
        off = {name: not value for name, value, _ in recipe.costly
               if isinstance(value, bool) and params.get(name) == value}
        return {**params, **off}

    def worth_running(self, row_fraction: float) -> bool:
        rows_per_fold = self.ctx.rows * row_fraction * (1 - 1 / max(2, self.n_folds))
        return row_fraction >= 1.0 or (row_fraction >= MIN_FRACTION and rows_per_fold >= MIN_ROWS)

    def smallest_fraction(self) -> float:
        """The fewest rows still worth a fit."""
        rows_per_fold = self.ctx.rows * (1 - 1 / max(2, self.n_folds))
        return float(min(1.0, max(MIN_FRACTION, MIN_ROWS / max(rows_per_fold, 1.0))))
