"""What a canvas knows about its current graph, kept up to date edit by edit.

An edit costs the change, not the graph: `CanvasState.update` compares the new graph snapshot
with the previous one node by node (commands copy on write, so an untouched node is the very
same object), re-traces only the touched nodes and their descendants, and rebuilds only their
block views. The topological order and the adjacency are reused while the structure (node ids
and edges) holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perceptinb.graph import Graph, Node
from perceptinb.keras_bridge import Trace, trace
from perceptinb.widgets.graph_view import edge_view, node_view
from perceptinb.widgets.layer_cache import LayerCache


class GraphIndex:
    """The topological order and adjacency of one graph structure."""

    def __init__(self, graph: Graph) -> None:
        self.ids = list(graph.nodes)
        self.edges = list(graph.edges)
        self.order = graph.topological_order()
        self.incoming = graph.incoming_index()
        self.successors: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
        for e in graph.edges:
            self.successors[e.src].append(e.dst)
        self.sharers: dict[str, list[str]] = {}
        for node in graph.nodes.values():
            if node.shares:
                self.sharers.setdefault(node.shares, []).append(node.id)

    def holds(self, graph: Graph) -> bool:
        """Whether `graph` has this structure (list equality checks identity first: cheap)."""
        return self.edges == graph.edges and self.ids == list(graph.nodes)

    def descendants(self, node_ids: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(node_ids)
        while stack:
            nid = stack.pop()
            if nid not in seen:
                seen.add(nid)
                stack.extend(self.successors[nid])
        return seen


@dataclass
class Delta:
    """What one update changed, in the order the browser applies it.

    Attributes:
        retraced: Nodes traced again (the touched ones and their descendants), in
            topological order: their previews are recomputed.
        views: The block views that changed (``node_view`` dicts).
        removed: Ids of the blocks that went away.
        order: Every node id in graph order, when the set of nodes changed; else None.
        edges_added / edges_removed: Edge views.
    """

    retraced: list[str]
    views: list[dict[str, Any]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    order: list[str] | None = None
    edges_added: list[dict[str, Any]] = field(default_factory=list)
    edges_removed: list[dict[str, Any]] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "delta": True,
            "nodes": self.views,
            "removed": self.removed,
            "edges_added": self.edges_added,
            "edges_removed": self.edges_removed,
        }
        if self.order is not None:
            out["order"] = self.order
        return out


class CanvasState:
    """The current graph with its trace, index and block views."""

    def __init__(self, graph: Graph, layers: LayerCache, shapes: Trace | None = None) -> None:
        """
        Args:
            graph: The graph.
            layers: The canvas' layer cache.
            shapes: What an imported, built model already knows (its own layers and output
                tensors, see `initial_graph.model_trace`), to draw the graph at once; `rebuild`
                then traces it with the canvas' own layers. None: trace it now.
        """
        self._layers = layers
        self.graph = graph
        self.index = GraphIndex(graph)
        if shapes is None:
            layers.new_pass()
            shapes = trace(graph, layers, incoming_of=self.index.incoming)
        self.trace: Trace = shapes
        self.trace.children = dict(layers.child_traces)
        self.views: dict[str, dict[str, Any]] = {}
        for nid in graph.nodes:
            self.views[nid] = self._view(nid)

    def trace_all(self) -> Trace:
        """A trace of the whole graph with the canvas' own layers (changes no state, so it can
        run while the canvas answers calls)."""
        self._layers.new_pass()
        return trace(self.graph, self._layers, incoming_of=self.index.incoming)

    def adopt(self, full: Trace) -> Delta:
        """Take `full` (from `trace_all`) as the trace; returns the views that changed (none
        when the shapes the canvas started from were right)."""
        self.trace = full
        full.children = dict(self._layers.child_traces)
        delta = Delta(list(self.index.order))
        for nid in self.graph.nodes:
            view = self._view(nid)
            if view != self.views[nid]:
                self.views[nid] = view
                delta.views.append(view)
        return delta

    def update(self, graph: Graph, built: dict[str, Any] | None = None) -> Delta:
        """Move to `graph` (a later or earlier snapshot: an edit, undo or redo).

        Args:
            graph: The new graph.
            built: Layers the command already built for new settings (see `History.built`).
        """
        before, before_index = self.graph, self.index
        index = before_index if before_index.holds(graph) else GraphIndex(graph)
        touched, moved = _touched_nodes(before, graph)
        delta = Delta([])
        if index is not before_index:
            old_edges, new_edges = set(before_index.edges), set(index.edges)
            added = [e for e in index.edges if e not in old_edges]
            gone = [e for e in before_index.edges if e not in new_edges]
            touched.update(e.dst for e in (*added, *gone) if e.dst in graph.nodes)
            delta.edges_added = [edge_view(e) for e in added]
            delta.edges_removed = [edge_view(e) for e in gone]
            if before_index.ids != index.ids:
                delta.removed = [nid for nid in before.nodes if nid not in graph.nodes]
                delta.order = index.ids
        for nid in list(touched):
            touched.update(index.sharers.get(nid, ()))
        dirty = index.descendants(touched)
        delta.retraced = [nid for nid in index.order if nid in dirty]
        self._layers.prime(built or {})
        for nid in delta.removed:
            self._layers.child_traces.pop(nid, None)
            self.views.pop(nid, None)
        self.graph, self.index = graph, index
        self.trace = trace(
            graph, self._layers, previous=self.trace, only=delta.retraced,
            incoming_of=index.incoming,
        )
        self.trace.children = dict(self._layers.child_traces)
        for nid in [*delta.retraced, *(moved - dirty)]:
            self.views[nid] = self._view(nid)
        delta.views = [self.views[nid] for nid in [*delta.retraced, *(moved - dirty)]]
        return delta

    def full_view(self, version: int) -> dict[str, Any]:
        """The whole graph view (for a view that starts, and for the synced trait)."""
        return {
            "version": version,
            "name": self.graph.name,
            "nodes": [self.views[nid] for nid in self.graph.nodes],
            "edges": [edge_view(e) for e in self.graph.edges],
        }

    def _view(self, node_id: str) -> dict[str, Any]:
        return node_view(
            self.graph,
            self.graph.nodes[node_id],
            self.trace,
            self._layers.child_traces,
            len(self.index.incoming[node_id]),
        )


def _touched_nodes(before: Graph, after: Graph) -> tuple[set[str], set[str]]:
    """Nodes whose layer or call changed, and nodes that only moved (their view changes)."""
    touched: set[str] = set()
    moved: set[str] = set()
    old_nodes = before.nodes
    for nid, node in after.nodes.items():
        old = old_nodes.get(nid)
        if old is node:
            continue
        if old is not None and _same_layer(old, node):
            moved.add(nid)
        else:
            touched.add(nid)
    return touched, moved


def _same_layer(a: Node, b: Node) -> bool:
    return (
        a.type == b.type
        and a.settings == b.settings
        and a.shares == b.shares
        and a.call == b.call
        and a.module == b.module
        and a.children is b.children
    )

