"""The canvas' Keras layers, kept across edits so that weights survive them.

A node's layer is reused while its config and input signature are unchanged: an edit elsewhere
(or a training run) leaves its weights alone. Nested models are built through the same cache,
and their traces are kept for the nested groups the canvas draws.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from perceptinb.graph import Graph, Node
from perceptinb.keras_bridge import Trace, build, config_key, fresh_layer, with_carried_weights

CACHE_SIZE = 4096


class LayerCache:
    """``cache(graph, node, inputs) -> layer``: the layer factory `trace` and `build` take."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._layers: OrderedDict[tuple[str, str], Any] = OrderedDict()
        # Traces of nested models: per cached layer key, and per node for the current graph.
        self._nested: dict[tuple[str, str], Trace] = {}
        self.child_traces: dict[str, Trace] = {}
        # Layers a command already built from a node's new settings, used once by the next
        # lookup of that node with the same settings: one Keras layer per edit, not two.
        self._primed: dict[str, Any] = {}

    def prime(self, built: dict[str, Any]) -> None:
        """Offer layers just built from nodes' settings (`History.built`) for their next lookup."""
        self._primed = dict(built)

    def new_pass(self) -> None:
        """Starts a trace of the whole graph: nested traces are collected again."""
        self.child_traces = {}

    def __call__(self, graph: Graph, node: Node, inputs: list[Any]) -> Any:
        signature = json.dumps([(list(t.shape), str(t.dtype)) for t in inputs])
        key_text = config_key(node) + (node.children.to_json(indent=None) if node.children else "")
        key = (node.id + "\0" + key_text, signature)
        layer = self._layers.get(key)
        if layer is not None:
            self._layers.move_to_end(key)
            if node.children is not None:
                # The trace of this very model: after an undo the group's cached model comes
                # back, and its trace must replace the one of the edit it undoes.
                nested = self._nested.get(key)
                if nested is not None or node.id not in self.child_traces:
                    self.child_traces[node.id] = nested or Trace()
            return layer
        if node.children is not None:
            layer, child_trace = build(node.children, self)
            # Groups inside this one were just traced through this cache: their traces go
            # with this one, so their inner blocks get previews too (GROUP/INNER/CHILD).
            child_trace.children = {
                nid: self.child_traces[nid]
                for nid, inner in node.children.nodes.items()
                if inner.children is not None and nid in self.child_traces
            }
            self._nested[key] = child_trace
            self.child_traces[node.id] = child_trace
        else:
            primed = self._primed.pop(node.id, None)
            usable = primed is not None and not graph.trusted and node.id not in graph.locked
            provider = (lambda *_: primed) if usable else fresh_layer
            layer = with_carried_weights(provider)(graph, node, inputs)
        self._layers[key] = layer
        while len(self._layers) > self.size:
            evicted, _ = self._layers.popitem(last=False)
            self._nested.pop(evicted, None)  # a nested trace lives as long as its model
        return layer
