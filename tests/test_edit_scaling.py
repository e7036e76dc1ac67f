"""Incremental edits: an edit re-traces, re-previews and re-sends only what it touched.

Small graphs only; the cost curve over graph size is measured by benchmarks/edit_scaling.py.
"""

from __future__ import annotations

import json
import re

import keras
import pytest
from browser_stub import BrowserStub
from models import SMALL_MODELS

import perceptinb as pnb


def chain(n: int) -> keras.Model:
    x = inputs = keras.Input((4,), name="x")
    for i in range(n):
        x = keras.layers.Dense(4, name=f"d{i}")(x)
    return keras.Model(inputs, x, name="chain")


def without_version(view: dict) -> dict:
    """The view without what a fresh canvas has differently: its history and the names Keras
    numbers per process (``functional_3``) in error messages."""
    kept = {k: v for k, v in view.items() if k not in ("version", "can_undo", "can_redo")}
    return json.loads(re.sub(r"functional_\d+", "functional", json.dumps(kept)))


def test_an_edit_retraces_and_resends_only_the_node_and_its_descendants() -> None:
    canvas = pnb.Canvas(chain(6))
    browser = BrowserStub(canvas)
    canvas.apply({"op": "set", "node": "d3", "key": "units", "value": 5})
    (update, _), = browser.pushes()
    graph = update["graph"]
    assert graph["delta"] is True and graph["base"] == update["version"] - 1
    assert [n["id"] for n in graph["nodes"]] == ["d3", "d4", "d5"]
    assert graph["removed"] == [] and "order" not in graph and graph["edges_added"] == []
    assert canvas.preview_stats["recomputed"] == 3
    assert canvas.graph_view["nodes"][4]["shape"] == "(None, 5)"


def test_a_move_resends_one_block_and_recomputes_nothing() -> None:
    canvas = pnb.Canvas(chain(4))
    browser = BrowserStub(canvas)
    canvas.apply({"op": "move", "node": "d1", "pos": [10, 20]})
    (update, _), = browser.pushes()
    assert [n["id"] for n in update["graph"]["nodes"]] == ["d1"]
    assert update["graph"]["nodes"][0]["pos"] == [10.0, 20.0]
    assert "previews" not in update or update["previews"]["items"] == []


def test_one_keras_layer_is_built_per_settings_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    canvas = pnb.Canvas(chain(3))
    assert canvas.preview_stats["recomputed"] == 4  # the canvas' own layers exist, previews too
    built = []
    original = keras.layers.Dense.from_config.__func__

    def counting(cls, config):
        built.append(config["name"])
        return original(cls, config)

    monkeypatch.setattr(keras.layers.Dense, "from_config", classmethod(counting))
    # The last block: a block downstream whose input shape changed would need a new layer.
    canvas.apply({"op": "set", "node": "d2", "key": "units", "value": 7})
    assert built == ["d2"]
    assert canvas.model.get_layer("d2").units == 7


@pytest.mark.parametrize("name", ["sequential_cnn", "multi_io_shared_nested"])
def test_edits_undo_and_redo_leave_the_view_a_fresh_canvas_would_draw(name: str) -> None:
    canvas = pnb.Canvas(SMALL_MODELS[name]())
    browser = BrowserStub(canvas)
    first = canvas.graph.nodes
    dense = next(nid for nid, n in first.items() if n.type == "Dense")
    commands = [
        {"op": "add", "type": "Dense", "settings": {"units": 3}},
        {"op": "connect", "src": dense, "dst": "dense_1"},
        {"op": "set", "node": dense, "key": "units", "value": 2},
        {"op": "rename", "node": dense, "name": "renamed"},
        {"op": "move", "node": "renamed", "pos": [5, 5]},
        {"op": "disconnect", "src": "renamed", "dst": "dense_1"},
        {"op": "remove", "node": "dense_1"},
        {"op": "undo"}, {"op": "undo"}, {"op": "undo"}, {"op": "redo"},
    ]
    # The browser's copy, rebuilt from the first view and the deltas as store.ts applies them.
    shown = canvas.graph_view
    for command in commands:
        canvas.apply(command)
        fresh = pnb.Canvas(canvas.graph)
        assert without_version(canvas.graph_view) == without_version(fresh.graph_view), command
        shown = apply_delta(shown, browser.pushes()[-1][0]["graph"])
        # Edge order is not part of the view (a delta appends the edges it adds).
        assert sorted_edges(without_version(shown)) == sorted_edges(
            without_version(canvas.graph_view)), command
        assert without_version(canvas.errors) == without_version(fresh.errors)
        # (A fresh canvas draws new random weights: compare what does not depend on them.)
        assert without_version({k: [p.kind, p.shape, p.error] for k, p in canvas.previews.items()}
                               ) == without_version(
            {k: [p.kind, p.shape, p.error] for k, p in fresh.previews.items()})


def sorted_edges(view: dict) -> dict:
    return {**view, "edges": sorted(view["edges"], key=lambda e: tuple(e.values()))}


def apply_delta(view: dict, delta: dict) -> dict:
    """What js/src/canvas/store.ts `applyGraphDelta` does, for checking the kernel's deltas."""
    assert delta["base"] == view["version"]
    nodes = {n["id"]: n for n in view["nodes"]}
    for nid in delta["removed"]:
        nodes.pop(nid, None)
    nodes.update({n["id"]: n for n in delta["nodes"]})
    order = delta.get("order", list(nodes))
    gone = [tuple(e.values()) for e in delta["edges_removed"]]
    edges = [e for e in view["edges"] if tuple(e.values()) not in gone] + delta["edges_added"]
    meta = {k: v for k, v in delta.items()
            if k not in ("delta", "base", "nodes", "removed", "order", "edges_added",
                         "edges_removed")}
    return {**view, **meta, "nodes": [nodes[nid] for nid in order], "edges": edges}
