"""Keras -> Graph: describe any Keras model as a graph of layer blocks, carrying its weights.

Import reads ``model.get_config()``, Keras' own stable description of a functional network:
each layer with the list of calls made to it and, per call, where every input tensor came from
(``keras_history = [layer, call, output]``). That already covers shared layers, multi-input and
multi-output models, nested models and layers called with several tensors.

A live import (``live=True``) is for looking at a model rather than rebuilding it: a block that
cannot be rebuilt from its settings is locked with the reason, and keeps the model's own layer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from perceptinb import layer_state
from perceptinb.catalog import POSITIONAL_MULTI_INPUT, UNSAFE_TYPES, jsonable, resolve_class
from perceptinb.errors import GraphError
from perceptinb.graph import INPUT_TYPE, MODEL_TYPES, Edge, Graph, Node
from perceptinb.keras_errors import keras_message

_TENSOR = "__keras_tensor__"
SLOT = "__input__"  # where incoming tensor i goes in a call template: {SLOT: i}


# -- import --------------------------------------------------------------------------------
def graph_from_keras(model: Any, *, trusted: bool = False, live: bool = False) -> Graph:
    """Describe `model` as a Graph, carrying its weights. See `Graph.from_keras`.

    Args:
        model: A built Sequential or functional model.
        trusted: Allow Lambda and unregistered custom layers.
        live: For looking at a model rather than rebuilding it: a block that cannot be rebuilt
            from its settings (an unregistered custom layer, a Lambda, state that cannot be
            carried) is not refused but locked: ``graph.locked`` says why, and building the
            graph calls the model's own layer object (``graph.live``) for it.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(
            f"Expected a keras.Model (Sequential or Functional). Received: {type(model).__name__}."
        )
    locked: dict[str, str] | None = {} if live else None
    if isinstance(model, keras.Sequential):
        graph = _from_sequential(model, trusted, locked)
    elif _is_functional(model):
        graph = _from_functional(model, trusted, locked)
    else:
        raise GraphError(
            f"Cannot import subclassed model {model.name!r} ({type(model).__name__}): its "
            "architecture lives in Python code (its call method), not in a graph. Expected a "
            "Sequential or functional model. Received: a subclass of keras.Model."
        )
    graph.trusted = trusted
    if locked:
        graph.locked = locked
        layers = {op.name: op for op in getattr(model, "operations", None) or model.layers}
        graph.live = {nid: layers[nid] for nid in locked if nid in layers}
    graph.validate()
    return graph


def _is_functional(model: Any) -> bool:
    # Private: Keras exports no Functional class, and keras.Model(inputs, outputs) is one; a
    # subclassed Model, which has no layer graph to read, is not.
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def _model_config(model: Any, locked: dict[str, str] | None) -> dict[str, Any]:
    """``model.get_config()``, or a GraphError naming the layer whose config cannot be made
    (e.g. a custom regularizer without ``get_config``).

    In a live import (`locked` is a dict) such a layer is described by its name alone while
    Keras writes the model's config, and is locked with the reason.
    """
    patched: list[Any] = []
    try:
        for _ in range(len(getattr(model, "operations", None) or model.layers) + 1):
            try:
                return model.get_config()
            except Exception as exc:
                path, error = _failing_layer(model)
                if path is None:
                    raise GraphError(
                        f"Cannot import model {model.name!r}: its get_config() failed: "
                        f"{keras_message(exc)}"
                    ) from None
                reason = (
                    f"Cannot import block {path!r}: its get_config() failed, so its settings "
                    f"cannot be read: {keras_message(error)}"
                )
                if locked is None:
                    raise GraphError(reason) from None
                layer = _layer_at(model, path)
                if "/" not in path:
                    locked[layer.name] = reason  # nested ones lock in their own import
                layer.get_config = _name_only_config(layer)
                patched.append(layer)
        raise GraphError(f"Cannot import model {model.name!r}: its get_config() keeps failing.")
    finally:
        for layer in patched:
            del layer.get_config  # the instance attribute: the class method shows again


def _name_only_config(layer: Any) -> Callable[[], dict[str, Any]]:
    def get_config() -> dict[str, Any]:
        return {"name": layer.name, "trainable": layer.trainable}

    return get_config


def _layer_at(model: Any, path: str) -> Any:
    for name in path.split("/"):
        model = {op.name: op for op in getattr(model, "operations", None) or model.layers}[name]
    return model


def _failing_layer(model: Any, prefix: str = "") -> tuple[str | None, Exception | None]:
    import keras

    for op in getattr(model, "operations", None) or model.layers:
        if isinstance(op, keras.Model):
            path, error = _failing_layer(op, f"{prefix}{op.name}/")
            if path is not None:
                return path, error
        try:
            op.get_config()
        except Exception as exc:
            return prefix + op.name, exc
    return None, None


def _from_sequential(model: Any, trusted: bool, locked: dict[str, str] | None) -> Graph:
    entries = _model_config(model, locked)["layers"]
    # Sequential.get_config lists the InputLayer only once the model was built with an input.
    layer_objects = list(model.layers)
    nodes = []
    for entry in entries:
        layer = None if entry["class_name"] == INPUT_TYPE else layer_objects.pop(0)
        nodes.append(_node_from_entry(entry, layer, trusted, locked))
    edges = [Edge(a.id, b.id) for a, b in zip(nodes, nodes[1:])]
    graph = Graph(nodes, edges, name=model.name, model_class="Sequential")
    _carry_weights(graph, model)
    return graph


def _from_functional(model: Any, trusted: bool, locked: dict[str, str] | None) -> Graph:
    import keras
    from keras.src.models.functional import Functional  # private: see _is_functional

    if type(model) is not Functional:
        # A Functional subclass (keras-hub's backbones) describes itself by its constructor
        # arguments; the same layer graph as a plain functional model describes its layers.
        model = keras.Model(model.input, model.output, name=model.name)
    config = _model_config(model, locked)
    nodes: list[Node] = []
    edges: list[Edge] = []
    # `operations` also holds keras.ops calls made in the model (e.g. ``x + 3.0``).
    operations = {op.name: op for op in getattr(model, "operations", model.layers)}
    for entry in config["layers"]:
        layer = operations[entry["name"]]
        owner = _node_from_entry(entry, layer, trusted, locked)
        nodes.append(owner)
        for call_index, call in enumerate(entry.get("inbound_nodes") or []):
            node = owner
            if call_index:
                node = Node(
                    _call_id(owner.id, call_index),
                    owner.type,
                    {},
                    shares=owner.id,
                    module=owner.module,
                )
                nodes.append(node)
            node.call = _call_template(call, node, edges)
    input_refs, input_keys = _refs(config["input_layers"])
    inputs = [_call_id(name, idx) for name, idx, _ in input_refs]
    # Keep the inputs first, in the model's input order, so rebuilding keeps that order.
    nodes.sort(key=lambda n: inputs.index(n.id) if n.id in inputs else len(inputs))
    output_refs, output_keys = _refs(config["output_layers"])
    # Keras counts a nested functional model's calls from 1 in output_layers (its node 0 is the
    # one it was built with), but from 0 everywhere else.
    offset = {n: 1 for n, op in operations.items() if isinstance(op, Functional)}
    graph = Graph(
        nodes,
        edges,
        name=model.name,
        model_class="Functional",
        outputs=[
            (_call_id(name, idx - offset.get(name, 0)), port) for name, idx, port in output_refs
        ],
        input_keys=dict(zip(inputs, input_keys)) if input_keys is not None else None,
        output_keys=output_keys,
    )
    _carry_weights(graph, model)
    return graph


def _refs(value: Any) -> tuple[list[tuple[str, int, int]], list[str] | None]:
    """The ``[name, call, port]`` references of a model's inputs or outputs, and their dict
    keys when the model takes or returns a dict (``keras.Model(inputs={"a": ..., ...})``).
    Keras writes a bare reference for a single tensor."""
    keys = None
    if isinstance(value, dict):
        keys, value = [str(k) for k in value], list(value.values())
    elif value and isinstance(value[0], str):
        value = [value]
    return [(str(name), int(idx), int(port)) for name, idx, port in value], keys


def _call_id(layer_name: str, call_index: int) -> str:
    """Node id of the n-th call of a layer: its name, then ``name@1``, ``name@2``..."""
    return layer_name if call_index == 0 else f"{layer_name}@{call_index}"


def _node_from_entry(
    entry: dict[str, Any], layer: Any, trusted: bool, locked: dict[str, str] | None
) -> Node:
    """The node of one layer. A layer that cannot be rebuilt raises a GraphError naming it,
    or, when `locked` is a dict (a live import), is recorded there with the reason."""
    class_name = entry["class_name"]
    settings = jsonable(entry.get("config", {}))
    name = settings.get("name") or entry.get("name")
    module = None
    if class_name not in MODEL_TYPES and entry.get("module") not in ("keras.layers", "keras"):
        module = {"module": entry.get("module"), "registered_name": entry.get("registered_name")}
    node = Node(name, class_name, settings, module=module)
    try:
        if class_name not in MODEL_TYPES:
            node.settings = layer_state.settings_with_state(layer, settings, name)
        if class_name in MODEL_TYPES and layer is not None:
            node.children = graph_from_keras(layer, trusted=trusted, live=locked is not None)
            node.settings = {"name": name, "trainable": bool(settings.get("trainable", True))}
        cls = resolve_class(node, trusted=trusted)
        rebuilt_by_keras = module is None and class_name not in UNSAFE_TYPES
        if locked is not None and not rebuilt_by_keras and node.children is None:
            _check_rebuilds(cls, node, trusted)
    except GraphError as exc:
        if locked is None:
            raise
        locked[name] = str(exc)
    return node


def _check_rebuilds(cls: type, node: Node, trusted: bool) -> None:
    """Whether a layer from outside ``keras.layers`` (or a Lambda) is rebuilt by its own
    config; some are not (a config key its constructor rejects, a Lambda naming a function
    that is not registered). Keras' other layers always are."""
    from keras.src.saving.serialization_lib import SafeModeScope

    try:
        with SafeModeScope(not trusted):
            cls.from_config(copy.deepcopy(node.settings))
    except Exception as exc:
        raise GraphError(
            f"Block {node.id!r} ({node.type}) cannot be rebuilt from its own config: "
            f"{keras_message(exc)}"
        ) from None


def _call_template(call: dict[str, Any], node: Node, edges: list[Edge]) -> dict[str, Any] | None:
    """Record the call's input tensors as edges; return its template if not the default."""
    slots = 0

    def replace(value: Any) -> Any:
        nonlocal slots
        if isinstance(value, dict) and value.get("class_name") == _TENSOR:
            src, call_index, port = value["config"]["keras_history"]
            edges.append(Edge(_call_id(src, call_index), node.id, port, slots))
            slots += 1
            return {SLOT: slots - 1}
        if isinstance(value, dict):
            return {k: replace(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [replace(v) for v in value]
        return value

    args = replace(call.get("args", []))
    kwargs = {k: v for k, v in replace(call.get("kwargs", {})).items() if v is not None}
    template = {"args": args, "kwargs": jsonable(kwargs)}
    return None if template == default_template(node.type, slots) else template


def default_template(type_name: str, n_inputs: int) -> dict[str, Any]:
    slots = [{SLOT: i} for i in range(n_inputs)]
    if n_inputs == 1:
        return {"args": slots, "kwargs": {}}
    if type_name in POSITIONAL_MULTI_INPUT:
        return {"args": slots, "kwargs": {}}
    return {"args": [slots], "kwargs": {}}


def _carry_weights(graph: Graph, model: Any) -> None:
    by_name = {layer.name: layer for layer in getattr(model, "operations", model.layers)}
    for node in graph.nodes.values():
        layer = by_name.get(node.id)
        if (
            layer is not None
            and not node.is_model
            and node.shares is None
            and getattr(layer, "weights", None)
        ):
            graph.weights[node.id] = layer.get_weights()
