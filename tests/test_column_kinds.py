"""What kind a column is, from its values: the kind decides its features (a text column gets
word and character n-grams; a categorical, its levels; an identifier, nothing)."""

import numpy as np
import pandas as pd
import pytest

from mlwright.task.profile import _kind

ROWS = 400
rng = np.random.default_rng(0)
WORDS = ["oak", "river", "stone", "bright", "marsh", "falcon", "velvet", "ember", "harbor",
         "quill", "lantern", "meadow", "cobalt", "thistle", "saffron", "glacier"]


def phrases(make) -> pd.Series:
    return pd.Series([make(i) for i in range(ROWS)])


def word(i: int) -> str:
    return "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 7)) + WORDS[i % len(WORDS)]


@pytest.mark.parametrize("values,kind", [
    (phrases(word), "text"),  # single distinct words
    (phrases(lambda i: f"{word(i)} {word(i + 1)}"), "text"),  # short phrases
    (phrases(lambda i: " ".join(word(i + k) for k in range(8))), "text"),  # sentences
    (phrases(lambda i: f"n{10000 + i}"), "identifier"),  # ids carry digits
    (phrases(lambda i: f"AB-{1000 + i}"), "identifier"),
    (phrases(lambda i: WORDS[i % 5]), "categorical"),  # few distinct levels
    (phrases(lambda i: f"{WORDS[i % 7]}, {WORDS[i % 3]}"), "categorical"),
])
def test_a_columns_kind_follows_its_values(values, kind):
    assert _kind(values, ROWS) == kind
