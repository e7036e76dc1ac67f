"""The Canvas widget: one anywidget for the whole graph.

The kernel holds the state (a `History` of graphs); the browser draws the `graph_view` trait and
sends commands as custom messages. Every change, from Python or from a click, goes through
`Canvas.apply`, which validates, records undo history and refreshes shapes and errors.
"""

from __future__ import annotations

import json
import logging
import pathlib
import threading
from collections import OrderedDict
from typing import Any

import anywidget
import traitlets

from perceptinb.commands import History
from perceptinb.errors import CommandError
from perceptinb.graph import INPUT_TYPE, Graph, Node
from perceptinb.keras_bridge import (
    Trace,
    build,
    config_key,
    fresh_layer,
    trace,
    with_carried_weights,
)
from perceptinb.widgets.graph_view import build_graph_view, node_details

log = logging.getLogger(__name__)
STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
_MISSING_BUNDLE = """
export default { render({ el }) {
  el.innerHTML = '<div class="pnb-canvas" style="color:var(--jp-error-color1,#c00);padding:8px">' +
    'perceptinb: the front-end bundle is missing. Build it with <code>make js</code> ' +
    '(or reinstall the package).</div>';
} };
"""
_LAYER_CACHE_SIZE = 4096


def _asset(name: str, fallback: str) -> pathlib.Path | str:
    path = STATIC / name
    return path if path.exists() else fallback


class Canvas(anywidget.AnyWidget):
    """A Keras model drawn as layer blocks in a notebook cell, editable through commands.

    Args:
        model_or_graph: A ``keras.Model``, a `perceptinb.Graph`, or None for a blank canvas.
        input_shape: For a blank canvas: the shape of one sample, e.g. ``(28, 28, 1)``.
        name: The model name (defaults to the model's own).
        read_only: Draw only: no palette and no edits from the browser.
        trusted: Allow Lambda and unregistered custom layers (their rebuilding runs code).
        height: Height of the widget in pixels.

    Example:
        >>> canvas = pnb.Canvas(model)
        >>> canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 64})
    """

    _esm = _asset("canvas.js", _MISSING_BUNDLE)
    _css = _asset("canvas.css", "")

    graph_view = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    details = traitlets.Dict().tag(sync=True)
    palette = traitlets.List().tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)
    height = traitlets.Int(560).tag(sync=True)

    def __init__(
        self,
        model_or_graph: Any = None,
        *,
        input_shape: tuple[int, ...] | list[int] | None = None,
        name: str | None = None,
        read_only: bool = False,
        trusted: bool = False,
        height: int = 560,
    ) -> None:
        graph = _initial_graph(model_or_graph, input_shape, trusted)
        if name is not None:
            graph.name = name
        super().__init__(read_only=read_only, height=height)
        self._lock = threading.RLock()
        self._history = History(graph)
        self._layers: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._trace = Trace()
        # Traces of nested models: per cached layer key, and per node for the current view.
        self._nested_traces: dict[tuple[str, str], Trace] = {}
        self._child_traces: dict[str, Trace] = {}
        self._version = 0
        if not read_only:
            from perceptinb.catalog import palette_entries

            self.palette = palette_entries()
        self.on_msg(self._on_browser_message)
        self.observe(self._on_selected, names="selected")
        self._refresh()

    # -- public API ---------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        """A copy of the current graph (change it through `apply`)."""
        return self._history.graph.copy()

    @property
    def errors(self) -> dict[str, str]:
        """Error message per node whose layer fails; blocked descendants are not listed."""
        return dict(self._trace.errors)

    @property
    def model(self) -> Any:
        """The current graph as a ``keras.Model``, sharing the canvas' layers and weights."""
        with self._lock:
            return build(self._history.graph, self._cached_layer)[0]

    def apply(self, command: dict[str, Any]) -> None:
        """Apply one command and refresh the canvas (shapes, errors, details).

        Raises:
            CommandError: the command is invalid; nothing changed.
        """
        with self._lock:
            self._history.apply(command)
            self._refresh()

    def undo(self) -> None:
        self.apply({"op": "undo"})

    def redo(self) -> None:
        self.apply({"op": "redo"})

    def to_code(self) -> str:
        return self._history.graph.to_code()

    def __repr__(self) -> str:
        g = self._history.graph
        return f"<perceptinb.Canvas {g.name!r}: {len(g.nodes)} nodes, {len(self.errors)} errors>"

    # -- internals ----------------------------------------------------------------------
    def _refresh(self) -> None:
        graph = self._history.graph
        self._child_traces = {}
        self._trace = trace(graph, self._cached_layer)
        self._version += 1
        self.graph_view = build_graph_view(
            graph, self._trace, self._child_traces, version=self._version
        )
        self._update_details()

    def _cached_layer(self, graph: Graph, node: Node, inputs: list[Any]) -> Any:
        """Reuse a node's layer while its config and input signature are unchanged, so its
        weights survive unrelated edits (and training)."""
        signature = json.dumps([(list(t.shape), str(t.dtype)) for t in inputs])
        key_text = config_key(node) + (node.children.to_json(indent=None) if node.children else "")
        key = (node.id + "\0" + key_text, signature)
        layer = self._layers.get(key)
        if layer is not None:
            self._layers.move_to_end(key)
            if node.children is not None and node.id not in self._child_traces:
                self._child_traces[node.id] = self._nested_traces.get(key, Trace())
            return layer
        if node.children is not None:
            layer, child_trace = build(node.children, self._cached_layer)
            self._nested_traces[key] = child_trace
            self._child_traces[node.id] = child_trace
        else:
            layer = with_carried_weights(fresh_layer)(graph, node, inputs)
        self._layers[key] = layer
        while len(self._layers) > _LAYER_CACHE_SIZE:
            self._layers.popitem(last=False)
        return layer

    def _on_selected(self, change: dict[str, Any]) -> None:
        self._update_details()

    def _update_details(self) -> None:
        path = self.selected
        self.details = node_details(self._history.graph, path, self.graph_view) if path else {}

    def _on_browser_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        if not isinstance(content, dict) or content.get("kind") != "command":
            log.warning("perceptinb: ignored a malformed message from the browser: %r", content)
            return
        reply: dict[str, Any] = {"kind": "command_result", "id": content.get("id")}
        try:
            if self.read_only:
                raise CommandError("This canvas is read-only.")
            self.apply(content.get("command"))
            reply.update(ok=True, error=None)
        except CommandError as exc:
            reply.update(ok=False, error=str(exc))
        except Exception as exc:  # never let a browser message kill the comm
            log.exception("perceptinb: command from the browser failed")
            reply.update(ok=False, error=f"Internal error: {type(exc).__name__}: {exc}")
        self.send(reply)


def _initial_graph(source: Any, input_shape: Any, trusted: bool) -> Graph:
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
        return Graph.from_keras(source, trusted=trusted)
    raise TypeError(
        "Canvas expects a keras.Model, a perceptinb.Graph or None (with input_shape). "
        f"Received: {type(source).__name__} ({source!r:.60})."
    )


def _shape_tuple(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape
    ):
        raise TypeError(f"input_shape must be a tuple of positive ints. Received: {shape!r}.")
    return tuple(shape)
