"""Versioned JSON: strict reading that names the culprit and never executes code."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models import SMALL_MODELS

import perceptinb as pnb


@pytest.fixture(scope="module")
def doc_text() -> str:
    return pnb.Graph.from_keras(SMALL_MODELS["multi_io_shared_nested"]()).to_json()


@pytest.fixture
def doc(doc_text: str) -> dict:
    return json.loads(doc_text)


def load(data: dict, **kwargs) -> pnb.Graph:
    return pnb.Graph.from_json(json.dumps(data), **kwargs)


def test_round_trip_is_byte_identical(doc: dict) -> None:
    text = json.dumps(doc, indent=1)
    assert load(doc).to_json() == text


def test_unknown_layer_class_names_the_node(doc: dict) -> None:
    next(n for n in doc["nodes"] if n["id"] == "concat")["type"] = "Dense9000"
    with pytest.raises(pnb.GraphError, match=r"Node 'concat' has unknown layer class 'Dense9000'"):
        load(doc)


def test_cycle_is_refused(doc: dict) -> None:
    doc["edges"].append({"src": "score", "dst": "shared", "src_port": 0, "dst_port": 1})
    with pytest.raises(pnb.GraphError, match="cycle"):
        load(doc)


def test_dangling_edge_is_refused(doc: dict) -> None:
    doc["edges"].append({"src": "nowhere", "dst": "score", "src_port": 0, "dst_port": 5})
    with pytest.raises(pnb.GraphError, match="'nowhere' does not exist"):
        load(doc)


def test_newer_schema_version_is_refused(doc: dict) -> None:
    doc["schema_version"] = 99
    with pytest.raises(pnb.GraphError, match="schema_version 99 is newer"):
        load(doc)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("nodes", 0, "settings"), [], r"nodes\[0\] \(node 'left'\).settings: expected dict"),
        (("nodes", 1, "pos"), [1, "x"], r"nodes\[1\] \(node 'right'\).pos"),
        (("edges", 0, "dst_port"), -1, r"edges\[0\].dst_port: expected an int >= 0"),
        (("name",), 5, "Invalid name: expected str"),
        (("model_class",), "Graph", "model_class"),
    ],
)
def test_wrong_field_types_name_the_field(doc: dict, path: tuple, value, message: str) -> None:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(pnb.GraphError, match=message):
        load(doc)


def test_invalid_json_and_nan_are_refused() -> None:
    with pytest.raises(pnb.GraphError, match="invalid JSON"):
        pnb.Graph.from_json("{not json")
    with pytest.raises(pnb.GraphError, match="NaN"):
        pnb.Graph.from_json('{"format": "perceptinb.graph", "schema_version": 1, "x": NaN}')


def lambda_doc() -> dict:
    return {
        "format": "perceptinb.graph",
        "schema_version": 1,
        "name": "m",
        "nodes": [
            {"id": "x", "type": "InputLayer", "settings": {"batch_shape": [None, 2], "name": "x"}},
            {"id": "f", "type": "Lambda", "settings": {"name": "f", "function": "evil"}},
        ],
        "edges": [{"src": "x", "dst": "f"}],
    }


def test_lambda_is_refused_unless_trusted() -> None:
    with pytest.raises(pnb.GraphError, match="'f' is a Lambda layer.*trusted=True"):
        load(lambda_doc())
    assert load(lambda_doc(), trusted=True).nodes["f"].type == "Lambda"


def test_loading_never_imports_modules_named_in_the_file() -> None:
    data = lambda_doc()
    data["nodes"][1] = {
        "id": "f",
        "type": "Evil",
        "settings": {"name": "f"},
        "module": {"module": "pnb_would_be_imported", "registered_name": "Evil"},
    }
    with pytest.raises(pnb.GraphError, match="unknown layer class 'Evil'"):
        load(data)
    assert "pnb_would_be_imported" not in sys.modules


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_corruption_gives_graph_error_or_a_valid_graph(doc_text: str, data) -> None:
    """Replace one random field anywhere in a real document: loading either succeeds with a
    valid graph or raises GraphError, never anything else."""
    corrupted = json.loads(doc_text)
    target, key = _random_slot(corrupted, data)
    target[key] = data.draw(json_values, label="value")
    try:
        graph = load(corrupted)
    except pnb.GraphError:
        return
    graph.validate()


def _random_slot(doc, data):
    target = doc
    while True:
        keys = list(target.keys()) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            return target, ("extra" if isinstance(target, dict) else 0)
        key = data.draw(st.sampled_from(keys), label="key")
        child = target[key]
        if not isinstance(child, (dict, list)) or not child or data.draw(st.booleans()):
            if isinstance(target, list) and not isinstance(key, int):
                key = 0
            return target, key
        target = child


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("input_keys", ["a"], "input_keys: expected dict"),
        ("input_keys", {"left": 3}, r"input_keys\['left'\]: expected str"),
        ("output_keys", "score", "output_keys: expected list"),
        ("output_keys", ["a", None], r"output_keys\[1\]: expected str"),
    ],
)
def test_dict_input_and_output_keys_are_checked(doc: dict, field: str, value, message) -> None:
    doc[field] = value
    with pytest.raises(pnb.GraphError, match=message):
        load(doc)


def test_dict_input_keys_round_trip(doc: dict) -> None:
    doc["input_keys"] = {"left": "left_features", "right": "right_features"}
    doc["output_keys"] = ["score", "diff"]
    graph = load(doc)
    assert graph.input_keys == doc["input_keys"] and graph.output_keys == ["score", "diff"]
    assert json.loads(graph.to_json()) == doc
