"""First paint first: a canvas draws at once, its previews stream in after, in topological
order, and a new sample or an edit mid-stream wins. The stream's batches are driven by hand
here (one node each), so the order of events is deterministic."""

from __future__ import annotations

import time

import numpy as np
import pytest
from browser_stub import BrowserStub
from models import SMALL_MODELS

import perceptinb as pnb
from perceptinb.widgets.warm_up import WarmUp

ORDER = ["image", "conv", "pool", "flatten", "dropout", "dense"]


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> pnb.Canvas:
    """A canvas whose previews have not started streaming; `step` computes one node."""
    monkeypatch.setattr(WarmUp, "start", lambda self: None)
    return pnb.Canvas(pnb.Graph.from_keras(SMALL_MODELS["sequential_cnn"]()))


def step(canvas: pnb.Canvas) -> bool:
    return canvas._warm_up._step(time.perf_counter())  # the deadline has passed: one node


def sample(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((1, 8, 8, 1), dtype=np.float32)


def test_previews_stream_in_topological_order_with_progress(held: pnb.Canvas) -> None:
    browser = BrowserStub(held)
    first = browser.call("previews")[0]["result"]
    assert first["items"] == [] and first["progress"] == [0, 6]
    while not step(held):
        pass
    pushes = [u for u, _ in browser.pushes()]
    assert [i["node"] for u in pushes for i in u["previews"]["items"]] == ORDER
    versions = [u["version"] for u in pushes]
    assert versions == sorted(set(versions)) and versions[0] > first["version"]
    assert [u["previews"]["progress"] for u in pushes][-1] == [6, 6]
    assert held.preview_stats["recomputed"] == 6


def test_python_reads_block_until_every_preview_is_there(held: pnb.Canvas) -> None:
    step(held)
    assert set(held.previews) == set(ORDER)  # computed here and now, not left half done
    assert held.preview_stats["recomputed"] == 6


def test_a_new_sample_mid_stream_cancels_the_stale_previews(held: pnb.Canvas) -> None:
    browser = BrowserStub(held)
    browser.call("previews")
    step(held), step(held)
    held.sample = sample(1)
    after = len(browser.pushes())
    newest = browser.pushes()[-1][0]
    assert [i["node"] for i in newest["previews"]["items"]] == ORDER
    while not step(held):
        pass
    assert len(browser.pushes()) == after  # nothing of the old sample lands afterwards
    fresh = pnb.Canvas(pnb.Graph.from_keras(SMALL_MODELS["sequential_cnn"]()), sample=sample(1))
    assert held.previews["image"].stats == fresh.previews["image"].stats


def test_an_edit_mid_stream_wins(held: pnb.Canvas) -> None:
    browser = BrowserStub(held)
    browser.call("previews")
    step(held), step(held)  # image and conv are in; dense waits for its upstream blocks
    reply = browser.call("command", command={"op": "set", "node": "dense", "key": "units",
                                             "value": 3})[0]
    assert reply["ok"]
    edit = browser.pushes()[-1][0]
    assert next(n for n in edit["graph"]["nodes"] if n["id"] == "dense")["shape"] == "(None, 3)"
    assert "dense" not in [i["node"] for i in edit["previews"]["items"]]  # not a stale one
    while not step(held):
        pass
    dense = [i for u, _ in browser.pushes() for i in u["previews"]["items"] if i["node"] == "dense"]
    assert [i["shape"] for i in dense] == [[3]]  # once, with the edited units
    assert held.previews["dense"].shape == (3,)


def test_an_imported_model_is_drawn_from_its_own_shapes_then_the_canvas_layers() -> None:
    model = SMALL_MODELS["sequential_cnn"]()
    canvas = pnb.Canvas(model)
    first = canvas._graph_view  # drawn before the canvas built a layer of its own
    assert canvas.errors == {}  # waits for the canvas' own layers
    assert first["nodes"] == canvas.graph_view["nodes"]
    assert canvas.model.get_layer("conv") is not model.get_layer("conv")
    np.testing.assert_allclose(
        canvas.model.get_layer("conv").kernel.numpy(), model.get_layer("conv").kernel.numpy())


def test_shared_and_nested_models_are_traced_before_the_first_paint() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["multi_io_shared_nested"]())
    assert canvas._warm_up.ready.is_set()  # no rebuild to wait for
    assert {n["id"] for n in canvas._graph_view["nodes"]} == set(canvas.graph.nodes)


def test_a_big_graph_without_shapes_is_drawn_first_and_its_shapes_follow(monkeypatch) -> None:
    from perceptinb.widgets import canvas as canvas_module

    monkeypatch.setattr(canvas_module, "FIRST_PAINT_TRACE_LIMIT", 3)
    canvas = pnb.Canvas(pnb.Graph.from_keras(SMALL_MODELS["sequential_cnn"]()))
    first = {n["id"]: n["shape"] for n in canvas._graph_view["nodes"]}
    assert len(first) == 6
    assert {n["id"]: n["shape"] for n in canvas.graph_view["nodes"]}["conv"] == "(None, 6, 6, 4)"
    assert canvas.errors == {}
