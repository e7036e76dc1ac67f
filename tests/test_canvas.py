"""The Canvas widget's kernel side: traits, browser messages, selection and errors."""

from __future__ import annotations

import numpy as np
import pytest
from models import SMALL_MODELS

import perceptinb as pnb


@pytest.fixture
def canvas() -> pnb.Canvas:
    return pnb.Canvas(SMALL_MODELS["sequential_cnn"]())


def browser_command(canvas: pnb.Canvas, command, request_id: int = 1) -> dict:
    """Deliver a message as the front end would, and return the canvas' reply."""
    sent: list[dict] = []
    canvas.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    canvas._on_browser_message(
        canvas, {"kind": "command", "id": request_id, "command": command}, []
    )
    replies = [m for m in sent if m["kind"] == "command_result"]
    assert len(replies) == 1
    return replies[0]


def test_graph_view_lists_nodes_with_shapes_and_params(canvas: pnb.Canvas) -> None:
    view = {n["id"]: n for n in canvas.graph_view["nodes"]}
    assert list(view) == ["image", "conv", "pool", "flatten", "dropout", "dense"]
    assert view["conv"]["shape"] == "(None, 6, 6, 4)" and view["conv"]["params"] == 40
    assert view["dense"]["category"] == "core" and view["conv"]["category"] == "convolution"
    assert len(canvas.graph_view["edges"]) == 5


def test_browser_commands_are_applied_and_answered(canvas: pnb.Canvas) -> None:
    version = canvas.graph_view["version"]
    reply = browser_command(canvas, {"op": "set", "node": "dense", "key": "units", "value": 4})
    assert reply == {"kind": "command_result", "id": 1, "ok": True, "error": None}
    assert canvas.graph_view["version"] == version + 1
    assert next(n for n in canvas.graph_view["nodes"] if n["id"] == "dense")["shape"] == "(None, 4)"


@pytest.mark.parametrize(
    "command", [None, "drop tables", {"op": "set"}, {"op": 7}, {"op": "remove", "node": ["x"]}]
)
def test_malformed_browser_commands_change_nothing(canvas: pnb.Canvas, command) -> None:
    before = canvas.graph.to_json()
    reply = browser_command(canvas, command, request_id=9)
    assert reply["ok"] is False and reply["id"] == 9 and reply["error"]
    assert canvas.graph.to_json() == before


def test_non_command_messages_are_ignored(canvas: pnb.Canvas) -> None:
    before = canvas.graph_view["version"]
    canvas._on_browser_message(canvas, ["garbage"], [])
    canvas._on_browser_message(canvas, {"kind": "unknown"}, [])
    assert canvas.graph_view["version"] == before


def test_read_only_canvas_refuses_browser_edits() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"](), read_only=True)
    reply = browser_command(canvas, {"op": "remove", "node": "dense"})
    assert reply["ok"] is False and "read-only" in reply["error"]
    assert canvas.palette == []


def test_selection_fills_details(canvas: pnb.Canvas) -> None:
    canvas.selected = "conv"
    assert canvas.details["id"] == "conv" and canvas.details["settings"]["filters"] == 4
    canvas.selected = "nope"
    assert canvas.details == {}
    canvas.selected = ""
    assert canvas.details == {}


def test_failing_layer_is_red_and_descendants_blocked(canvas: pnb.Canvas) -> None:
    canvas.apply({"op": "set", "node": "conv", "key": "kernel_size", "value": [9, 9]})
    assert "negative" in canvas.errors["conv"]
    view = {n["id"]: n for n in canvas.graph_view["nodes"]}
    assert view["conv"]["error"] and view["dense"]["blocked"] and not view["image"]["blocked"]
    canvas.undo()
    assert canvas.errors == {}


def test_weights_survive_unrelated_edits(canvas: pnb.Canvas) -> None:
    before = canvas.model.get_layer("conv").get_weights()[0]
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 3})
    after = canvas.model.get_layer("conv").get_weights()[0]
    np.testing.assert_array_equal(before, after)


def test_nested_models_become_groups() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["multi_io_shared_nested"]())
    view = {n["id"]: n for n in canvas.graph_view["nodes"]}
    group = view["tower"]["group"]
    inner = [n["id"] for n in group["nodes"]]  # Keras names them dense, dense_1... per process
    assert [n["type"] for n in group["nodes"]] == ["InputLayer", "Dense", "Dense"]
    assert group["nodes"][1]["shape"] == "(None, 5)"
    assert view["tower@1"]["shares"] == "tower" and view["tower@1"]["group"] is None
    canvas.selected = f"tower/{inner[1]}"
    assert canvas.details["settings"]["units"] == 5


def test_blank_canvas_from_input_shape_and_palette() -> None:
    canvas = pnb.Canvas(input_shape=(28, 28, 1))
    assert [n["shape"] for n in canvas.graph_view["nodes"]] == ["(None, 28, 28, 1)"]
    types = {entry["type"]: entry["category"] for entry in canvas.palette}
    assert types["Conv2D"] == "convolution" and types["LSTM"] == "recurrent"
    assert "Lambda" not in types
    canvas.apply({"op": "add", "type": "Flatten", "id": "flat"})
    canvas.apply({"op": "connect", "src": "input", "dst": "flat"})
    assert canvas.model.output_shape == (None, 784)


@pytest.mark.parametrize("bad", [42, "model", [1, 2], object()])
def test_canvas_rejects_non_models(bad) -> None:
    with pytest.raises(TypeError, match="Canvas expects a keras.Model, a perceptinb.Graph or None"):
        pnb.Canvas(bad)
