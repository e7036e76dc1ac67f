"""Text and token-id inputs on the canvas: real previews that show the tokens (issue 10, item 3)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import perceptinb as pnb
from perceptinb.preview.sample import first_sample


def _text_model() -> keras.Model:
    lookup = keras.layers.StringLookup(vocabulary=["the", "cat", "sat"], name="lookup")
    text = keras.Input((3,), dtype="string", name="text")
    ids = lookup(text)
    out = keras.layers.Dense(2, name="out")(
        keras.layers.GlobalAveragePooling1D(name="pool")(
            keras.layers.Embedding(5, 4, name="emb")(ids)
        )
    )
    return keras.Model(text, out)


def test_string_input_previews_its_words_and_the_lookup_its_ids() -> None:
    canvas = pnb.Canvas(_text_model(), sample=np.array([["the", "cat", "ran"]]))
    assert canvas.errors == {}
    text = canvas.previews["text"]
    assert text.kind == "tokens" and text.labels == ["the", "cat", "ran"] and text.error is None
    ids = canvas.previews["lookup"]
    assert ids.kind == "tokens" and ids.data.tolist() == [1, 2, 0]  # "ran" is out of vocabulary
    assert all(p.error is None for p in canvas.previews.values())
    message = text.to_message("text", [])
    assert message["labels"] == ["the", "cat", "ran"]


def test_text_from_a_dataset_arrives_as_bytes_and_is_decoded() -> None:
    data = tf.data.Dataset.from_tensor_slices(
        (np.array([["a", "b", "c"], ["d", "e", "f"]]), np.array([0, 1]))
    )
    graph = pnb.Graph.from_keras(_text_model())
    sample = first_sample(data, graph)
    assert sample.arrays["text"].tolist() == [["a", "b", "c"]] and sample.target.tolist() == [0]


def test_without_a_sample_a_text_input_gets_words() -> None:
    canvas = pnb.Canvas(_text_model())
    assert canvas.errors == {}
    assert canvas.previews["text"].labels == ["the", "quick", "brown"]


def test_numbers_for_a_text_input_are_one_clear_error() -> None:
    graph = pnb.Graph.from_keras(_text_model())
    sample = first_sample(np.zeros((1, 3)), graph)
    assert "expected text" in sample.errors["text"]


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_token_id_inputs_preview_as_tokens(dtype: str) -> None:
    ids = keras.Input((6,), dtype=dtype, name="ids")
    model = keras.Model(ids, keras.layers.Embedding(20, 3, name="emb")(ids))
    canvas = pnb.Canvas(model, sample=np.array([[4, 8, 15, 16, 2, 3]], dtype=dtype))
    preview = canvas.previews["ids"]
    assert preview.kind == "tokens" and preview.data.tolist() == [4, 8, 15, 16, 2, 3]


def test_synthetic_token_ids_fit_the_embedding_they_feed() -> None:
    ids = keras.Input((6,), dtype="int32", name="ids")
    model = keras.Model(ids, keras.layers.Embedding(3, 2, name="emb")(ids))
    canvas = pnb.Canvas(model)
    assert canvas.errors == {} and canvas.previews["emb"].error is None
    assert canvas.previews["ids"].data.tolist() == [0, 1, 2, 0, 1, 2]
