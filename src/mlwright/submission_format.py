"""Turning canonical predictions into the task's submission table.

Self-contained (numpy and pandas only): mlwright copies this file next to final/predict.py so the
standalone predictor formats exactly as the run did.
"""

import numpy as np
import pandas as pd


def reweighed(predictions, weights):
    """Probabilities with each class's weight multiplied in and rows summed to one again: the
    likeliest class of the result is the label a metric such as macro F1 is best served by
    (weights fitted by mlwright's label_rule.py). No weights: unchanged."""
    predictions = np.asarray(predictions, dtype="float64")
    if weights is None:
        return predictions
    weights = np.asarray(weights, dtype="float64")
    if predictions.ndim == 1:
        positive = predictions * weights[1]
        return positive / np.maximum(positive + (1.0 - predictions) * weights[0], 1e-15)
    weighted = predictions * weights
    return weighted / np.maximum(weighted.sum(axis=1, keepdims=True), 1e-15)


def format_submission(frame, predictions, task):
    """frame: the rows predicted (raw CSV columns); predictions: canonical (n,) or (n, K);
    task: id_column, target, submission_kind, class_columns, classes, top_k (the labels a
    ranked_labels submission lists per row, most likely first), label_weights (per class,
    for labels; absent or None: the likeliest class)."""
    predictions = np.asarray(predictions, dtype="float64")
    table = pd.DataFrame(index=range(len(frame)))
    if task["id_column"]:
        table[task["id_column"]] = frame[task["id_column"]].to_numpy()
    kind = task["submission_kind"]
    if kind == "value":
        table[task["target"]] = predictions
    elif kind == "probability":
        table[task["target"]] = np.clip(predictions, 0.0, 1.0)
    elif kind == "class_probabilities":
        shares = np.clip(predictions, 0.0, None)
        shares = shares / np.maximum(shares.sum(axis=1, keepdims=True), 1e-15)
        for index, column in enumerate(task["class_columns"]):
            table[column] = shares[:, index]
    elif kind == "ranked_labels":
        classes = np.asarray(task["classes"], dtype=object)
        scores = predictions if predictions.ndim == 2 else np.column_stack(
            [1 - predictions, predictions])
        top = np.argsort(-scores, axis=1, kind="stable")[:, : task["top_k"]]
        table[task["target"]] = [" ".join(map(str, classes[row])) for row in top]
    else:
        classes = np.asarray(task["classes"], dtype=object)
        predictions = reweighed(predictions, task.get("label_weights"))
        if predictions.ndim == 2:
            chosen = predictions.argmax(axis=1)
        else:
            chosen = (predictions >= 0.5).astype(int)
        table[task["target"]] = classes[chosen]
    return table
