"""First-sample previews: summaries by shape, sample handling, incremental engine, messages."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from browser_stub import BrowserStub
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from models import SMALL_MODELS, application, sample_inputs

import perceptinb as pnb
from perceptinb import codec
from perceptinb.preview.summarize import THUMB_BYTES, statistics, summarize


# -- summaries -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "dtype", "kind"),
    [
        ((), "float32", "bars"),
        ((10,), "float32", "bars"),
        ((300,), "float32", "line"),
        ((28, 28), "float32", "gray"),
        ((28, 28, 1), "float32", "gray"),
        ((32, 32, 3), "float32", "rgb"),
        ((14, 14, 40), "float32", "grid"),
        ((50, 4), "float32", "heatmap"),
        ((12,), "int32", "tokens"),
        ((4, 4, 4, 2), "float32", "grid"),
    ],
)
def test_kind_follows_shape(shape, dtype, kind) -> None:
    batch = np.random.default_rng(0).random((2, *shape)).astype(dtype)
    preview = summarize(batch)
    assert preview.kind == kind
    assert preview.shape == shape
    assert 0 < preview.nbytes <= THUMB_BYTES
    assert preview.data.dtype in (np.uint8, np.float16, np.int32)


def test_stats_match_numpy_and_count_dead_units() -> None:
    values = np.random.default_rng(1).standard_normal((1, 6, 6, 8)).astype(np.float32)
    values[values < 0] = 0
    stats = summarize(values).stats
    assert stats["min"] == pytest.approx(values.min())
    assert stats["max"] == pytest.approx(values.max())
    assert stats["mean"] == pytest.approx(values.mean(), rel=1e-5)
    assert stats["std"] == pytest.approx(values.std(), rel=1e-4)
    assert stats["zero_frac"] == pytest.approx(np.mean(values == 0))
    assert stats["nan"] == stats["inf"] == 0


def test_nan_and_inf_are_counted_and_excluded() -> None:
    values = np.array([1.0, np.nan, np.inf, -np.inf, 3.0], np.float32)
    stats = statistics(values)
    assert (stats["nan"], stats["inf"], stats["min"], stats["max"]) == (1, 2, 1.0, 3.0)


def test_detail_pages_through_channels() -> None:
    maps = np.random.default_rng(2).random((1, 16, 16, 80)).astype(np.float32)
    first, last = summarize(maps, detail=True), summarize(maps, detail=True, page=9)
    assert first.grid["pages"] == 3 and first.grid["shown"] == 36
    assert last.grid["page"] == 2 and last.grid["shown"] == 8


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float16, np.float64, np.int32, np.uint8]),
        shape=hnp.array_shapes(min_dims=1, max_dims=5, min_side=1, max_side=40),
        elements={"allow_nan": True, "allow_infinity": True},
    )
)
def test_summarize_never_fails_and_stays_bounded(array) -> None:
    preview = summarize(array)
    assert preview.nbytes <= THUMB_BYTES
    assert set(preview.stats) == {"min", "mean", "max", "std", "zero_frac", "nan", "inf"}
    if array.dtype.kind == "f":
        assert preview.stats["nan"] == int(np.isnan(array[0]).sum())
    buffers: list[bytes] = []
    message = preview.to_message("n", buffers)
    if preview.data is None:
        assert message["data"] is None and buffers == []
    else:
        np.testing.assert_array_equal(codec.decode(message["data"], buffers), preview.data)


# -- the canvas and its samples --------------------------------------------------------------
def cnn_sample() -> np.ndarray:
    return np.random.default_rng(3).random((4, 8, 8, 1)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_every_node_gets_a_preview_or_an_error(name: str) -> None:
    model = SMALL_MODELS[name]()
    canvas = pnb.Canvas(model, sample=sample_inputs(model))
    nodes = canvas.graph.nodes.values()
    groups = {n.id: n.children for n in nodes if n.children and not n.shares}
    inner = {f"{gid}/{cid}" for gid, children in groups.items() for cid in children.nodes}
    assert set(canvas.previews) == set(canvas.graph.nodes) | inner  # inner blocks: GROUP/CHILD
    for node_id, preview in canvas.previews.items():
        assert preview.error is None, (node_id, preview.error)
        assert preview.kind != "none" and preview.stats


@pytest.mark.slow
def test_application_previews_are_complete_and_small() -> None:
    model = application("MobileNetV2")
    canvas = pnb.Canvas(model, sample=sample_inputs(model))
    assert set(canvas.previews) == set(canvas.graph.nodes)
    assert all(p.error is None for p in canvas.previews.values())
    assert sum(p.nbytes for p in canvas.previews.values()) < 2_000_000


def test_preview_equals_the_real_layer_output() -> None:
    model = SMALL_MODELS["sequential_cnn"]()
    x = cnn_sample()
    canvas = pnb.Canvas(model, sample=x)
    probe = keras.Model(model.inputs, model.get_layer("flatten").output)
    expected = np.asarray(probe(x[:1]))
    assert canvas.previews["flatten"].stats["max"] == pytest.approx(expected.max(), rel=1e-5)


def test_edit_recomputes_only_the_edited_node_and_descendants() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"](), sample=cnn_sample())
    assert canvas.preview_stats["recomputed"] == 6
    conv_before = canvas.previews["conv"].data.copy()
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 5})
    assert canvas.preview_stats["recomputed"] == 1
    assert canvas.previews["dense"].shape == (5,)
    np.testing.assert_array_equal(canvas.previews["conv"].data, conv_before)
    canvas.apply({"op": "set", "node": "dropout", "key": "rate", "value": 0.5})
    assert canvas.preview_stats["recomputed"] == 2  # dropout and dense
    assert set(canvas.preview_stats) == {"recomputed", "seconds", "bytes", "path"}
    assert canvas.preview_stats["path"] == "numpy"  # edits take the incremental path


def test_sample_forms_are_accepted() -> None:
    model = SMALL_MODELS["sequential_cnn"]()
    x = cnn_sample()
    reference = pnb.Canvas(model, sample=x).previews["dense"].stats
    for form in (
        x[0],
        tf.constant(x),
        tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2),
        {"image": x},
    ):
        stats = pnb.Canvas(model, sample=form).previews["dense"].stats
        assert stats["mean"] == pytest.approx(reference["mean"]), type(form)


def test_multi_input_sample_as_list_and_dataframe() -> None:
    model = SMALL_MODELS["multi_io_shared_nested"]()
    canvas = pnb.Canvas(model, sample=sample_inputs(model))
    assert canvas.previews["score"].error is None
    import pandas as pd

    tabular = keras.Sequential(
        [keras.Input((3,), name="features"), keras.layers.Dense(2, name="d")]
    )
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]})
    canvas = pnb.Canvas(tabular, sample=frame)
    np.testing.assert_allclose(canvas.sample["features"], [[1.0, 3.0, 5.0]])


def test_no_sample_means_a_visible_synthetic_one() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"]())
    browser = BrowserStub(canvas)
    assert canvas.graph_view["synthetic"] is True
    assert canvas.previews["conv"].kind == "grid"
    version = canvas.version
    canvas.sample = cnn_sample()
    # The flag follows the sample at once, in the same ordered update as the new previews.
    assert canvas.graph_view["synthetic"] is False
    (update, buffers), = browser.pushes()
    assert update["version"] == version + 1 == update["graph"]["version"]
    assert update["graph"]["synthetic"] is False and update["previews"]["synthetic"] is False
    assert len(update["previews"]["items"]) == 6 and len(buffers) == 6
    canvas.set_sample(None)
    assert canvas.graph_view["synthetic"] is True and browser.pushes()[-1][0]["graph"]["synthetic"]


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        (np.zeros((3, 4)), r"expected a sample of shape \(8, 8, 1\).*Received shape \(3, 4\)"),
        (
            np.zeros((2, 8, 8, 3)),
            r"expected a sample of shape \(8, 8, 1\)\. Received shape \(8, 8, 3\)",
        ),
        (np.array([["a"]]), "expected numbers"),
    ],
)
def test_wrong_sample_is_one_clear_error_on_the_input(sample, message) -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"](), sample=sample)
    import re

    assert re.search(message, canvas.previews["image"].error)
    assert "upstream" in canvas.previews["dense"].error
    assert canvas.errors == {}  # the model itself is fine


def test_nan_in_the_sample_propagates_visibly() -> None:
    x = cnn_sample()
    x[0, 2, 2, 0] = np.nan
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"](), sample=x)
    assert canvas.previews["image"].stats["nan"] == 1
    assert canvas.previews["conv"].stats["nan"] == 9 * 4  # 3x3 windows that saw it, 4 filters
    # TensorFlow's max pooling drops NaN: the previews show where it disappears.
    assert canvas.previews["pool"].stats["nan"] == 0
    model = SMALL_MODELS["transformer_block"]()
    (seq,) = sample_inputs(model)
    seq[0, 3, 5] = np.nan
    canvas = pnb.Canvas(model, sample=seq)
    assert canvas.previews["head"].stats["nan"] == 2


def test_previews_can_be_switched_off() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"](), previews=False)
    assert canvas.previews == {}
    canvas.previews_enabled = True
    assert len(canvas.previews) == 6


def test_inspect_is_read_only_with_previews() -> None:
    viewer = pnb.inspect(SMALL_MODELS["sequential_cnn"](), cnn_sample(), target=np.array([7]))
    assert viewer.read_only and len(viewer.previews) == 6


def test_calls_answer_with_binary_buffers_and_details() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"](), sample=cnn_sample(), target=[3])
    assert len(canvas.previews) == 6  # Python waits for the previews that stream in
    browser = BrowserStub(canvas)
    reply, buffers = browser.call("previews")
    result = reply["result"]
    assert reply["ok"] and len(result["items"]) == 6 and result["version"] == canvas.version
    for item in result["items"]:
        array = codec.decode(item["data"], buffers, name=item["node"])
        assert array.size and item["shape"] == list(canvas.previews[item["node"]].shape)
    reply, buffers = browser.call("preview_detail", node="dense", page=0)
    detail = reply["result"]["detail"]
    assert detail["item"]["kind"] == "bars" and detail["target"]["kind"] == "tokens"
    counts = codec.decode(detail["histogram"]["counts"], buffers)
    assert counts.dtype == np.float32 and counts.sum() == 10
    bad, _ = browser.call("preview_detail", node=["bad"])
    assert not bad["ok"] and "params.node to be a string" in bad["error"]
    missing, _ = browser.call("preview_detail", node="nope")
    assert not missing["ok"] and "no node 'nope'" in missing["error"]
    reply, _ = browser.call("set_previews", enabled=False)
    assert reply["ok"] and canvas.previews == {}
    update = browser.pushes()[-1][0]
    assert sorted(update["previews"]["removed"]) == sorted(canvas.graph.nodes)
    assert update["previews"]["enabled"] is False
