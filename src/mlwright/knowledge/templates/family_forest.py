# Model: a forest of randomised trees (random forest or extra-trees) on integer-coded categoricals.


def fit_model(X, y, X_valid, y_valid, params, ctx):
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )

    kind = params.pop("forest", "extra_trees")
    total = int(params.pop("n_estimators", 300))
    if ctx["task_type"] == "regression":
        params.pop("class_weight", None)
        model_class = ExtraTreesRegressor if kind == "extra_trees" else RandomForestRegressor
    else:
        model_class = ExtraTreesClassifier if kind == "extra_trees" else RandomForestClassifier
    model = model_class(n_estimators=0, warm_start=True, n_jobs=ctx["threads"],
                        random_state=ctx["seed"], **params)
    X_ready = category_codes(X).fillna(-999.0)
    # Grow in batches so a tight deadline yields a smaller forest instead of a killed run.
    while model.n_estimators < total:
        model.n_estimators = min(total, model.n_estimators + 50)
        model.fit(X_ready, y)
        if time.time() > ctx["deadline"]:
            break
    return model


def used_rounds(model):
    return None


def predict_model(model, X, ctx):
    X_ready = category_codes(X).fillna(-999.0)
    if ctx["task_type"] == "regression":
        return model.predict(X_ready)
    return expand_probabilities(model.predict_proba(X_ready), model.classes_, ctx["n_classes"])
