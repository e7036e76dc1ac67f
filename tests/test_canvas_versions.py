"""Versions in the canvas: a model's history with diffs, and restoring one as one undoable step."""

from __future__ import annotations

from pathlib import Path

import keras
import pytest

import perceptinb as pnb
from perceptinb.commands import History, apply_command
from perceptinb.errors import CommandError
from perceptinb.graph import Graph
from perceptinb.hub import Hub
from perceptinb.hub.canvas_versions import restore_command, version_history
from perceptinb.schema import graph_to_dict
from perceptinb.widgets.rpc import Params, RpcError


def _mlp(units: int, extra: bool = False) -> keras.Model:
    layers = [keras.Input((4,), name="x"), keras.layers.Dense(units, name="hidden")]
    if extra:
        layers.append(keras.layers.Dense(6, name="extra"))
    layers.append(keras.layers.Dense(2, name="out"))
    return keras.Sequential(layers, name="mlp")


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    hub = Hub(tmp_path / "hub.sqlite")
    hub.log_run("a", {}, {"loss": [1.0]}, graph=_mlp(3))
    hub.log_run("b", {}, {"loss": [0.9]}, graph=_mlp(5, extra=True))
    hub.log_run("c", {}, {"loss": [0.8]}, graph=_mlp(5, extra=True))  # same version again
    return hub


def test_history_lists_each_version_with_its_diff_to_the_previous(hub: Hub) -> None:
    history = version_history(hub, "mlp")
    assert [v["id"] for v in history] == [1, 2]
    assert history[0]["summary"] == "first version" and history[0]["diff"] is None
    second = history[1]
    assert second["parent"] == 1
    assert second["diff"]["added"] == ["extra"]
    assert second["diff"]["changed"]["hidden"]["units"] == (3, 5)
    assert second["summary"] == "1 added, 1 changed: hidden.units 3 -> 5"
    assert version_history(hub, "unknown") == []


def test_restore_into_a_canvas_is_one_undoable_command(hub: Hub) -> None:
    canvas = pnb.Canvas(_mlp(3), previews=False)
    canvas.apply({"op": "set", "node": "hidden", "key": "units", "value": 7})
    before = graph_to_dict(canvas.graph)
    canvas.apply(restore_command(hub, "v2"))
    restored = canvas.graph
    assert list(restored.nodes) == ["x", "hidden", "extra", "out"]
    assert restored.nodes["hidden"].settings["units"] == 5
    assert canvas.model.count_params() == hub.version(2).params
    canvas.apply({"op": "undo"})
    assert graph_to_dict(canvas.graph) == before  # the edited graph, exactly
    canvas.apply({"op": "redo"})
    assert "extra" in canvas.graph.nodes
    canvas.apply({"op": "undo"})
    canvas.apply({"op": "undo"})
    assert canvas.graph.nodes["hidden"].settings["units"] == 3


def test_restore_keeps_unchanged_nodes_and_refuses_bad_documents() -> None:
    graph = Graph.from_keras(_mlp(3))
    target = Graph.from_keras(_mlp(5))
    new = apply_command(graph, {"op": "restore", "graph": graph_to_dict(target)})
    # Same settings, same node object (nothing to rebuild there); the changed one is new.
    assert new.nodes["x"] is graph.nodes["x"] and new.nodes["out"] is graph.nodes["out"]
    assert new.nodes["hidden"] is not graph.nodes["hidden"]
    assert new.nodes["hidden"].settings["units"] == 5
    assert graph.nodes["hidden"].settings["units"] == 3  # the old graph is untouched
    history = History(graph)
    for bad in ({"format": "other"}, "not a graph"):
        with pytest.raises(CommandError, match="Cannot restore this graph"):
            history.apply({"op": "restore", "graph": bad})
    assert history.graph is graph and not history.can_undo


def test_canvas_lists_its_versions_and_restores_one_from_the_browser(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERCEPTINB_HUB", str(hub.path))
    canvas = pnb.Canvas(_mlp(3), previews=False)
    assert [v["id"] for v in canvas.versions(hub)] == [1, 2]
    listed = canvas._call_versions(Params("versions", {}), [])
    assert listed["name"] == "mlp"
    assert [(v["id"], v["current"]) for v in listed["versions"]] == [(2, False), (1, True)]
    assert listed["versions"][0]["summary"].startswith("1 added, 1 changed")
    canvas._call_restore_version(Params("restore_version", {"id": 2}), [])
    assert "extra" in canvas.graph.nodes
    assert canvas._call_versions(Params("versions", {}), [])["versions"][0]["current"] is True
    canvas.apply({"op": "undo"})
    assert "extra" not in canvas.graph.nodes
    canvas.restore("v2", hub)
    assert canvas.graph.nodes["hidden"].settings["units"] == 5
    with pytest.raises(RpcError, match="id"):
        canvas._call_restore_version(Params("restore_version", {"id": "two"}), [])
    monkeypatch.delenv("PERCEPTINB_HUB")
    other = pnb.Canvas(_mlp(3), previews=False)
    other.version_hub = hub  # trained into a hub other than the default one
    assert [v["id"] for v in other._call_versions(Params("versions", {}), [])["versions"]] == [2, 1]
    viewer = pnb.Canvas(_mlp(3), previews=False, read_only=True)
    with pytest.raises(RpcError, match="read-only"):
        viewer._call_restore_version(Params("restore_version", {"id": 2}), [])
