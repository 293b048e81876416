# Trains one model per fold the harness fixed; writes oof.npy, test.npy and model/.
# Inputs come from the environment the harness sets (MLWRIGHT_*); nothing else crosses over.
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from predict import build_features, canonical_output, encode_target, fit_model, fit_target
from predict import image_shape, learn_feature_state, plain_schema, predict_model, read_inputs
from predict import folds_to_predict, refit_replaces_folds, save_model, used_rounds
import predict as family

TRAIN, VALID = 1, 2
# A model that cannot stop at its deadline (a solver, a vectoriser) and whose finished fits say
# the rest would overrun the time left fits fewer rows in the rest (at least MIN_FIT_ROWS),
# aiming at FILL of the time left: a run that ends with every row validated on fewer rows beats
# one killed at its window with nothing.
FILL = 0.9
MIN_FIT_ROWS = 150
# The first fit also pays for lazy imports and warming up (as a first fold, TF-IDF on 720 rows
# took 4.7 s on a busy machine, 0.3 s on 150 rows after): a fit on this many rows goes first,
# so that the first fold measures what a row costs.
WARM_UP_ROWS = 50
END_MARGIN = 0.5
# A family that stops on time still pays fixed costs per fit (setting up, predicting, saving):
# where those of the fits left would take more than this share of the time left, repeated
# folds are dropped, so that the fits that remain have time to learn.
FIXED_SHARE = 0.5
# Rows that repeat (a few coded columns over a million people): where the distinct (features,
# target) pairs number at most DISTINCT_SHARE of the rows, a family that takes weights
# (WEIGHTED) fits each pair once, weighted by how many rows it stands for; for its loss that is
# the same fit, which then costs what the distinct rows cost, so it fits every row.
DISTINCT_SHARE = 0.2


def shrunk_fraction(fraction, seconds_per_row, rows_left, seconds_left):
    """The share of rows the remaining fits may use so they end in SECONDS_LEFT, given what a
    row cost so far: FRACTION where they fit as planned."""
    needed = seconds_per_row * rows_left * fraction
    if needed <= max(seconds_left, 0.0):
        return fraction
    return fraction * max(seconds_left, 0.0) * FILL / needed


def covering_folds(folds, fold_columns):
    """How many leading folds validate every row that any fold validates: the folds after them
    repeat K-fold on a new shuffle and only validate rows again."""
    roles = folds[fold_columns].to_numpy() == VALID
    wanted = roles.any(axis=1)
    seen = np.zeros(len(roles), dtype=bool)
    for index in range(roles.shape[1]):
        seen |= roles[:, index]
        if seen[wanted].all():
            return index + 1
    return roles.shape[1]


def repeats_overrun(seconds, overran, stops_on_time, fits_left, seconds_left):
    """Whether the fits left would overrun at what the finished ones took (SECONDS; OVERRAN:
    which ran past their deadline): for a family that stops on time only its fits that could
    not stop in their share count, and they may take FIXED_SHARE of the time left. The first
    fit is left out: it also paid for imports (1.3 s of a fold whose next ones took 0.05 s)."""
    seconds, overran = seconds[1:], overran[1:]
    if stops_on_time:
        seconds = [s for s, late in zip(seconds, overran, strict=True) if late]
    if not seconds:
        return False
    least = float(np.median(seconds)) * fits_left
    return least > max(seconds_left, 0.0) * (FIXED_SHARE if stops_on_time else 1.0)


def row_keys(X):
    return pd.util.hash_pandas_object(X, index=False).to_numpy()


def distinct_pairs(keys, y, rows):
    """One of ROWS per distinct (features, target) pair, and how many rows it stands for."""
    frame = pd.DataFrame({"key": keys[rows], "y": y[rows], "row": rows})
    grouped = frame.groupby(["key", "y"], sort=False)["row"]
    return grouped.first().to_numpy(), grouped.size().to_numpy().astype("float64")


def predict_rows(model, X, rows, keys, ctx):
    """The model's output for ROWS of X; with KEYS, each distinct row is predicted once."""
    if keys is None:
        return canonical_output(predict_model(model, X.iloc[rows], ctx), ctx)
    _, first, inverse = np.unique(keys[rows], return_index=True, return_inverse=True)
    return canonical_output(predict_model(model, X.iloc[rows[first]], ctx), ctx)[inverse]


def warm_up(X, y, rows, params, ctx):
    """One fit on a few rows, thrown away: imports and first-call costs are paid here, not by
    the first fold, whose time then says what a row costs. A failure here is left to the
    folds, which report it."""
    started = time.time()
    try:
        fit_model(X.iloc[rows], fit_target(y[rows], ctx), None, None, dict(params),
                  {**ctx, "deadline": time.time() + 5.0})
    except Exception as exc:  # noqa: BLE001 - the first fold raises it again, with its traceback
        print(f"warm-up fit failed: {exc}", flush=True)
    print(f"warmed up on {len(rows)} rows in {time.time() - started:.1f}s", flush=True)


def predicting_folds(planned, fitted):
    """After a shrink, the folds whose models predict the test: of k equal folds, those that
    fitted at least half the most rows (an average of folds beats one); of time-ordered folds,
    the one that fitted the most."""
    if len(set(planned)) == 1:
        return [i for i, n in enumerate(fitted) if n >= 0.5 * max(fitted)]
    return folds_to_predict(fitted)


def sample_rows(rng, rows, keep, labels, classified):
    """KEEP of ROWS at random; for classes, one row of each class the sample missed is added,
    so that a few hundred rows of a rare class still fit (a one-class fit raises)."""
    if keep >= len(rows):
        return rows
    chosen = rng.choice(rows, keep, replace=False)
    if classified:
        missing = np.setdiff1d(np.unique(labels[rows]), np.unique(labels[chosen]))
        extra = [rng.choice(rows[labels[rows] == label]) for label in missing]
        chosen = np.concatenate([chosen, np.asarray(extra, dtype=rows.dtype)])
    return np.sort(chosen)


def feature_importance(model, columns):
    """Gain-style importance per feature column where the model has one; {} otherwise."""
    try:
        if hasattr(model, "feature_importance"):  # LightGBM booster
            values = model.feature_importance(importance_type="gain")
            return dict(zip(model.feature_name(), map(float, values)))
        if hasattr(model, "get_feature_importance"):  # CatBoost
            return dict(zip(columns, map(float, model.get_feature_importance())))
        if hasattr(model, "get_score"):  # XGBoost booster
            return {k: float(v) for k, v in model.get_score(importance_type="gain").items()}
        if hasattr(model, "feature_importances_"):  # scikit-learn trees
            return dict(zip(columns, map(float, model.feature_importances_)))
    except Exception as exc:  # importance is a report nicety; it must never fail a run
        print(f"no feature importance: {exc}", flush=True)
    return {}


def mean_importance(per_fold):
    """Each fold's importances normalised to sum 1, then averaged."""
    total = {}
    for part in per_fold:
        norm = sum(part.values()) or 1.0
        for key, value in part.items():
            total[key] = total.get(key, 0.0) + value / norm / len(per_fold)
    return dict(sorted(total.items(), key=lambda item: -item[1]))


def main():
    env = os.environ
    started = time.time()
    schema = json.loads(Path(env["MLWRIGHT_SCHEMA"]).read_text())
    params = json.loads(Path(env["MLWRIGHT_PARAMS"]).read_text())
    folds = pd.read_parquet(env["MLWRIGHT_FOLDS"])
    deadline = float(env["MLWRIGHT_DEADLINE"])  # where a model that can stop should
    # where the run is stopped, less a little for writing its outputs: a model that cannot stop
    # sizes its later folds to end by then (predicting and saving are kept back on their own)
    window_end = float(env.get("MLWRIGHT_WINDOW_END", deadline)) - END_MARGIN
    out = Path(env.get("MLWRIGHT_OUTPUT", "."))
    row_fraction = float(env.get("MLWRIGHT_ROW_FRACTION", "1"))
    refit = env.get("MLWRIGHT_REFIT") == "1"
    # a family whose fit stops at ctx["deadline"] (fewer rounds, trees or epochs) says so;
    # fewer rows would not make it end sooner
    stops_on_time = bool(getattr(family, "STOPS_AT_DEADLINE", False))
    seed = int(env.get("MLWRIGHT_SEED", "0"))
    target = schema["target"]

    if params.pop("plain_features", False):
        schema = plain_schema(schema)  # kept in meta.json: predicting builds the same features
    train, test = read_inputs(env, schema)
    y = encode_target(train[target], schema)
    state = learn_feature_state(train, schema)
    near = bool((schema.get("temporal") or {}).get("near"))
    if not params.pop("target_lags", near):
        state["history"] = None  # a forecast without the target's lags
    X = build_features(train, schema, state)
    X_test = build_features(test, schema, state)
    n_outputs = len(schema["classes"]) if schema["task_type"] == "multiclass" else 0
    shape = (len(train), n_outputs) if n_outputs else (len(train),)
    oof = np.zeros(shape)
    validated = np.zeros(len(train))  # repeated folds validate a row more than once
    ctx = {
        "task_type": schema["task_type"],
        "metric": schema["metric"],
        "n_classes": len(schema["classes"]),
        "threads": int(env.get("MLWRIGHT_THREADS", "1")),
        "seed": seed,
        "early_stopping": int(params.pop("early_stopping_rounds", 100)),
        "target_transform": params.pop("target_transform", "none"),
        "image_shape": image_shape(schema),
        "image_column": (schema.get("images") or [None])[0],
    }
    model_dir = out / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    fold_columns = [c for c in folds.columns if c.startswith("fold_")]
    # the folds that validate every row once; repeats after them go first when time is short
    cover = covering_folds(folds, fold_columns)
    planned = len(fold_columns)
    fits = planned + (1 if refit else 0)
    known = np.flatnonzero(folds[fold_columns].to_numpy().max(axis=1) > 0)
    # Each fit's share of the time left is its share of the rows left to fit: a refit on every
    # row, or the last of time-ordered folds, needs more than the first fold.
    fold_sizes = [max(1, int((folds[c].to_numpy() == TRAIN).sum())) for c in fold_columns]

    def planned_sizes():
        return fold_sizes[:planned] + ([max(1, len(known))] if refit else [])

    sizes = planned_sizes()
    rounds, test_parts, importances, fold_seconds, overran = [], [], [], [], []
    classified = schema["task_type"] != "regression"
    planned_rows, fitted_sizes, fit_seconds, after_fit = 0, [], [], []
    cut_fits = 0  # folds whose fit its deadline stopped (fewer rounds, trees or epochs)
    fraction = row_fraction

    def shrink_for(rows_left, fits_left):
        """The fraction the fits left may use: only the fitting part of a fold grows with its
        rows; predicting and saving after it are kept back as they were."""
        if stops_on_time or not fitted_sizes:
            return fraction
        rate = float(np.median([t / n for t, n in zip(fit_seconds, fitted_sizes, strict=True)]))
        left = max(deadline, window_end) - time.time() - np.mean(after_fit) * fits_left
        return shrunk_fraction(fraction, rate, rows_left, left)

    keys = row_keys(X) if getattr(family, "WEIGHTED", False) else None
    distinct = len(distinct_pairs(keys, y, known)[0]) if keys is not None else len(known)
    if distinct > DISTINCT_SHARE * len(known):
        keys = None
    else:
        print(f"{len(known)} rows are {distinct} distinct (features, target) pairs: each "
              "fitted once, weighted", flush=True)
        if fraction < 1 and distinct <= fraction * len(known):
            # the rows it was given cost more than every distinct row does: all of them it is
            print(f"every row, not {fraction:.0%} of them", flush=True)
            fraction = 1.0
    test_keys = row_keys(X_test) if keys is not None else None

    def fit(rows, valid_rows, fit_params):
        """fit_model on ROWS, stopping early on VALID_ROWS if any; with KEYS, each distinct
        (features, target) pair goes in once, its count in ctx["weight"] ("valid_weight")."""
        fit_ctx = ctx
        if keys is not None:
            rows, weight = distinct_pairs(keys, y, rows)
            fit_ctx = {**ctx, "weight": weight, "valid_weight": None}
            if valid_rows is not None:
                valid_rows, fit_ctx["valid_weight"] = distinct_pairs(keys, y, valid_rows)
        valid = (None, None) if valid_rows is None else (
            X.iloc[valid_rows], fit_target(y[valid_rows], ctx))
        return fit_model(X.iloc[rows], fit_target(y[rows], ctx), *valid, fit_params, fit_ctx)

    def write_progress():
        """What the harness reads, also if this run runs out of time: how long a fold takes,
        the share of the planned rows it fitted, how many fits their deadline stopped, how
        many repeated folds it dropped, and whether it fitted rows that repeat weighted."""
        (out / "progress.json").write_text(json.dumps({
            "fits": fits, "fold_seconds": fold_seconds,
            "row_share": round(sum(fitted_sizes) / max(planned_rows, 1), 4),
            "cut_fits": cut_fits, "dropped_folds": len(fold_columns) - planned,
            "weighted": keys is not None}))

    def kept(count, share, least=MIN_FIT_ROWS):
        return count if share >= 1 else min(count, max(least, int(count * share)))

    def rows_at(rows, share, least=MIN_FIT_ROWS):
        return sample_rows(rng, rows, kept(len(rows), share, least), y, classified)

    if not stops_on_time:
        first_rows = np.flatnonzero(folds[fold_columns[0]].to_numpy() == TRAIN)
        warm_up(X, y, rows_at(first_rows, 0.0, WARM_UP_ROWS), params, ctx)
    for index, column in enumerate(fold_columns):
        if index >= planned:
            break
        if planned > cover and repeats_overrun(
                fold_seconds, overran, stops_on_time, fits - index,
                max(deadline, window_end) - time.time()):
            # every row validated once beats every row validated three times on fewer rows,
            # or a run killed at its window with nothing
            planned = max(cover, index)
            fits, sizes = planned + (1 if refit else 0), planned_sizes()
            print(f"fold {index}: the finished fits say the repeated folds would overrun; "
                  f"{planned} of {len(fold_columns)} folds", flush=True)
            if index >= planned:
                break
        role = folds[column].to_numpy()
        fit_rows = np.flatnonzero(role == TRAIN)
        planned_rows += kept(len(fit_rows), row_fraction)
        fewer = shrink_for(sum(sizes[index:planned]), planned - index)
        if fewer < fraction:  # the refit, if any, is left out: the folds' models predict
            print(f"fold {index}: the finished fits say the rest would overrun; "
                  f"{fraction:.0%} -> {fewer:.0%} of the rows", flush=True)
            fraction = fewer
        if fraction < 1:
            fit_rows = rows_at(fit_rows, fraction)
        valid_rows = np.flatnonzero(role == VALID)
        share = sizes[index] / sum(sizes[index:])
        # a model that stops at its deadline still predicts and saves after it: the time that
        # took in the finished folds is kept back for every fit left (millions of rows to
        # predict can take longer than the fit)
        reserve = np.mean(after_fit) * (fits - index) if after_fit else 0.0
        ctx["deadline"] = time.time() + max(deadline - time.time() - reserve, 0.0) * share
        fold_started = time.time()
        model = fit(fit_rows, valid_rows, dict(params))
        fitted_at = time.time()
        cut_fits += int(stops_on_time and fitted_at >= ctx["deadline"])
        # past its deadline by more than a round's overshoot: costs it could not cut
        overran.append(fitted_at - ctx["deadline"] > 0.25 * (ctx["deadline"] - fold_started))
        oof[valid_rows] += predict_rows(model, X, valid_rows, keys, ctx)
        validated[valid_rows] += 1
        rounds.append(used_rounds(model))
        importances.append(feature_importance(model, list(X.columns)))
        test_parts.append(predict_rows(model, X_test, np.arange(len(X_test)), test_keys, ctx))
        save_model(model, model_dir / f"fold_{index}.pkl")
        fold_seconds.append(round(time.time() - fold_started, 3))
        after_fit.append(time.time() - fitted_at)
        fitted_sizes.append(len(fit_rows))
        fit_seconds.append(fitted_at - fold_started)
        write_progress()
        print(f"fold {index}: {len(fit_rows)} rows fitted in {fold_seconds[-1]:.1f}s", flush=True)
    write_progress()
    predictors = [f"fold_{i}.pkl" for i in range(planned)]
    if fraction < row_fraction or (refit and shrink_for(sizes[-1], 1) < fraction):
        # folds already short of time, or a refit on fewer rows than they fitted, would predict
        # worse than the folds' own models: those that fitted the most rows predict
        refit = False
        largest = predicting_folds(sizes[:planned], fitted_sizes)
        predictors = [f"fold_{i}.pkl" for i in largest]
        test_parts = [test_parts[i] for i in largest]
        print(f"short of time: no refit; {', '.join(predictors)} predict the test", flush=True)
    if refit:
        # One more model on the labelled rows (at the same share as the folds): the test comes
        # after (or beside) all of them (k-fold runs have no refit).
        largest = folds_to_predict(sizes[:planned])
        predictors = [f"fold_{i}.pkl" for i in largest]
        test_parts = [test_parts[i] for i in largest]
        if fraction < 1:
            known = rows_at(known, fraction)
        refit_params = dict(params)
        if all(r is not None for r in rounds):
            refit_params["n_estimators"] = max(1, int(np.mean(rounds) * 1.15))
        ctx["deadline"] = deadline - (np.mean(after_fit) if after_fit else 0.0)
        model = fit(known, None, refit_params)
        if refit_replaces_folds(used_rounds(model), [rounds[i] for i in largest]):
            test_parts = [predict_rows(model, X_test, np.arange(len(X_test)), test_keys, ctx)]
            save_model(model, model_dir / "full.pkl")
            predictors = ["full.pkl"]
            print(f"refit on {len(known)} rows", flush=True)
        else:
            print(f"refit stopped short of the folds' rounds; {', '.join(predictors)} predict",
                  flush=True)
    saved_ctx = {k: v for k, v in ctx.items() if k != "deadline"}
    meta = {"schema": schema, "state": state, "ctx": saved_ctx, "params": params,
            "predictors": predictors}
    (model_dir / "meta.json").write_text(json.dumps(meta, indent=1))
    shutil.copy(Path(__file__).resolve().parent / "predict.py", model_dir / "predict.py")
    if any(importances):
        (out / "importances.json").write_text(json.dumps(mean_importance(importances), indent=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        oof = (oof.T / np.where(validated > 0, validated, np.nan)).T  # NaN: never validated
    np.save(out / "oof.npy", oof)
    np.save(out / "test.npy", np.mean(test_parts, axis=0))
    print(f"done in {time.time() - started:.1f}s", flush=True)


if __name__ == "__main__":
    main()
