"""The architecture diff's canvases: both models' graph views and previews on one sample."""

from __future__ import annotations

import keras
import numpy as np

from perceptinb.codec import decode
from perceptinb.widgets.compare import CompareView, compare
from perceptinb.widgets.compare_canvas import diff_canvases


def _model(filters: int, extra: bool = False) -> keras.Model:
    keras.utils.set_random_seed(0)
    layers = [keras.Input((6, 6, 1), name="image"),
              keras.layers.Conv2D(filters, 3, padding="same", name="conv"),
              keras.layers.Flatten(name="flatten")]
    if extra:
        layers.append(keras.layers.Dropout(0.1, name="drop"))
    layers.append(keras.layers.Dense(3, name="dense"))
    return keras.Sequential(layers, name=f"m{filters}")


def test_views_match_by_node_id_without_previews() -> None:
    buffers: list = []
    out = diff_canvases(compare(_model(2), _model(4, extra=True)), buffers)
    assert out is not None and out["sample"] is False and buffers == []
    left = {n["id"]: n for n in out["left"]["view"]["nodes"]}
    right = {n["id"]: n for n in out["right"]["view"]["nodes"]}
    assert "drop" in right and "drop" not in left
    assert set(left) <= set(right)
    # The views are the canvas' own: shapes and parameter counts of each model.
    assert left["conv"]["params"] == 3 * 3 * 2 + 2 and right["conv"]["params"] == 3 * 3 * 4 + 4
    assert right["conv"]["shape"] == "(None, 6, 6, 4)"
    assert out["left"]["previews"] is None


def test_previews_of_both_models_on_the_same_sample() -> None:
    sample = np.random.default_rng(1).random((2, 6, 6, 1)).astype("float32")
    buffers: list = []
    out = diff_canvases(compare(_model(2), _model(4)), buffers, sample=sample)
    assert out is not None and out["sample"] is True
    for side, filters in (("left", 2), ("right", 4)):
        items = {i["node"]: i for i in out[side]["previews"]["items"]}
        assert {"image", "conv", "dense"} <= set(items)
        assert items["conv"]["shape"][-1] == filters
        image = decode(items["image"]["data"], buffers)
        assert image.dtype == np.uint8 and image.size > 0
    left_in = {i["node"]: i for i in out["left"]["previews"]["items"]}["image"]
    right_in = {i["node"]: i for i in out["right"]["previews"]["items"]}["image"]
    # Same sample on both sides: the input thumbnails are identical.
    assert np.array_equal(decode(left_in["data"], buffers), decode(right_in["data"], buffers))


def test_no_diff_without_two_architectures() -> None:
    assert diff_canvases(compare(_model(2)), []) is None


def test_widget_answers_diff_canvases_with_its_sample() -> None:
    sample = np.zeros((1, 6, 6, 1), "float32")
    view = compare(_model(2), _model(4)).widget(sample=sample)
    assert isinstance(view, CompareView)
    reply = view._diff_canvases({}, [])
    assert reply.result["sample"] is True and reply.buffers
    assert compare(_model(2)).widget()._diff_canvases({}, []).result is None
