# Model: a forest of randomised trees (random forest or extra-trees) on integer-coded categoricals.

STOPS_AT_DEADLINE = True  # trees are grown in batches until ctx['deadline']


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
    # Grow in batches so a tight deadline yields a smaller forest instead of a killed run. The
    # first batch is small to time a tree; a batch is only started if it should end in time,
    # keeping a third of the time left for predicting and saving, which grow with the forest.
    batch, per_tree = 10, None
    while model.n_estimators < total:
        if per_tree is not None:
            left = ctx["deadline"] - time.time()
            batch = int(min(100, total - model.n_estimators, 0.66 * left / per_tree))
            if batch < 5:
                break
        started = time.time()
        model.n_estimators = min(total, model.n_estimators + batch)
        added = model.n_estimators - len(getattr(model, "estimators_", []))
        model.fit(X_ready, y)
        per_tree = (time.time() - started) / max(1, added)
    return model


def used_rounds(model):
    return None


def predict_model(model, X, ctx):
    X_ready = category_codes(X).fillna(-999.0)
    if ctx["task_type"] == "regression":
        return model.predict(X_ready)
    return expand_probabilities(model.predict_proba(X_ready), model.classes_, ctx["n_classes"])
