"""The display snapshot of a graph that the canvas front end draws (the `graph_view` trait),
and what an edit changed in it (`graph_changes`).

Pure data in, pure data out: shapes, parameter counts and errors come from a `Trace`, so this
module is tested without a browser. Settings are left out on purpose: only the selected node's
settings travel (the `details` trait), which keeps each update small on big models.
"""

from __future__ import annotations

from typing import Any

from perceptinb.catalog import accepts_several_inputs, category_of
from perceptinb.commands import input_refusal
from perceptinb.forms import setting_fields
from perceptinb.graph import Edge, Graph, Node
from perceptinb.keras_bridge import Trace


def shape_text(tensors: list[Any]) -> str:
    return " · ".join(str(tuple(t.shape)).replace(",)", ")") for t in tensors)


def param_count(layer: Any) -> int:
    try:
        return int(layer.count_params()) if getattr(layer, "built", False) else 0
    except Exception:  # an unbuilt or broken layer has no parameter count to show
        return 0


def node_view(
    graph: Graph, node: Node, result: Trace, children: dict[str, Any], n_inputs: int
) -> dict[str, Any]:
    layer = result.layers.get(node.id)
    group = None
    if node.children is not None and node.shares is None:
        child_trace = children.get(node.id)
        group = build_graph_view(node.children, child_trace or Trace(), {}, version=0)
    return {
        "id": node.id,
        "type": node.type,
        "category": category_of(node.type),
        "shape": shape_text(result.outputs.get(node.id, [])),
        "params": 0 if node.shares or layer is None else param_count(layer),
        "error": result.errors.get(node.id),
        "blocked": node.id in result.blocked,
        "pos": list(node.pos) if node.pos is not None else None,
        "shares": node.shares,
        "n_inputs": n_inputs,
        # Merge layers and the like take several inputs: the canvas then lets the user choose
        # the input port (the order matters for Subtract, Concatenate, attention...).
        "multi_input": not node.is_input and accepts_several_inputs(graph.owner(node.id)),
        # Why a connection dropped here would be refused (""), from the rule `connect` applies.
        "refuses_input": input_refusal(graph, node.id, n_inputs),
        "n_outputs": len(result.outputs.get(node.id, [])) or 1,
        "group": group,
        # Why the block is drawn from the live model and cannot be edited (None: editable).
        "locked": graph.locked.get(graph.owner(node.id).id),
    }


def build_graph_view(
    graph: Graph, result: Trace, children: dict[str, Trace], *, version: int
) -> dict[str, Any]:
    """The `graph_view` trait: nodes with shapes/params/errors, edges, and nested groups."""
    # Counted in one pass: asking each node for its inputs scans every edge (O(N·E) per edit).
    fan_in = dict.fromkeys(graph.nodes, 0)
    for e in graph.edges:
        fan_in[e.dst] += 1
    return {
        "version": version,
        "name": graph.name,
        "nodes": [
            node_view(graph, n, result, children, fan_in[n.id]) for n in graph.nodes.values()
        ],
        "edges": [edge_view(e) for e in graph.edges],
    }


def edge_view(e: Edge) -> dict[str, Any]:
    return {"src": e.src, "dst": e.dst, "src_port": e.src_port, "dst_port": e.dst_port}


def graph_changes(before: Graph, after: Graph) -> dict[str, Any]:
    """Which top-level nodes an edit added, removed or renamed: ``{added, removed, renamed}``.

    A rename is a node that went away while one of the same type, settings (apart from its
    name), position and inner graph appeared; so undoing or redoing a rename is one too, and
    the browser can keep the block selected.
    """
    removed = [nid for nid in before.nodes if nid not in after.nodes]
    added = [nid for nid in after.nodes if nid not in before.nodes]
    renamed: dict[str, str] = {}
    for old in removed:
        new = next((a for a in added if _same_but_name(before.nodes[old], after.nodes[a])), None)
        if new is not None:
            renamed[old] = new
            added.remove(new)
    return {
        "added": added,
        "removed": [nid for nid in removed if nid not in renamed],
        "renamed": renamed,
    }


def _same_but_name(a: Node, b: Node) -> bool:
    def unnamed(settings: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in settings.items() if k != "name"}

    return (
        a.type == b.type
        and unnamed(a.settings) == unnamed(b.settings)
        and a.pos == b.pos
        and a.call == b.call
        and (a.children is None) == (b.children is None)
        and (a.children is None or a.children.to_json() == b.children.to_json())
    )


def node_details(graph: Graph, path: str, views: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The `details` trait for the selected node (``group/child`` paths reach nested nodes).

    Args:
        graph: The graph.
        path: The node's id, or ``group/child`` for a node inside a nested model.
        views: The block view of each top-level node, by id (see `node_view`).
    """
    *groups, leaf = path.split("/")
    node_views = views
    group_locked = False  # a group drawn from the live model locks its inner blocks too
    for group_id in groups:
        node = graph.nodes.get(group_id)
        group_view = node_views.get(group_id)
        if node is None or node.children is None or group_view is None or not group_view["group"]:
            return {}
        group_locked = group_locked or graph.owner(group_id).id in graph.locked
        graph = node.children
        node_views = {v["id"]: v for v in group_view["group"]["nodes"]}
    node = graph.nodes.get(leaf)
    shown = node_views.get(leaf)
    if node is None or shown is None:
        return {}
    owner = graph.owner(leaf)
    return {
        "id": path,
        "type": node.type,
        "shape": shown["shape"],
        "params": shown["params"],
        "error": shown["error"],
        "shares": node.shares,
        "settings": owner.settings,
        "locked": graph.locked.get(owner.id),
        # The settings form; nodes inside a nested model are edited by their path (commands
        # accept "GROUP/CHILD"); blocks drawn from the live model are not.
        "fields": [
            {
                **field,
                "editable": field["editable"] and not group_locked
                and owner.id not in graph.locked,
            }
            for field in setting_fields(owner, owner.settings)
        ],
    }
