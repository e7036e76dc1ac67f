"""Versioned JSON for graphs: writing, and strict, code-free reading.

The format is ``{"format": "perceptinb.graph", "schema_version": 1, ...}``. Reading checks every
field's type and names the field at fault, refuses files from a newer schema, validates the
structure, and checks layer classes against the catalog. It never imports or executes anything
the file names, unless the caller passes ``trusted=True``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from perceptinb.errors import GraphError
from perceptinb.graph import Edge, Graph, Node

FORMAT = "perceptinb.graph"
SCHEMA_VERSION = 1
MODEL_CLASSES = ("Functional", "Sequential")
_NODE_KEYS = {"id", "type", "settings", "pos", "shares", "call", "module", "children"}


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, **_body(graph)}


def _body(graph: Graph) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": graph.name,
        "model_class": graph.model_class,
        "nodes": [_node_entry(n) for n in graph.nodes.values()],
        "edges": [
            {"src": e.src, "dst": e.dst, "src_port": e.src_port, "dst_port": e.dst_port}
            for e in graph.edges
        ],
    }
    if graph.outputs is not None:
        body["outputs"] = [list(ref) for ref in graph.outputs]
    if graph.input_keys is not None:
        body["input_keys"] = dict(graph.input_keys)
    if graph.output_keys is not None:
        body["output_keys"] = list(graph.output_keys)
    return body


def _node_entry(node: Node) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": node.id, "type": node.type, "settings": node.settings}
    if node.pos is not None:
        entry["pos"] = list(node.pos)
    for key in ("shares", "call", "module"):
        if getattr(node, key) is not None:
            entry[key] = getattr(node, key)
    if node.children is not None:
        entry["children"] = _body(node.children)
    return entry


def graph_to_json(graph: Graph, *, indent: int | None = 1) -> str:
    try:
        return json.dumps(graph_to_dict(graph), indent=indent, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise GraphError(f"The graph holds a value JSON cannot store: {exc}") from None


def graph_from_json(text: str | bytes, *, trusted: bool = False) -> Graph:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, TypeError) as exc:
        raise GraphError(f"Not a perceptinb graph: invalid JSON ({exc}).") from None
    return graph_from_dict(data, trusted=trusted)


def graph_from_dict(data: Any, *, trusted: bool = False) -> Graph:
    _expect(data, dict, "the document")
    if data.get("format") != FORMAT:
        raise GraphError(
            f"Not a perceptinb graph: expected format={FORMAT!r}. "
            f"Received: format={data.get('format')!r}."
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise GraphError(f"Invalid schema_version: expected a positive int. Received: {version!r}.")
    if version > SCHEMA_VERSION:
        raise GraphError(
            f"schema_version {version} is newer than this perceptinb understands "
            f"({SCHEMA_VERSION}). Upgrade perceptinb to open this file."
        )
    graph = _parse_body(data, "")
    graph.validate()
    from perceptinb.catalog import check_graph_types

    check_graph_types(graph, trusted=trusted)
    _mark_trusted(graph, trusted)
    return graph


def _mark_trusted(graph: Graph, trusted: bool) -> None:
    graph.trusted = trusted
    for node in graph.nodes.values():
        if node.children is not None:
            _mark_trusted(node.children, trusted)


def _parse_body(data: dict[str, Any], where: str) -> Graph:
    name = data.get("name", "model")
    _expect(name, str, f"{where}name")
    model_class = data.get("model_class", "Functional")
    if model_class not in MODEL_CLASSES:
        raise GraphError(
            f"Invalid {where}model_class: expected one of {MODEL_CLASSES}. "
            f"Received: {model_class!r}."
        )
    raw_nodes = data.get("nodes")
    _expect(raw_nodes, list, f"{where}nodes")
    nodes = [_parse_node(raw, f"{where}nodes[{i}]") for i, raw in enumerate(raw_nodes)]
    raw_edges = data.get("edges", [])
    _expect(raw_edges, list, f"{where}edges")
    edges = [_parse_edge(raw, f"{where}edges[{i}]") for i, raw in enumerate(raw_edges)]
    outputs = data.get("outputs")
    if outputs is not None:
        _expect(outputs, list, f"{where}outputs")
        parsed = []
        for i, ref in enumerate(outputs):
            if not (
                isinstance(ref, list)
                and len(ref) == 2
                and isinstance(ref[0], str)
                and _is_port(ref[1])
            ):
                raise GraphError(
                    f"Invalid {where}outputs[{i}]: expected [node_id, port]. Received: {ref!r}."
                )
            parsed.append((ref[0], ref[1]))
        outputs = parsed
    input_keys = data.get("input_keys")
    if input_keys is not None:
        _expect(input_keys, dict, f"{where}input_keys")
        for node_id, key in input_keys.items():
            _expect(key, str, f"{where}input_keys[{node_id!r}]")
    output_keys = data.get("output_keys")
    if output_keys is not None:
        _expect(output_keys, list, f"{where}output_keys")
        for i, key in enumerate(output_keys):
            _expect(key, str, f"{where}output_keys[{i}]")
    return Graph(
        nodes,
        edges,
        name=name,
        model_class=model_class,
        outputs=outputs,
        input_keys=input_keys,
        output_keys=output_keys,
    )


def _parse_node(raw: Any, where: str) -> Node:
    _expect(raw, dict, where)
    unknown = set(raw) - _NODE_KEYS
    if unknown:
        raise GraphError(f"Invalid {where}: unknown field(s) {sorted(unknown)}.")
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id:
        raise GraphError(f"Invalid {where}.id: expected a non-empty string. Received: {node_id!r}.")
    where = f"{where} (node {node_id!r})"
    _expect(raw.get("type"), str, f"{where}.type")
    settings = raw.get("settings", {})
    _expect(settings, dict, f"{where}.settings")
    pos = raw.get("pos")
    if pos is not None:
        if not (isinstance(pos, list) and len(pos) == 2 and all(_is_finite(v) for v in pos)):
            raise GraphError(f"Invalid {where}.pos: expected [x, y]. Received: {pos!r}.")
        pos = (float(pos[0]), float(pos[1]))
    shares = raw.get("shares")
    if shares is not None:
        _expect(shares, str, f"{where}.shares")
    call = raw.get("call")
    if call is not None:
        _expect(call, dict, f"{where}.call")
    module = raw.get("module")
    if module is not None:
        _expect(module, dict, f"{where}.module")
        # Both name where a class comes from; anything but strings would reach importlib.
        for key in ("module", "registered_name"):
            if module.get(key) is not None:
                _expect(module[key], str, f"{where}.module.{key}")
    children = raw.get("children")
    if children is not None:
        _expect(children, dict, f"{where}.children")
        children = _parse_body(children, f"{where}.children.")
    return Node(node_id, raw["type"], settings, pos, shares, call, module, children)


def _parse_edge(raw: Any, where: str) -> Edge:
    _expect(raw, dict, where)
    src, dst = raw.get("src"), raw.get("dst")
    _expect(src, str, f"{where}.src")
    _expect(dst, str, f"{where}.dst")
    ports = {k: raw.get(k, 0) for k in ("src_port", "dst_port")}
    for key, port in ports.items():
        if not _is_port(port):
            raise GraphError(f"Invalid {where}.{key}: expected an int >= 0. Received: {port!r}.")
    return Edge(src, dst, ports["src_port"], ports["dst_port"])


def _expect(value: Any, kind: type, where: str) -> None:
    if not isinstance(value, kind):
        raise GraphError(
            f"Invalid {where}: expected {kind.__name__}. Received: {type(value).__name__} "
            f"({_short(value)})."
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31


def _is_finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _refuse_constant(name: str) -> Any:
    raise GraphError(f"Not a perceptinb graph: JSON may not contain {name}.")
