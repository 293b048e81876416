# Model: regularised linear model (logistic / ridge) on scaled numbers and one-hot categoricals.


def fit_model(X, y, X_valid, y_valid, params, ctx):
    from sklearn.pipeline import Pipeline

    preprocessor = sklearn_preprocessor(
        X, scaler=params.pop("scaler", "standard"), min_frequency=params.pop("min_frequency", 5)
    )
    model = Pipeline([("prepare", preprocessor),
                      ("model", linear_estimator(params, ctx, max_iter=2000))])
    model.fit(X, y)
    return model


def used_rounds(model):
    return None


def predict_model(model, X, ctx):
    return predict_pipeline(model, X, ctx)
