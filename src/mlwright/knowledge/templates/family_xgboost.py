# Model: XGBoost histogram trees, categoricals handled natively.

STOPS_AT_DEADLINE = True  # boosting rounds stop at ctx['deadline']
# Rows that repeat may come in once each, weighted by their count: fit_model reads
# ctx["weight"] and ctx["valid_weight"] (None otherwise). Code that ignores them says False.
WEIGHTED = True


def fit_model(X, y, X_valid, y_valid, params, ctx):
    import xgboost as xgb

    rounds = int(params.pop("n_estimators", 3000))
    if ctx["task_type"] == "binary":
        objective = "binary:logistic"
    elif ctx["task_type"] == "multiclass":
        objective = "multi:softprob"
        params["num_class"] = ctx["n_classes"]
    else:
        absolute = params.get("loss") == "absolute"
        objective = "reg:absoluteerror" if absolute else "reg:squarederror"
    params.pop("loss", None)
    booster_params = {
        "objective": objective,
        "tree_method": "hist",
        "nthread": ctx["threads"],
        "seed": ctx["seed"],
        "verbosity": 0,
        **params,
    }
    deadline = ctx["deadline"]

    class StopAtDeadline(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            return time.time() > deadline

    weight = ctx.get("weight")
    if weight is not None:  # a row stands for many: sampling rows would drop whole groups
        booster_params["subsample"] = 1.0
    train_matrix = xgb.DMatrix(X, label=y, weight=weight, enable_categorical=True)
    if X_valid is None:  # refit on all rows for a known number of rounds
        return xgb.train(booster_params, train_matrix, rounds, callbacks=[StopAtDeadline()],
                         verbose_eval=False)
    valid_matrix = xgb.DMatrix(X_valid, label=y_valid, weight=ctx.get("valid_weight"),
                               enable_categorical=True)
    return xgb.train(
        booster_params, train_matrix, rounds, evals=[(valid_matrix, "valid")],
        early_stopping_rounds=ctx["early_stopping"], callbacks=[StopAtDeadline()],
        verbose_eval=False,
    )


def used_rounds(model):
    best = getattr(model, "best_iteration", None)
    return best + 1 if best is not None else model.num_boosted_rounds()


def predict_model(model, X, ctx):
    import xgboost as xgb

    matrix = xgb.DMatrix(X, enable_categorical=True)
    return model.predict(matrix, iteration_range=(0, used_rounds(model)))
