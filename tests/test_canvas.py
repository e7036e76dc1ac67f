"""The Canvas widget's kernel side: traits, calls from the browser, updates, selection, lock."""

from __future__ import annotations

import numpy as np
import pytest
from browser_stub import BrowserStub
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models import SMALL_MODELS

import perceptinb as pnb


@pytest.fixture
def canvas() -> pnb.Canvas:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"]())
    assert len(canvas.previews) == 6  # the previews streamed in after the first paint
    return canvas


def browser_command(canvas: pnb.Canvas, command) -> dict:
    """Send `command` as the front end does (an RPC call); return the canvas' reply."""
    return BrowserStub(canvas).call("command", command=command)[0]


def test_graph_view_lists_nodes_with_shapes_and_params(canvas: pnb.Canvas) -> None:
    view = {n["id"]: n for n in canvas.graph_view["nodes"]}
    assert list(view) == ["image", "conv", "pool", "flatten", "dropout", "dense"]
    assert view["conv"]["shape"] == "(None, 6, 6, 4)" and view["conv"]["params"] == 40
    assert view["dense"]["category"] == "core" and view["conv"]["category"] == "convolution"
    assert len(canvas.graph_view["edges"]) == 5


def test_an_edit_is_one_ordered_update_then_the_reply(canvas: pnb.Canvas) -> None:
    browser = BrowserStub(canvas)
    canvas.selected = "dense"
    version = canvas.version
    reply, _ = browser.call("command", command={"op": "set", "node": "dense", "key": "units",
                                                 "value": 4})
    assert reply["ok"] and reply["result"] == {
        "version": version + 1, "added": [], "removed": [], "renamed": {}}
    kinds = [m["kind"] for m, _ in browser.sent]
    assert kinds[-2:] == ["rpc_push", "rpc_reply"]  # the update reaches the browser first
    update, buffers = browser.pushes()[-1]
    assert update["version"] == version + 1 == canvas.graph_view["version"]
    assert next(n for n in update["graph"]["nodes"] if n["id"] == "dense")["shape"] == "(None, 4)"
    assert {f["key"]: f["value"] for f in update["details"]["fields"]}["units"] == 4
    assert [i["node"] for i in update["previews"]["items"]] == ["dense"]  # only what changed
    assert len(buffers) == 1 and update["changes"] == {"added": [], "removed": [], "renamed": {}}


def test_replies_say_what_was_added_and_renamed_and_keep_the_selection(canvas: pnb.Canvas) -> None:
    browser = BrowserStub(canvas)
    added = browser.call("command", command={"op": "add", "type": "Dense"})[0]["result"]
    assert added["added"] == ["dense_1"] and added["version"] == canvas.version
    canvas.selected = "conv"
    renamed = browser.call("command", command={"op": "rename", "node": "conv",
                                               "name": "features"})[0]["result"]
    assert renamed["renamed"] == {"conv": "features"} and renamed["added"] == []
    assert canvas.selected == "features" and canvas.details["id"] == "features"
    undone = browser.call("command", command={"op": "undo"})[0]["result"]
    assert undone["renamed"] == {"features": "conv"} and canvas.selected == "conv"
    browser.call("command", command={"op": "remove", "node": "conv"})
    assert canvas.selected == "" and canvas.details == {}
    assert browser.pushes()[-1][0]["details"] == {}


def test_selection_pushes_details_without_a_new_version(canvas: pnb.Canvas) -> None:
    browser = BrowserStub(canvas)
    version = canvas.version
    canvas.selected = "conv"
    update, buffers = browser.pushes()[-1]
    assert update == {"version": version, "details": canvas.details} and buffers == []
    assert update["details"]["id"] == "conv"


@pytest.mark.parametrize(
    "command", [None, "drop tables", {"op": "set"}, {"op": 7}, {"op": "remove", "node": ["x"]}]
)
def test_malformed_browser_commands_change_nothing(canvas: pnb.Canvas, command) -> None:
    before, version = canvas.graph.to_json(), canvas.version
    browser = BrowserStub(canvas)
    reply, _ = browser.call("command", command=command)
    assert reply["ok"] is False and reply["id"] == 1 and reply["error"]
    assert canvas.graph.to_json() == before and canvas.version == version
    assert browser.pushes() == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.dictionaries(
    st.sampled_from(["kind", "id", "method", "params", "command", "op"]),
    st.none() | st.integers() | st.text(max_size=5) | st.sampled_from(
        ["rpc", "command", "export", "preview_detail", "set_previews"])
    | st.dictionaries(st.sampled_from(["command", "node", "page", "format", "enabled", "op"]),
                      st.none() | st.integers() | st.text(max_size=4), max_size=3),
    max_size=5))
def test_any_browser_message_gets_one_reply_and_leaves_a_live_canvas(shared_canvas, content):
    browser = BrowserStub(shared_canvas)
    reply, _ = browser.deliver(content)
    assert reply["ok"] or reply["error"]
    assert browser.call("export", format="code")[0]["ok"]  # the comm still answers


@pytest.fixture(scope="module")
def shared_canvas() -> pnb.Canvas:
    return pnb.Canvas(SMALL_MODELS["sequential_cnn"](), previews=False)


def test_locked_canvas_refuses_edits_but_reads(canvas: pnb.Canvas) -> None:
    browser = BrowserStub(canvas)
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 5})
    before, version = canvas.graph.to_json(), canvas.version
    canvas._lock_for_run("digits-1")
    assert "digits-1" in canvas.locked and "stop the run first" in canvas.locked
    for command in ({"op": "remove", "node": "dense"}, {"op": "undo"}, {"op": "redo"}):
        reply = browser.call("command", command=command)[0]
        assert reply["ok"] is False and "stop the run first" in reply["error"]
    with pytest.raises(pnb.CommandError, match="stop the run first"):
        canvas.apply({"op": "move", "node": "dense", "pos": [1, 2]})
    assert canvas.graph.to_json() == before and canvas.version == version
    # Reading still works: selecting, the inspector, exports, previews.
    canvas.selected = "conv"
    assert canvas.details["id"] == "conv"
    assert browser.call("preview_detail", node="conv", page=0)[0]["ok"]
    assert "model = " in browser.call("export", format="code")[0]["result"]["code"]
    assert browser.call("previews")[0]["result"]["items"]
    canvas._unlock_run()
    assert canvas.locked == ""
    assert browser.call("command", command={"op": "undo"})[0]["ok"]


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


def test_a_new_canvas_pushes_nothing_and_a_view_asks_for_the_previews(monkeypatch) -> None:
    sent: list = []
    monkeypatch.setattr(pnb.Canvas, "send", lambda self, content, buffers=None: sent.append(1))
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"]())
    assert sent == []  # no view yet: the traits carry the first state
    assert len(canvas.previews) == 6  # computed on the background thread, still not pushed
    assert sent == []
    reply, buffers = BrowserStub(canvas).call("previews")
    result = reply["result"]
    assert result["version"] == canvas.version == canvas.graph_view["version"]
    assert len(result["items"]) == len(buffers) == 6 and result["synthetic"] is True
    assert result["progress"] == [6, 6]
