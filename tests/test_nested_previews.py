"""Inner blocks of nested models (a backbone under a new head) get previews, keyed GROUP/CHILD."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

import perceptinb as pnb


def transfer_model() -> keras.Model:
    """A small functional backbone used as one layer under a Dense head (transfer learning)."""
    image = keras.Input((16, 16, 3), name="image")
    x = keras.layers.Conv2D(4, 3, name="conv1")(image)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    backbone = keras.Model(image, x, name="base")
    inputs = keras.Input((16, 16, 3), name="pixels")
    features = keras.layers.GlobalAveragePooling2D(name="pool")(backbone(inputs))
    return keras.Model(inputs, keras.layers.Dense(3, name="head")(features), name="transfer")


@pytest.fixture
def sample() -> np.ndarray:
    return np.random.default_rng(0).random((2, 16, 16, 3)).astype("float32")


def test_inner_blocks_get_previews_of_the_sample_flowing_through(sample) -> None:
    model = transfer_model()
    canvas = pnb.Canvas(model, sample=sample)
    previews = canvas.previews
    assert {"base/image", "base/conv1", "base/bn1", "base/relu1"} <= set(previews)
    assert previews["base/conv1"].shape == (14, 14, 4)
    assert previews["base/conv1"].error is None
    # The inner previews show what the group's own layers do to the first sample.
    inner = model.get_layer("base")
    expected = keras.ops.convert_to_numpy(inner(sample[:1]))
    assert previews["base/relu1"].stats["max"] == pytest.approx(float(expected.max()), rel=1e-4)
    # The browser gets them like any other preview.
    message = canvas._previews.payload([])
    assert "base/conv1" in {item["node"] for item in message["items"]}


def test_an_unchanged_group_reuses_its_inner_previews(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    before = canvas.previews["base/conv1"]
    canvas.apply({"op": "set", "node": "head", "key": "units", "value": 5})
    assert canvas.previews["base/conv1"] is before
    assert canvas.preview_stats["recomputed"] == 1  # the head only


def test_inner_previews_follow_the_weights_and_go_with_their_group(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    before = canvas.previews["base/conv1"]
    canvas.refresh_previews()  # after training, say: every result is recomputed
    assert canvas.previews["base/conv1"] is not before
    canvas.apply({"op": "remove", "node": "base"})
    assert not [nid for nid in canvas.previews if nid.startswith("base/")]
    canvas.undo()
    assert "base/conv1" in canvas.previews


def test_inspector_detail_of_an_inner_block(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    canvas.previews  # noqa: B018 - waits for the previews
    detail = canvas._previews.detail("base/conv1", 0, False, [])
    assert detail is not None and detail["node"] == "base/conv1"


def test_mobilenet_backbone_under_a_head_previews_every_inner_block() -> None:
    base = keras.applications.MobileNetV2(
        weights=None, include_top=False, input_shape=(32, 32, 3)
    )
    inputs = keras.Input((32, 32, 3))
    features = keras.layers.GlobalAveragePooling2D()(base(inputs))
    outputs = keras.layers.Dense(2, name="head")(features)
    started = time.perf_counter()
    canvas = pnb.Canvas(keras.Model(inputs, outputs))
    previews = canvas.previews
    seconds = time.perf_counter() - started
    inner = [nid for nid in previews if nid.startswith(f"{base.name}/")]
    assert len(inner) == len(base.layers)
    assert not [nid for nid in inner if previews[nid].error]
    assert seconds < 30
