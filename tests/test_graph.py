"""The pure graph model: structure, ordering, validation and diff, without TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest

import perceptinb as pnb
from perceptinb.graph import Edge, Graph, Node


def chain(*ids: str) -> Graph:
    nodes = [Node(ids[0], "InputLayer", {"batch_shape": [None, 3], "name": ids[0]})]
    nodes += [Node(i, "Dense", {"units": 2, "name": i}) for i in ids[1:]]
    return Graph(nodes, [Edge(a, b) for a, b in zip(ids, ids[1:])])


def test_import_does_not_load_tensorflow() -> None:
    code = (
        "import sys, perceptinb as pnb; g = pnb.Graph(); g.validate(); "
        "print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_topological_order_keeps_insertion_order_for_ties() -> None:
    g = chain("x", "a", "b")
    g.nodes["side"] = Node("side", "Dense", {"units": 1})
    g.edges.append(Edge("x", "side"))
    assert g.topological_order() == ["x", "a", "b", "side"]


def test_cycle_is_reported_with_its_nodes() -> None:
    g = chain("x", "a", "b", "c")
    g.edges.append(Edge("c", "a", 0, 1))
    with pytest.raises(pnb.GraphError, match=r"cycle through nodes \['a', 'b', 'c', 'a'\]"):
        g.validate()


def test_dangling_edge_names_the_missing_node() -> None:
    g = chain("x", "a")
    g.edges.append(Edge("a", "ghost"))
    with pytest.raises(pnb.GraphError, match="'ghost' does not exist"):
        g.validate()


def test_input_port_fed_twice_is_invalid() -> None:
    g = chain("x", "a")
    g.nodes["y"] = Node("y", "InputLayer", {})
    g.edges.append(Edge("y", "a", 0, 0))
    with pytest.raises(pnb.GraphError, match="input port 0 of node 'a' is fed twice"):
        g.validate()


def test_shares_must_point_at_an_owner_of_the_same_type() -> None:
    g = chain("x", "a")
    g.nodes["a@1"] = Node("a@1", "Conv2D", {}, shares="a")
    with pytest.raises(pnb.GraphError, match="shares='a'"):
        g.validate()


def test_descendants_and_outputs() -> None:
    g = chain("x", "a", "b")
    assert g.descendants(["a"]) == {"a", "b"}
    assert g.output_refs == [("b", 0)]
    assert g.would_cycle("b", "a")


def test_diff_reports_added_removed_and_changed_settings() -> None:
    before = chain("x", "a", "b")
    after = before.copy()
    after.nodes["a"].settings["units"] = 7
    del after.nodes["b"]
    after.edges = [e for e in after.edges if e.dst != "b"]
    after.nodes["c"] = Node("c", "Dense", {"units": 1})
    delta = before.diff(after)
    assert delta["added"] == ["c"] and delta["removed"] == ["b"]
    assert delta["changed"] == {"a": {"units": (2, 7)}}
    assert delta["edges_removed"] == [Edge("a", "b")]


def test_copy_is_deep_for_settings() -> None:
    g = chain("x", "a")
    clone = g.copy()
    clone.nodes["a"].settings["units"] = 99
    assert g.nodes["a"].settings["units"] == 2
