# Model: CatBoost ordered boosting; categoricals as strings, CatBoost's own target statistics.

STOPS_AT_DEADLINE = True  # boosting rounds stop at ctx['deadline']


def _catboost_frame(X):
    X = X.copy()
    categorical = categorical_columns(X)
    for column in categorical:
        X[column] = X[column].astype(object).where(X[column].notna(), "__missing__").astype(str)
    return X, categorical


def fit_model(X, y, X_valid, y_valid, params, ctx):
    from catboost import CatBoostClassifier, CatBoostRegressor

    iterations = int(params.pop("n_estimators", 3000))
    if ctx["task_type"] == "binary":
        loss, model_class = "Logloss", CatBoostClassifier
    elif ctx["task_type"] == "multiclass":
        loss, model_class = "MultiClass", CatBoostClassifier
    else:
        absolute = params.get("loss") == "absolute"
        loss, model_class = ("MAE" if absolute else "RMSE"), CatBoostRegressor
    params.pop("loss", None)
    model = model_class(
        iterations=iterations,
        loss_function=loss,
        random_seed=ctx["seed"],
        thread_count=ctx["threads"],
        verbose=False,
        allow_writing_files=False,
        **({} if X_valid is None else
           {"od_type": "Iter", "od_wait": ctx["early_stopping"], "use_best_model": True}),
        **params,
    )
    deadline = ctx["deadline"]

    class StopAtDeadline:
        def after_iteration(self, info):
            return time.time() < deadline

    X_fit, categorical = _catboost_frame(X)
    eval_set = None if X_valid is None else (_catboost_frame(X_valid)[0], y_valid)
    model.fit(X_fit, y, cat_features=categorical, eval_set=eval_set, callbacks=[StopAtDeadline()])
    return model


def used_rounds(model):
    return model.tree_count_


def predict_model(model, X, ctx):
    X_ready, _ = _catboost_frame(X)
    if ctx["task_type"] == "regression":
        return model.predict(X_ready)
    probabilities = model.predict_proba(X_ready)
    return expand_probabilities(probabilities, model.classes_, ctx["n_classes"])
