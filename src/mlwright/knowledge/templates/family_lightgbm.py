# Model: LightGBM gradient-boosted trees with native categorical splits.

STOPS_AT_DEADLINE = True  # boosting rounds stop at ctx['deadline']
# Rows that repeat may come in once each, weighted by their count: fit_model reads
# ctx["weight"] and ctx["valid_weight"] (None otherwise). Code that ignores them says False.
WEIGHTED = True


def fit_model(X, y, X_valid, y_valid, params, ctx):
    import lightgbm as lgb

    rounds = int(params.pop("n_estimators", 3000))
    if ctx["task_type"] == "binary":
        objective = "binary"
    elif ctx["task_type"] == "multiclass":
        objective = "multiclass"
        params["num_class"] = ctx["n_classes"]
    else:
        objective = "l1" if params.get("loss") == "absolute" else "l2"
    params.pop("loss", None)
    booster_params = {
        "objective": objective,
        "verbosity": -1,
        "num_threads": ctx["threads"],
        "seed": ctx["seed"],
        "bagging_freq": 1 if params.get("bagging_fraction", 1.0) < 1.0 else 0,
        **params,
    }
    weight = ctx.get("weight")
    if weight is not None:
        # a row stands for many: a leaf's least rows become its least weight (a row's hessian
        # is 1 under squared or absolute error, p(1 - p) under log loss: 0.1 taken as typical),
        # and bagging would drop whole groups of rows
        least = booster_params.pop("min_child_samples", 20)
        booster_params.update(min_child_samples=1, min_data_in_bin=1, bagging_freq=0,
                              bagging_fraction=1.0, min_sum_hessian_in_leaf=least * (
                                  1.0 if objective in ("l1", "l2") else 0.1))
    deadline = ctx["deadline"]

    def stop_at_deadline(env):
        if time.time() > deadline:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    train_set = lgb.Dataset(X, y, weight=weight)
    if X_valid is None:  # refit on all rows for a known number of rounds
        return lgb.train(booster_params, train_set, rounds, callbacks=[stop_at_deadline])
    valid_set = lgb.Dataset(X_valid, y_valid, weight=ctx.get("valid_weight"),
                            reference=train_set)
    return lgb.train(
        booster_params, train_set, rounds, valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(ctx["early_stopping"], verbose=False), stop_at_deadline],
    )


def used_rounds(model):
    return model.best_iteration or model.current_iteration()


def predict_model(model, X, ctx):
    return model.predict(X, num_iteration=model.best_iteration or None)
