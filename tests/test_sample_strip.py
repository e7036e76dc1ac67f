"""The sample strip: the first samples of a canvas' data as strip items, and picking one as the
sample every block previews (from Python and through the browser's calls)."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import perceptinb as pnb
from perceptinb.preview.samples_strip import STRIP_ROWS, THUMB_MAX, SampleRows
from tests.browser_stub import BrowserStub


def _digits(n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """n distinct 8x8 'digits' (a bright bar at row k % 8) and their labels."""
    x = np.zeros((n, 8, 8, 1), np.float32)
    for k in range(n):
        x[k, k % 8, :, 0] = 1.0 + k
    return x, np.arange(n) % 10


def _image_model() -> keras.Model:
    inp = keras.Input((8, 8, 1), name="image")
    out = keras.layers.Dense(3, name="head")(keras.layers.Flatten(name="flat")(inp))
    return keras.Model(inp, out)


def _table_model(features: int = 4) -> keras.Model:
    inp = keras.Input((features,), name="row")
    return keras.Model(inp, keras.layers.Dense(2, name="head")(inp))


def _decode(item: dict, buffers: list) -> np.ndarray:
    desc = item["image"]
    raw = np.frombuffer(bytes(buffers[desc["buffer"]]), np.dtype(desc["dtype"]))
    return raw.reshape(desc["shape"])


def test_strip_lists_the_first_samples_as_image_thumbnails_with_targets() -> None:
    x, y = _digits(20)
    canvas = pnb.Canvas(_image_model(), sample=x, target=y)
    reply, buffers = BrowserStub(canvas).call("samples")
    data = reply["result"]
    assert data["index"] == 0 and data["total"] == STRIP_ROWS
    items = data["items"]
    assert [i["index"] for i in items] == list(range(STRIP_ROWS))
    assert {i["kind"] for i in items} == {"image"}
    assert [i["target"] for i in items] == [str(v) for v in y[:STRIP_ROWS]]
    third = _decode(items[2], buffers)
    assert third.dtype == np.uint8 and third.shape == (8, 8)
    assert third[2].tolist() == [255] * 8 and third.sum() == 255 * 8  # the bar of sample 2


def test_big_images_are_thumbnailed_small() -> None:
    rows = SampleRows(np.random.default_rng(0).random((3, 100, 90, 3)), None, pnb.Canvas(
        keras.Model(i := keras.Input((100, 90, 3)), keras.layers.Flatten()(i))).graph)
    buffers: list = []
    items = rows.items(buffers)
    assert len(items) == 3 and "target" not in items[0]
    shape = _decode(items[0], buffers).shape
    assert max(shape[:2]) <= THUMB_MAX and shape[2] == 3


def test_picking_a_sample_previews_it_and_its_target() -> None:
    x, y = _digits(12)
    canvas = pnb.Canvas(_image_model(), sample=x, target=y)
    before = canvas.previews["image"].data.copy()
    canvas.pick_sample(2)
    assert canvas.sample_index == 2
    np.testing.assert_array_equal(canvas.sample["image"], x[2:3])
    after = canvas.previews["image"].data
    assert not np.array_equal(before, after)
    assert canvas._previews.sample.target.tolist() == [y[2]]


def test_pick_sample_call_pushes_the_new_previews_and_a_bad_index_changes_nothing() -> None:
    x, y = _digits(6)
    canvas = pnb.Canvas(_image_model(), sample=x, target=y)
    stub = BrowserStub(canvas)
    stub.call("previews")
    canvas._warm_up.finish()
    version = canvas.version
    reply, _ = stub.call("pick_sample", index=3)
    assert reply["result"] == {"version": canvas.version, "index": 3}
    assert canvas.version > version and canvas.sample_index == 3
    pushed = stub.pushes()[-1][0]
    assert "image" in {i["node"] for i in pushed["previews"]["items"]}
    for bad in (6, -1):
        reply, _ = stub.call("pick_sample", index=bad)
        assert f"Received: {bad}" in reply["error"]
        assert "0..5" in reply["error"]
    assert canvas.sample_index == 3
    np.testing.assert_array_equal(canvas.sample["image"], x[3:4])
    with pytest.raises(IndexError, match="Received: 'a'"):
        canvas.pick_sample("a")  # type: ignore[arg-type]


def test_new_data_restarts_the_strip_and_a_synthetic_sample_has_none() -> None:
    x, y = _digits(6)
    canvas = pnb.Canvas(_image_model(), sample=x, target=y)
    canvas.pick_sample(4)
    canvas.set_sample(x[::-1], y[::-1])
    assert canvas.sample_index == 0
    reply, _ = BrowserStub(canvas).call("samples")
    assert [i["target"] for i in reply["result"]["items"]][:2] == [str(y[5]), str(y[4])]
    blank = pnb.Canvas(_image_model())
    assert BrowserStub(blank).call("samples")[0]["result"]["items"] == []
    with pytest.raises(IndexError, match="no data"):
        blank.pick_sample(0)


def test_table_rows_datasets_and_dataframes_show_as_compact_text() -> None:
    model = _table_model()
    table = np.array([[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]], np.float32)
    labels = np.array([0, 0, 2])
    frame = pd.DataFrame(table, columns=list("abcd"))
    dataset = tf.data.Dataset.from_tensor_slices((table, labels)).batch(2)
    for data, target in ((table, labels), (frame, labels), (dataset, None)):
        canvas = pnb.Canvas(model, sample=data, target=target)
        items = BrowserStub(canvas).call("samples")[0]["result"]["items"]
        assert [i["kind"] for i in items] == ["text"] * 3, type(data)
        assert items[2]["text"] == "6.3, 3.3, 6, 2.5"
        assert [i["target"] for i in items] == ["0", "0", "2"]
        canvas.pick_sample(2)
        np.testing.assert_allclose(canvas.sample["row"], table[2:3])
        assert canvas._previews.sample.target.tolist() == [2]


def test_text_samples_show_a_snippet() -> None:
    inp = keras.Input((1,), dtype="string", name="text")
    model = keras.Model(inp, keras.layers.Identity(name="same")(inp))
    texts = np.array([["a short review"], ["another one, longer " * 6]])
    items = BrowserStub(pnb.Canvas(model, sample=texts)).call("samples")[0]["result"]["items"]
    assert items[0] == {"index": 0, "kind": "text", "text": "a short review"}
    assert len(items[1]["text"]) <= 60 and items[1]["text"].endswith("…")


def test_every_view_hears_of_picks_and_new_data() -> None:
    x, y = _digits(6)
    canvas = pnb.Canvas(_image_model(), sample=x, target=y)
    stub = BrowserStub(canvas)
    stub.call("samples")
    stub.call("previews")  # a view asked for the state
    canvas.pick_sample(1)  # from Python
    canvas.set_sample(x[:3], y[:3])
    assert [data for data, _ in stub.pushes("samples")] == [{"index": 1}, {"reload": True}]
    assert stub.call("samples")[0]["result"]["total"] == 3


def test_tensors_and_series_are_cut_to_the_strip_and_an_empty_dataset_is_refused() -> None:
    x, y = _digits(40)
    canvas = pnb.Canvas(_image_model(), sample=tf.constant(x), target=pd.Series(y))
    items = BrowserStub(canvas).call("samples")[0]["result"]["items"]
    assert len(items) == STRIP_ROWS and items[11]["target"] == str(y[11])
    canvas.pick_sample(11)
    np.testing.assert_array_equal(canvas.sample["image"], x[11:12])
    empty = tf.data.Dataset.from_tensor_slices((x[:0], y[:0])).batch(4)
    reply, _ = BrowserStub(pnb.Canvas(_image_model(), sample=empty)).call("samples")
    assert "empty" in reply["error"]
