"""Canvases of models Keras cannot rebuild, drawn from their live layers (issue 10, item 13),
and `Canvas.errors` naming blocks that fail on the sample (item 10)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import perceptinb as pnb


class Doubler(keras.layers.Layer):
    """A custom layer as notebooks write them: no get_config, not registered."""

    def __init__(self, units):
        super().__init__(name="doubler")
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x) * 2.0


def _custom_model() -> keras.Model:
    inp = keras.Input((3,), name="x")
    out = keras.layers.Dense(2, name="head")(Doubler(4)(inp))
    return keras.Model(inp, out)


def test_a_model_keras_cannot_rebuild_is_drawn_from_its_live_layers() -> None:
    model = _custom_model()
    x = np.ones((1, 3), "float32")
    with pytest.raises(pnb.GraphError, match="'doubler'"):
        pnb.Graph.from_keras(model)
    canvas = pnb.Canvas(model, sample=x)
    assert canvas.errors == {} and set(canvas.previews) == {"x", "doubler", "head"}
    assert all(p.error is None for p in canvas.previews.values())
    np.testing.assert_allclose(canvas.model(x), model(x), atol=1e-6)
    view = {n["id"]: n for n in canvas.graph_view["nodes"]}
    assert "Doubler" in view["doubler"]["locked"] and view["head"]["locked"] is None
    inspected = pnb.inspect(model, x)
    assert inspected.errors == {} and len(inspected.previews) == 3


def test_locked_blocks_cannot_be_edited_and_say_why() -> None:
    canvas = pnb.Canvas(_custom_model())
    before = canvas.graph.to_json()
    with pytest.raises(pnb.CommandError, match="'doubler'.*live model.*Doubler"):
        canvas.apply({"op": "set", "node": "doubler", "key": "trainable", "value": False})
    with pytest.raises(pnb.CommandError, match="'doubler'.*live model"):
        canvas.apply({"op": "rename", "node": "doubler", "name": "twice"})
    assert canvas.graph.to_json() == before
    canvas.apply({"op": "set", "node": "head", "key": "units", "value": 3})
    assert canvas.previews["head"].shape == (3,)


def _fails_on_data(t):
    raise ValueError("boom on real data")


def test_errors_name_a_block_that_fails_on_the_sample_not_its_descendants() -> None:
    inp = keras.Input((3,), name="x")
    failing = keras.layers.Lambda(_fails_on_data, output_shape=(3,), name="failing")(inp)
    hidden = keras.layers.Dense(4, name="hidden")(failing)
    model = keras.Model(inp, keras.layers.Dense(2, name="out")(hidden))
    canvas = pnb.Canvas(model, trusted=True, sample=np.ones((1, 3), "float32"))
    assert canvas.errors == {"failing": "boom on real data"}
    assert canvas.previews["out"].error and "upstream" in canvas.previews["out"].error
