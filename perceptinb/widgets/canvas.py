"""The Canvas widget: one anywidget for the whole graph.

The kernel holds the state (a `History` of graphs); the browser draws the `graph_view` trait and
sends commands as custom messages. Every change, from Python or from a click, goes through
`Canvas.apply`, which validates, records undo history and refreshes shapes and errors.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
import threading
from collections import OrderedDict
from typing import Any

import anywidget
import traitlets

from perceptinb.commands import History
from perceptinb.errors import CommandError
from perceptinb.files import export_keras, load_graph, save_graph
from perceptinb.graph import INPUT_TYPE, Graph, Node
from perceptinb.keras_bridge import (
    Trace,
    build,
    config_key,
    fresh_layer,
    trace,
    with_carried_weights,
)
from perceptinb.preview.channel import PreviewChannel
from perceptinb.preview.summarize import Preview
from perceptinb.widgets import assets
from perceptinb.widgets.exports import EXPORT_KIND, answer_export
from perceptinb.widgets.graph_view import build_graph_view, node_details

log = logging.getLogger(__name__)
_LAYER_CACHE_SIZE = 4096


class Canvas(anywidget.AnyWidget):
    """A Keras model drawn as layer blocks in a notebook cell, editable through commands.

    Args:
        model_or_graph: A ``keras.Model``, a `perceptinb.Graph`, or None for a blank canvas.
        sample: Data to take the first sample from for the block previews (array, tensor,
            tf.data dataset, dict/list for several inputs, DataFrame). None: a synthetic one.
        target: The label of that sample, shown next to the model output.
        previews: Compute the previews (switch off for huge models).
        input_shape: For a blank canvas: the shape of one sample, e.g. ``(28, 28, 1)``.
        name: The model name (defaults to the model's own).
        read_only: Draw only: no palette and no edits from the browser.
        trusted: Allow Lambda and unregistered custom layers (their rebuilding runs code).
        height: Height of the widget in pixels.

    Example:
        >>> canvas = pnb.Canvas(model)
        >>> canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 64})
    """

    _esm = assets.esm("canvas")
    _css = assets.css("canvas")

    graph_view = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    details = traitlets.Dict().tag(sync=True)
    palette = traitlets.List().tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)
    # Why edits are refused right now ("" when they are not): set while one of this canvas' runs
    # trains, because the run keeps training the layers it started with and an edit would make
    # the canvas and the run drift apart silently. Reading, selecting and inspecting still work.
    locked = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(560).tag(sync=True)

    def __init__(
        self,
        model_or_graph: Any = None,
        *,
        sample: Any = None,
        target: Any = None,
        previews: bool = True,
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
        self._previews = PreviewChannel(self._send_binary, sample, target, enabled=previews)
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

    @property
    def sample(self) -> Any:
        """The first sample per input as numpy arrays (batch of one), keyed by input id."""
        current = self._previews.sample
        return dict(current.arrays) if current is not None else None

    @sample.setter
    def sample(self, data: Any) -> None:
        with self._lock:
            self._previews.set_data(data, self._previews.target)
            self._refresh_previews()

    def set_sample(self, data: Any, target: Any = None) -> None:
        """Set the sample and its label together; returns once the previews are current."""
        with self._lock:
            self._previews.set_data(data, target)
            self._refresh_previews()

    @property
    def previews(self) -> dict[str, Preview]:
        """The current preview of every node (an error preview where the layer failed)."""
        return self._previews.previews

    @property
    def preview_stats(self) -> dict[str, float]:
        """What the last preview refresh did: ``{"recomputed", "seconds", "bytes"}``."""
        last = self._previews.last
        return last.stats if last is not None else {"recomputed": 0, "seconds": 0.0, "bytes": 0}

    @property
    def previews_enabled(self) -> bool:
        return self._previews.enabled

    @previews_enabled.setter
    def previews_enabled(self, enabled: bool) -> None:
        with self._lock:
            self._previews.set_enabled(enabled, self._history.graph, self._trace)

    def refresh_previews(self) -> None:
        """Recompute every preview with the current weights (e.g. after a training epoch)."""
        with self._lock:
            self._refresh_previews(invalidate=True)

    def apply(self, command: dict[str, Any]) -> None:
        """Apply one command and refresh the canvas (shapes, errors, details, previews).

        Raises:
            CommandError: the command is invalid; nothing changed.
        """
        with self._lock:
            if self.locked:
                raise CommandError(self.locked)
            self._history.apply(command)
            self._refresh()

    def undo(self) -> None:
        self.apply({"op": "undo"})

    def redo(self) -> None:
        self.apply({"op": "redo"})

    def to_code(self) -> str:
        return self._history.graph.to_code()

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Save the graph (architecture and block positions, not weights) as versioned JSON.

        The write is atomic: a failed save leaves an existing file untouched.
        """
        return save_graph(self._history.graph, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, trusted: bool = False, **kwargs: Any) -> Canvas:
        """A canvas for a graph saved with `save`. Validates the file; never executes code.

        Args:
            path: The JSON file.
            trusted: Allow Lambda and unregistered custom layers (their rebuilding runs code).
            **kwargs: Passed on to `Canvas` (``height``, ``read_only``, ``name``).

        Raises:
            GraphError: the file is not a valid graph, or holds layers refused as untrusted.
        """
        return cls(load_graph(path, trusted=trusted), trusted=trusted, **kwargs)

    def export_keras(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Save `model` (architecture and weights) as a ``.keras`` file, atomically."""
        return export_keras(self.model, path)

    def train(self, x: Any, y: Any = None, **kwargs: Any) -> Any:
        """Train this canvas' model with a live dashboard; returns a `perceptinb.training.Run`.

        By default it trains on a worker thread and returns at once, so the dashboard's Stop and
        Pause buttons work; ``run.wait()`` blocks. The layers are the canvas' own: the blocks'
        thumbnails refresh after every epoch. Defaults come from the Training panel's settings.
        See `perceptinb.train` for the arguments (epochs, batch_size, validation_split,
        validation_data, optimizer, learning_rate, loss, metrics, callbacks, background...).
        """
        from perceptinb.training.run import train_canvas

        return train_canvas(self, x, y, **kwargs)

    def training_panel(self, x: Any, y: Any = None, **kwargs: Any) -> Any:
        """The Training panel: edit epochs, batch size, loss, optimizer and learning rate, then
        press Train to start a run on `x`, `y` (its dashboard appears under the panel)."""
        from perceptinb.widgets.training_panel import TrainingPanel

        return TrainingPanel(self, x, y, **kwargs)

    def _lock_for_run(self, run_name: str) -> None:
        """Refuse every command (undo and redo too) while the run `run_name` trains this canvas."""
        self.locked = (
            f"The canvas is locked while its training run {run_name!r} is in progress: "
            "stop the run first (run.stop()) or wait for it to end."
        )

    def _unlock_run(self) -> None:
        self.locked = ""

    def __repr__(self) -> str:
        g = self._history.graph
        return f"<perceptinb.Canvas {g.name!r}: {len(g.nodes)} nodes, {len(self.errors)} errors>"

    # -- internals ----------------------------------------------------------------------
    def _refresh(self) -> None:
        graph = self._history.graph
        self._child_traces = {}
        self._trace = trace(graph, self._cached_layer)
        self._version += 1
        view = build_graph_view(graph, self._trace, self._child_traces, version=self._version)
        self._refresh_previews()
        view["synthetic"] = bool(self._previews.sample and self._previews.sample.synthetic)
        view["can_undo"], view["can_redo"] = self._history.can_undo, self._history.can_redo
        self.graph_view = view
        self._update_details()

    def _refresh_previews(self, invalidate: bool = False) -> None:
        # The inspector's detail is not pushed here: the browser asks for it again (at the
        # channel page the user is on) whenever the selected block's thumbnail changes.
        self._previews.refresh(self._history.graph, self._trace, invalidate=invalidate)

    def _send_detail(self, node_id: str, page: int) -> None:
        is_output = any(nid == node_id for nid, _ in self._history.graph.output_refs)
        self._previews.send_detail(node_id, page, is_output)

    def _send_binary(self, content: dict[str, Any], buffers: list[bytes]) -> None:
        self.send(content, buffers)

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
            evicted, _ = self._layers.popitem(last=False)
            self._nested_traces.pop(evicted, None)  # a nested trace lives as long as its model
        return layer

    def _on_selected(self, change: dict[str, Any]) -> None:
        self._update_details()

    def _update_details(self) -> None:
        path = self.selected
        self.details = node_details(self._history.graph, path, self.graph_view) if path else {}

    def _on_browser_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        if kind in ("request_previews", "request_detail", "set_previews"):
            self._on_preview_message(kind, content)
            return
        if kind == EXPORT_KIND:  # "Copy as code" / "Export .keras"
            with self._lock:
                reply, data = answer_export(self, content)
            self.send(reply, data)
            return
        if kind != "command":
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


    def _on_preview_message(self, kind: str, content: dict[str, Any]) -> None:
        with self._lock:
            if kind == "request_previews":
                self._previews.send_previews()
            elif kind == "set_previews":
                self._previews.set_enabled(bool(content.get("enabled")), self._history.graph,
                                           self._trace)
            else:
                node, page = content.get("node"), content.get("page", 0)
                if isinstance(node, str) and node in self._history.graph.nodes and isinstance(
                    page, int
                ):
                    self._send_detail(node, page)


def inspect(model: Any, sample: Any = None, *, target: Any = None, height: int = 480) -> Canvas:
    """A read-only canvas showing what every layer of `model` does to the first sample.

    Args:
        model: A ``keras.Model`` or a `perceptinb.Graph`.
        sample: The data to take the first sample from (see `Canvas`); None for synthetic.
        target: The label of that sample, shown next to the output.
    """
    return Canvas(model, sample=sample, target=target, read_only=True, height=height)


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
