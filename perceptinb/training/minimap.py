"""The layer picker's minimap: a model's top-level layers and their connections.

Works for any Keras model a user trains (subclassed ones included), so it reads the layers'
call history directly instead of requiring a `Graph` import, which refuses some models.
"""

from __future__ import annotations

from typing import Any

import keras


def minimap_graph(model: Any) -> dict[str, Any]:
    """Top-level layers and their connections, for the layer picker's minimap."""
    from perceptinb.catalog import category_of

    layers = list(model.layers)
    names = {layer.name for layer in layers}
    edges: list[dict[str, str]] = []
    functional = getattr(model, "_functional", None) or model
    input_layers = [
        getattr(t, "_keras_history", None) for t in (getattr(functional, "inputs", None) or [])
    ]
    if isinstance(model, keras.Sequential):
        chain = [history.operation.name for history in input_layers[:1] if history] + [
            layer.name for layer in layers
        ]
        edges = [{"src": a, "dst": b} for a, b in zip(chain, chain[1:])]
        extra = chain[:1] if chain[:1] and chain[0] not in names else []
    else:
        extra = []
        for history in input_layers:
            if history and history.operation.name not in names:
                extra.append(history.operation.name)
        known = names | set(extra)
        for layer in layers:
            for node in getattr(layer, "_inbound_nodes", []):
                for parent in getattr(node, "parent_nodes", []):
                    src = parent.operation.name
                    if src in known and src != layer.name:
                        edges.append({"src": src, "dst": layer.name})
    nodes = [
        {"id": name, "type": "InputLayer", "category": "input", "weights": False} for name in extra
    ] + [
        {
            "id": layer.name,
            "type": type(layer).__name__,
            "category": category_of(type(layer).__name__),
            "weights": bool(layer.weights),
        }
        for layer in layers
    ]
    unique = list({(e["src"], e["dst"]): e for e in edges}.values())
    return {"nodes": nodes, "edges": unique}
