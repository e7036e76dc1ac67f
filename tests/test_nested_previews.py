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


# -- editing inner blocks -------------------------------------------------------------------
def test_set_on_an_inner_block_rebuilds_the_group_and_updates_previews(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    before = {nid: canvas.previews[nid] for nid in ("base/conv1", "base/relu1", "pool", "head")}
    json_before = canvas.graph.to_json()
    canvas.apply({"op": "set", "node": "base/conv1", "key": "filters", "value": 6})
    assert canvas.graph.nodes["base"].children.nodes["conv1"].settings["filters"] == 6
    assert canvas.model.get_layer("base").get_layer("conv1").filters == 6
    assert canvas.previews["base/conv1"].shape == (14, 14, 6)
    for nid in ("base/relu1", "pool", "head"):  # downstream, inside the group and after it
        assert canvas.previews[nid] is not before[nid]
    assert canvas.previews["pool"].shape == (6,)
    assert not canvas.errors
    canvas.undo()
    assert canvas.graph.to_json() == json_before
    assert canvas.previews["base/conv1"].shape == (14, 14, 4)
    assert canvas.model.get_layer("base").get_layer("conv1").filters == 4
    group = next(n for n in canvas.graph_view["nodes"] if n["id"] == "base")["group"]
    assert next(n for n in group["nodes"] if n["id"] == "conv1")["shape"] == "(None, 14, 14, 4)"


def test_rename_of_an_inner_block_moves_its_preview(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    canvas.apply({"op": "rename", "node": "base/bn1", "name": "norm"})
    assert "norm" in canvas.graph.nodes["base"].children.nodes
    assert "base/norm" in canvas.previews and "base/bn1" not in canvas.previews
    canvas.apply({"op": "set", "node": "base/norm", "key": "name", "value": "bn1"})
    assert "base/bn1" in canvas.previews and "base/norm" not in canvas.previews


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ({"op": "set", "node": "base/nope", "key": "filters", "value": 2}, "'nope'"),
        ({"op": "set", "node": "nogroup/conv1", "key": "filters", "value": 2}, "'nogroup'"),
        ({"op": "set", "node": "head/conv1", "key": "filters", "value": 2}, "'head'"),
        ({"op": "set", "node": "base/conv1", "key": "filters", "value": -3}, "'conv1'"),
        ({"op": "set", "node": "base/conv1", "key": "nosuch", "value": 1}, "'nosuch'"),
        ({"op": "rename", "node": "base/conv1", "name": "bn1"}, "'bn1'"),
    ],
)
def test_bad_inner_commands_name_the_culprit_and_change_nothing(sample, command, named) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    json_before = canvas.graph.to_json()
    with pytest.raises(pnb.CommandError, match=named):
        canvas.apply(command)
    assert canvas.graph.to_json() == json_before


def test_inner_fields_are_editable_in_the_details(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    canvas.selected = "base/conv1"
    fields = {f["key"]: f for f in canvas.details["fields"]}
    assert fields["filters"]["editable"]


def test_groups_inside_groups_preview_and_edit_by_their_full_path(sample) -> None:
    image = keras.Input((16, 16, 3), name="image")
    stem = keras.Model(image, keras.layers.Conv2D(2, 3, name="conv")(image), name="stem")
    outer_in = keras.Input((16, 16, 3), name="outer_in")
    outer = keras.Model(
        outer_in, keras.layers.ReLU(name="relu")(stem(outer_in)), name="backbone"
    )
    pixels = keras.Input((16, 16, 3), name="pixels")
    head = keras.layers.Dense(2, name="head")(keras.layers.Flatten(name="flat")(outer(pixels)))
    canvas = pnb.Canvas(keras.Model(pixels, head), sample=sample)
    assert canvas.previews["backbone/stem/conv"].shape == (14, 14, 2)
    assert canvas.previews["backbone/relu"].shape == (14, 14, 2)
    canvas.apply({"op": "set", "node": "backbone/stem/conv", "key": "filters", "value": 3})
    assert canvas.previews["backbone/stem/conv"].shape == (14, 14, 3)
    assert canvas.previews["head"].shape == (2,) and not canvas.errors
    canvas.undo()
    assert canvas.previews["backbone/stem/conv"].shape == (14, 14, 2)


def test_an_edit_inside_a_group_recomputes_only_what_follows_it(sample) -> None:
    canvas = pnb.Canvas(transfer_model(), sample=sample)
    before = dict(canvas.previews)
    canvas.apply({"op": "set", "node": "base/relu1", "key": "max_value", "value": 0.5})
    # relu1 inside, then the group's own output, pool and head after it: conv1 and bn1 kept.
    assert canvas.preview_stats["recomputed"] == 4
    assert canvas.previews["base/conv1"] is before["base/conv1"]
    assert canvas.previews["base/relu1"].stats["max"] <= 0.5
