"""Turning what users hand the hub (models, graphs, canvases, runs) into graphs and ids."""

from __future__ import annotations

from typing import Any

from perceptinb.graph import Graph


def graph_and_params(item: Any) -> tuple[Graph, int | None]:
    """The `Graph` of a ``keras.Model``, `Canvas` or `Graph`, and its parameter count.

    Raises:
        TypeError: `item` is none of those.
    """
    if isinstance(item, Graph):
        return item, _graph_params(item)
    if hasattr(item, "graph") and isinstance(getattr(item, "graph", None), Graph):  # a Canvas
        graph = item.graph
        model = getattr(item, "model", None)
        return graph, _model_params(model) if model is not None else _graph_params(graph)
    if _is_keras_model(item):
        return Graph.from_keras(item), _model_params(item)
    raise TypeError(
        "Expected a keras.Model, a perceptinb.Graph or a Canvas. "
        f"Received: {type(item).__name__} ({item!r:.60})."
    )


def _is_keras_model(item: Any) -> bool:
    import sys

    keras = sys.modules.get("keras")  # a model exists only if Keras is already imported
    return keras is not None and isinstance(item, keras.Model)


def _model_params(model: Any) -> int | None:
    try:
        return int(model.count_params())
    except Exception:  # an unbuilt model has no parameter count yet
        return None


def _graph_params(graph: Graph) -> int | None:
    try:
        return _model_params(graph.to_keras())
    except Exception:  # a graph with errors still gets recorded, without a count
        return None
