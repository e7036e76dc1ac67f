"""What a new canvas starts from: a graph, a Keras model, or a blank graph with one input."""

from __future__ import annotations

from typing import Any

from perceptinb.graph import INPUT_TYPE, Graph, Node
from perceptinb.keras_bridge import Trace


def initial_graph(source: Any, input_shape: Any, trusted: bool) -> Graph:
    """The graph a new `Canvas` starts from: a copy of a `Graph`, an imported ``keras.Model``,
    or a blank graph (with one input of `input_shape` when given).

    Raises:
        TypeError: `source` is none of these, or both a model and `input_shape` were given.
    """
    if isinstance(source, Graph):
        if input_shape is not None:
            raise TypeError("Pass either a model/graph or input_shape, not both.")
        return source.copy()
    if source is None:
        graph = Graph(name="model")
        if input_shape is not None:
            shape = _shape_tuple(input_shape)
            graph.nodes["input"] = Node(
                "input",
                INPUT_TYPE,
                {
                    "batch_shape": [None, *shape],
                    "dtype": "float32",
                    "sparse": False,
                    "ragged": False,
                    "name": "input",
                    "optional": False,
                },
            )
        return graph
    import keras

    if isinstance(source, keras.Model):
        if input_shape is not None:
            raise TypeError("Pass either a model/graph or input_shape, not both.")
        # Live: a block Keras cannot rebuild (an unregistered custom layer) is drawn from the
        # model's own layer, locked, instead of refusing the whole model.
        return Graph.from_keras(source, trusted=trusted, live=True)
    raise TypeError(
        "Canvas expects a keras.Model, a perceptinb.Graph or None (with input_shape). "
        f"Received: {type(source).__name__} ({source!r:.60})."
    )


def model_trace(model: Any, graph: Graph) -> Trace | None:
    """The output tensors and layers an imported, built model already has, per node of the
    `graph` imported from it: the canvas draws them at once instead of building and tracing
    every layer first (1.5 s on ResNet50, 5x its forward pass). None where that does not apply
    (nested models, shared layers, locked blocks): the canvas then traces the graph itself.
    """
    import keras

    if not isinstance(model, keras.Model) or graph.locked:
        return None
    result = Trace()
    inputs = list(getattr(model, "inputs", None) or [])
    for nid, node in graph.nodes.items():
        if node.shares is not None or node.children is not None:
            return None
        try:
            if node.is_input and len(inputs) == 1 and len(graph.input_ids) == 1:
                tensor = inputs[0]
                layer = tensor._keras_history.operation  # the InputLayer (no public accessor)
            else:
                layer = model.get_layer(nid)
                tensor = layer.output  # raises for a layer called more than once
        except Exception:  # anything unexpected: trace the graph the ordinary way
            return None
        result.layers[nid] = layer
        result.outputs[nid] = list(keras.tree.flatten(tensor))
    return result


def _shape_tuple(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape
    ):
        raise TypeError(f"input_shape must be a tuple of positive ints. Received: {shape!r}.")
    return tuple(shape)
