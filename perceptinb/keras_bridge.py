"""Keras <-> Graph: import any Keras model as a graph (`perceptinb.keras_import`), and build a
graph back into a model.

Building walks the graph in topological order and calls one layer object per node, so the same
code serves `to_keras` (symbolic tensors) and the canvas (cached layers keep their weights).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from perceptinb import call_constants, layer_state
from perceptinb.catalog import resolve_class
from perceptinb.errors import GraphError
from perceptinb.graph import Edge, Graph, Node
from perceptinb.keras_errors import keras_message
from perceptinb.keras_import import SLOT, default_template, graph_from_keras

__all__ = [
    "LayerProvider",
    "Trace",
    "build",
    "config_key",
    "fill_template",
    "fresh_layer",
    "graph_from_keras",  # lives in keras_import; kept here, where callers have found it
    "graph_to_keras",
    "is_chain",
    "trace",
    "with_carried_weights",
]


# -- build ---------------------------------------------------------------------------------
@dataclass
class Trace:
    """The result of evaluating a graph node by node.

    Attributes:
        outputs: Output tensors (flattened) per node id.
        layers: The layer object each node called (shared calls map to the owner's layer).
        errors: Message per node whose layer failed.
        blocked: Nodes not evaluated because an upstream node failed.
        packed: Nodes whose call returned several tensors rather than one: ``"sequence"`` for
            a flat list or tuple (``lstm[1]`` reads one), ``"nested"`` for anything deeper.
    """

    outputs: dict[str, list[Any]] = field(default_factory=dict)
    layers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    packed: dict[str, str] = field(default_factory=dict)
    # The traces of nested models, per group node id (set by the canvas, whose layer cache
    # builds them): their inner blocks get previews (see `perceptinb.preview.nested`).
    children: dict[str, Trace] = field(default_factory=dict)


LayerProvider = Callable[[Graph, Node, list[Any]], Any]


def fresh_layer(graph: Graph, node: Node, inputs: list[Any]) -> Any:
    """A new layer for `node` (a new nested model for model nodes); for a locked node of a
    live import, the model's own layer object (see `graph_from_keras`)."""
    if node.id in graph.locked:
        if node.id in graph.live:
            return graph.live[node.id]
        raise GraphError(f"Block {node.id!r} cannot be rebuilt: {graph.locked[node.id]}")
    if node.children is not None:
        return graph_to_keras(node.children)
    cls = resolve_class(node, trusted=graph.trusted)
    # from_config may deserialize in place (Lambda swaps its function's config for the
    # function), and the graph must stay plain JSON data.
    settings = copy.deepcopy(node.settings)
    if graph.trusted:
        import keras

        # The user vouched for this graph (a Lambda layer, say): safe mode is off for this one
        # call, through the public API, not globally (keras.config.enable_unsafe_...).
        return keras.saving.deserialize_keras_object(
            {"class_name": cls.__name__, "config": settings},
            custom_objects={cls.__name__: cls},
            safe_mode=False,
        )
    return cls.from_config(settings)


def trace(
    graph: Graph,
    make_layer: LayerProvider,
    *,
    previous: Trace | None = None,
    only: list[str] | None = None,
    incoming_of: dict[str, list[Edge]] | None = None,
) -> Trace:
    """Evaluate `graph` symbolically, one node at a time, recording errors per node.

    Args:
        graph: The graph.
        make_layer: Gives the layer object of a node (see `LayerProvider`).
        previous: With `only`: the trace of an earlier version of the graph, whose results
            are kept for every node not in `only` (an edit re-traces what it touched).
        only: The nodes to evaluate, in topological order: an edited node and its
            descendants. None: every node.
        incoming_of: `Graph.incoming_index` of `graph`, when the caller has it.
    """
    import keras

    result = Trace()
    redo = set(only) if only is not None else set()
    if previous is not None and only is not None:
        result = Trace(
            *(
                {k: v for k, v in part.items() if k not in redo and k in graph.nodes}
                for part in (previous.outputs, previous.layers, previous.errors)
            ),
            {k for k in previous.blocked if k not in redo and k in graph.nodes},
            {k: v for k, v in previous.packed.items() if k not in redo and k in graph.nodes},
        )
    # One pass over the edges: `inputs_of` per node scanned every edge (O(N·E) per trace).
    incoming_of = incoming_of if incoming_of is not None else graph.incoming_index()
    owner_layers: dict[str, Any] = {}
    for node_id in only if only is not None else graph.topological_order():
        node = graph.nodes[node_id]
        incoming = incoming_of[node_id]
        failed_upstream = [e.src for e in incoming if e.src not in result.outputs]
        if failed_upstream:
            result.blocked.add(node_id)
            continue
        try:
            if node.is_input:
                layer = make_layer(graph, node, [])
                result.layers[node_id] = layer
                result.outputs[node_id] = [layer.output]
                continue
            inputs = _gather_inputs(graph, node, incoming, result.outputs)
            owner = graph.owner(node_id)
            layer = owner_layers.get(owner.id)
            if layer is None and owner.id != node_id and owner.id not in redo:
                layer = result.layers.get(owner.id)  # a shared call of a layer traced before
            if layer is None:
                layer = make_layer(graph, owner, inputs)
                owner_layers[owner.id] = layer
            result.layers[node_id] = layer
            args, kwargs = fill_template(node, inputs)
            outputs = layer(*args, **kwargs)
            result.outputs[node_id] = list(keras.tree.flatten(outputs))
            if keras.tree.is_nested(outputs):
                flat = isinstance(outputs, (list, tuple)) and not any(
                    keras.tree.is_nested(o) for o in outputs
                )
                result.packed[node_id] = "sequence" if flat else "nested"
        except Exception as exc:  # any Keras failure is shown on the block, not raised
            result.errors[node_id] = keras_message(exc)
    return result


def _gather_inputs(graph: Graph, node: Node, incoming: list[Edge], outputs: dict) -> list[Any]:
    if not incoming:
        raise GraphError(f"{node.type} {node.id!r} has no input: connect a block to it.")
    ports = [e.dst_port for e in incoming]
    if ports != list(range(len(ports))):
        raise GraphError(f"{node.id!r} has gaps in its input ports {ports}.")
    values = []
    for e in incoming:
        produced = outputs[e.src]
        if e.src_port >= len(produced):
            raise GraphError(
                f"{e.src!r} has {len(produced)} output(s); {node.id!r} reads output {e.src_port}."
            )
        values.append(produced[e.src_port])
    return values


def fill_template(node: Node, inputs: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for calling `node`'s layer on `inputs`."""
    template = node.call or default_template(node.type, len(inputs))

    def fill(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {SLOT}:
            return inputs[value[SLOT]]
        if call_constants.is_constant(value):
            return call_constants.decode(value)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return fill(template.get("args", [])), fill(template.get("kwargs", {}))


def graph_to_keras(graph: Graph) -> Any:
    """Build `graph` into a new keras.Model. See `Graph.to_keras`.

    Raises:
        GraphError: naming the first block that failed, or that a live import locked.
    """
    locked = _first_locked(graph)
    if locked is not None:
        path, reason = locked
        raise GraphError(
            f"Cannot build the model: block {path!r} cannot be rebuilt from its settings "
            f"(it is shown from the live model only): {reason}"
        )
    return build(graph, with_carried_weights(fresh_layer, warn=True))[0]


def _first_locked(graph: Graph, prefix: str = "") -> tuple[str, str] | None:
    """The path and reason of the first block a live import locked, nested ones included."""
    for node in graph.nodes.values():
        if node.id in graph.locked:
            return prefix + node.id, graph.locked[node.id]
        if node.children is not None:
            found = _first_locked(node.children, f"{prefix}{node.id}/")
            if found is not None:
                return found
    return None


def build(graph: Graph, make_layer: LayerProvider) -> tuple[Any, Trace]:
    """Build `graph` into a keras.Model with layers from `make_layer`; also return the trace.

    Raises:
        GraphError: naming the first node that failed, or if the graph has no input.
    """
    import keras

    result = trace(graph, make_layer)
    if result.errors:
        node_id, message = next(iter(result.errors.items()))
        raise GraphError(f"Cannot build the model: node {node_id!r} failed: {message}")
    inputs = [result.outputs[nid][0] for nid in graph.input_ids]
    outputs = [
        result.outputs[nid][port] for nid, port in graph.output_refs if nid in result.outputs
    ]
    if not inputs:
        raise GraphError("Cannot build the model: the graph has no InputLayer.")
    if graph.model_class == "Sequential" and is_chain(graph):
        order = graph.topological_order()
        return keras.Sequential([result.layers[nid] for nid in order], name=graph.name), result
    model = keras.Model(
        inputs=_structured(inputs, graph.input_ids, graph.input_keys),
        outputs=_structured(outputs, graph.output_refs, graph.output_keys),
        name=graph.name,
    )
    return model, result


def _structured(tensors: list[Any], refs: list[Any], keys: Any) -> Any:
    """One tensor, a list, or a dict for a model built with dict inputs or outputs.

    Args:
        keys: ``{input_id: key}`` for inputs, ``[key, ...]`` parallel to the outputs, or None.
    """
    if isinstance(keys, dict):
        return {keys.get(ref, ref): t for ref, t in zip(refs, tensors)}
    if keys is not None and len(keys) == len(tensors) == len(refs):
        return dict(zip(keys, tensors))
    return tensors[0] if len(tensors) == 1 else tensors


def is_chain(graph: Graph) -> bool:
    return (
        len(graph.input_ids) == 1
        and all(len(graph.inputs_of(n)) <= 1 and len(graph.outputs_of(n)) <= 1 for n in graph.nodes)
        and not any(n.shares for n in graph.nodes.values())
    )


def with_carried_weights(make_layer: LayerProvider, *, warn: bool = False) -> LayerProvider:
    """Wrap a provider so each new layer is built and gets the graph's carried weights.

    Args:
        make_layer: Makes the layer.
        warn: Warn, naming the layer, when its carried weights do not fit. `to_keras` promises
            an equal model, so it warns; the canvas expects fresh weights after an edit.
    """

    def provide(graph: Graph, node: Node, inputs: list[Any]) -> Any:
        layer = make_layer(graph, node, inputs)
        carried = graph.weights.get(node.id)
        if carried and not node.is_input and not node.is_model:
            args, kwargs = fill_template(node, inputs)
            layer(*args, **kwargs)  # builds the variables so the weights can be set
            layer_state.restore_weights(layer, carried, node.id, warn=warn)
        return layer

    return provide


def config_key(node: Node) -> str:
    """A stable text key of what determines a node's layer (not its position or name)."""
    settings = {k: v for k, v in node.settings.items() if k != "name"}
    return json.dumps([node.type, settings, node.module], sort_keys=True, default=str)
