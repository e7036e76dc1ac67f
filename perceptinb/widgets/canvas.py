"""The Canvas widget: one anywidget for the whole graph.

The kernel holds the state (a `History` of graphs). Every change, from Python or from a click,
goes through `Canvas.apply`, which validates, records undo history and refreshes shapes,
errors and previews. The browser talks to it over `perceptinb.widgets.rpc`:

- calls (browser -> kernel): ``command {command}`` -> ``{version, added, removed, renamed}``;
  ``export {format}`` (see exports.py); ``previews {}`` -> every thumbnail (see
  preview/channel.py); ``preview_detail {node, page}`` -> the inspector's view;
  ``set_previews {enabled}`` -> ``{version}``; ``samples {}`` and ``pick_sample {index}``
  (the sample strip, see canvas_samples.py).
  ``graph {}`` -> ``{version, graph, details}``: the whole graph view, for a view that starts.
- one push per state change, topic ``update``: ``{version, graph?, details?, previews?,
  changes?}``. ``version`` grows by one per update that carries a graph or previews; ``graph``
  is a DELTA of the graph view (``{delta: true, nodes: [changed block views], removed,
  order?, edges_added, edges_removed}``, see canvas_state.py) with ``name``, ``synthetic``,
  ``can_undo``, ``can_redo``; ``previews`` the thumbnails that changed, ``changes`` the
  `graph_changes` of an edit. The browser applies it whole. A selection change pushes
  ``{version, details}`` alone.

The synced trait `_graph_view` holds the whole view as the canvas was created (a view draws it
at once, then asks ``graph`` for the current one); it is not re-sent per edit, which sent the
whole graph twice per edit. ipywidgets delivers trait updates through a promise chain and
custom messages at once, so live updates ride the push, never the trait.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import anywidget
import traitlets

from perceptinb.commands import History
from perceptinb.errors import CommandError
from perceptinb.files import export_keras, load_graph, save_graph
from perceptinb.graph import Graph
from perceptinb.keras_bridge import Trace, build
from perceptinb.preview.channel import PreviewChannel
from perceptinb.preview.engine import BLOCKED
from perceptinb.preview.summarize import Preview
from perceptinb.widgets import assets
from perceptinb.widgets.canvas_calls import CanvasCalls
from perceptinb.widgets.canvas_samples import CanvasSamples
from perceptinb.widgets.canvas_state import CanvasState, Delta
from perceptinb.widgets.canvas_versions import CanvasVersions
from perceptinb.widgets.graph_view import graph_changes, node_details
from perceptinb.widgets.initial_graph import initial_graph, model_trace
from perceptinb.widgets.layer_cache import LayerCache
from perceptinb.widgets.rpc import RpcWidget
from perceptinb.widgets.warm_up import WarmUp

# Graphs up to this many nodes (without a model's own shapes) are traced before the first
# paint, so small canvases draw with shapes at once; bigger ones draw first, shapes follow.
FIRST_PAINT_TRACE_LIMIT = 64


class Canvas(RpcWidget, CanvasCalls, CanvasVersions, CanvasSamples, anywidget.AnyWidget):
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

    # The whole graph view as the canvas was created: a view draws it at once, then asks the
    # ``graph`` call for the current one. Not re-sent per edit (edits push a delta); Python
    # reads the current view from the `graph_view` property.
    _graph_view = traitlets.Dict().tag(sync=True)
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
        graph = initial_graph(model_or_graph, input_shape, trusted)
        if name is not None:
            graph.name = name
        super().__init__(read_only=read_only, height=height)
        self._lock = threading.RLock()
        self._history = History(graph)
        self._layers = LayerCache()
        # First paint first: drawn from the shapes an imported model already has; the canvas'
        # own layers and the previews follow on a background thread (see warm_up.py).
        shapes = model_trace(model_or_graph, graph)
        if shapes is None and len(graph.nodes) > FIRST_PAINT_TRACE_LIMIT:
            shapes = Trace()  # drawn without shapes at first: tracing a big graph takes seconds
        self._state = CanvasState(graph, self._layers, shapes)
        self._refreshing = False
        self._viewed = False  # a view asked for the state: streamed previews are pushed
        self._previews = PreviewChannel(sample, target, enabled=previews)
        self._reset_strip(sample, target)
        if not read_only:
            from perceptinb.catalog import palette_entries

            self.palette = palette_entries()
        self.observe(self._on_selected, names="selected")
        # No view exists yet: the traits carry the first state, a view asks for the previews.
        self._version = self._graph_version = 1
        self._graph_view = self._full_view()
        self.details = self._details()
        rebuild = self._rebuild if shapes is not None else None
        # Started by the first view's calls, or by Python when it needs the layers.
        self._warm_up = WarmUp(self._lock, rebuild, self._stream_previews)

    @property
    def graph_view(self) -> dict[str, Any]:
        """The whole graph view the browser draws, at the current version (see graph_view.py)."""
        with self._ready_lock():
            return self._full_view()

    @contextlib.contextmanager
    def _ready_lock(self) -> Iterator[None]:
        """The canvas' lock, once its own layers exist (they are built after the first paint)."""
        self._warm_up.wait_ready()
        with self._lock:
            yield

    @property
    def _trace(self) -> Trace:
        return self._state.trace

    # -- public API ---------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        """A copy of the current graph (change it through `apply`)."""
        return self._history.graph.copy()

    @property
    def errors(self) -> dict[str, str]:
        """Error message per block whose layer fails, building it or running it on the sample.

        Blocked descendants are not listed, nor is a sample that does not fit an input (that is
        the sample's error, shown on the input block, not the model's)."""
        previews = self.previews  # waits for the previews streaming in
        with self._ready_lock():
            errors = dict(self._trace.errors)
            graph = self._history.graph
        for node_id, preview in previews.items():
            node = graph.nodes.get(node_id)
            if preview.error and preview.error != BLOCKED and node and not node.is_input:
                errors.setdefault(node_id, preview.error)
        return errors

    @property
    def model(self) -> Any:
        """The current graph as a ``keras.Model``, sharing the canvas' layers and weights."""
        with self._ready_lock():
            return build(self._history.graph, self._layers)[0]

    @property
    def sample(self) -> Any:
        """The first sample per input as numpy arrays (batch of one), keyed by input id."""
        self._warm_up.finish()
        current = self._previews.sample
        return dict(current.arrays) if current is not None else None

    @sample.setter
    def sample(self, data: Any) -> None:
        self.set_sample(data, self._previews.target)

    def set_sample(self, data: Any, target: Any = None) -> None:
        """Set the sample and its label together; returns once the previews are current."""
        with self._ready_lock():
            self._previews.set_data(data, target)
            self._reset_strip(data, target)
            refresh = self._previews.refresh(self._history.graph, self._trace)
            self._publish(refresh, graph=Delta([]))

    @property
    def version(self) -> int:
        """The state version the browser was last sent; it grows by one per update."""
        return self._version

    @property
    def previews(self) -> dict[str, Preview]:
        """The current preview of every node (an error preview where the layer failed).

        Blocks until every preview is computed (they stream in after the first paint)."""
        self._warm_up.finish()
        return self._previews.previews

    @property
    def preview_stats(self) -> dict[str, Any]:
        """What the last preview refresh did: ``{"recomputed", "seconds", "bytes", "path"}``
        (all the batches of the first previews together; ``path``: "numpy", "fused" or
        "mixed", see `perceptinb.preview.engine`); blocks until they are computed."""
        self._warm_up.finish()
        last = self._previews.last
        if last is None:
            return {"recomputed": 0, "seconds": 0.0, "bytes": 0, "path": "numpy"}
        return last.stats

    @property
    def previews_enabled(self) -> bool:
        return self._previews.enabled

    @previews_enabled.setter
    def previews_enabled(self, enabled: bool) -> None:
        with self._ready_lock():
            removed = self._previews.set_enabled(enabled, self._history.graph, self._trace)
            self._publish(self._previews.last if enabled else None, removed=removed)

    def refresh_previews(self) -> None:
        """Recompute every preview with the current weights (e.g. after a training epoch)."""
        # A stream still running would merge its stats into this refresh's preview_stats.
        self._warm_up.finish()
        with self._ready_lock():
            refresh = self._previews.refresh(self._history.graph, self._trace, invalidate=True)
            self._publish(refresh)

    def apply(self, command: dict[str, Any]) -> None:
        """Apply one command and refresh the canvas (shapes, errors, details, previews).

        Raises:
            CommandError: the command is invalid; nothing changed.
        """
        self._warm_up.finish()  # Python reads preview_stats of this edit alone afterwards
        self._apply(command)

    def _apply(self, command: Any) -> dict[str, Any]:
        with self._ready_lock():
            if self.locked:
                raise CommandError(self.locked)
            before = self._history.graph
            self._history.apply(command)
            changes = graph_changes(before, self._history.graph)
            self._refresh(changes)
            return {"version": self._version, **changes}

    def _refresh(self, changes: dict[str, Any]) -> None:
        graph = self._history.graph
        delta = self._state.update(graph, self._history.built)
        refresh = self._previews.refresh(
            graph, self._trace, only=delta.retraced, incoming_of=self._state.index.incoming
        )
        # The kernel keeps the selection on a renamed block and drops it with a removed one,
        # inside the same update (no details-only update in between).
        self._refreshing = True
        try:
            if self.selected in changes["renamed"]:
                self.selected = changes["renamed"][self.selected]
            elif self.selected and self.selected.split("/")[0] not in graph.nodes:
                self.selected = ""
        finally:
            self._refreshing = False
        self._publish(refresh, graph=delta, changes=changes)

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

    def export(self, path: str | os.PathLike[str], format: str = "keras",
               quantize: str | None = None, **kwargs: Any) -> Any:
        """Export the model (``"keras"``, ``"savedmodel"``, ``"tflite"`` or ``"onnx"``; TFLite
        `quantize`: None, "dynamic", "float16" or "int8" with ``representative=x``), load it
        back and compare it with Keras on the canvas' sample. See
        `perceptinb.hub.export.export_model`; returns an `ExportResult`."""
        from perceptinb.hub.export import export_canvas

        return export_canvas(self, path, format, quantize, **kwargs)

    def train(self, x: Any, y: Any = None, **kwargs: Any) -> Any:
        """Train this canvas' model with a live dashboard; returns a `perceptinb.training.Run`.

        By default it trains on a worker thread and returns at once, so the dashboard's Stop and
        Pause buttons work; ``run.wait()`` blocks. The layers are the canvas' own: the blocks'
        thumbnails refresh after every epoch. Defaults come from the Training panel's settings.
        See `perceptinb.train` for the arguments (epochs, batch_size, validation_split,
        validation_data, optimizer, learning_rate, loss, metrics, callbacks, background...).
        """
        from perceptinb.widgets.live_training import train_canvas

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
        # Never waits for the canvas' own layers: Jupyter asks for this while displaying it.
        errors = len(self._trace.errors) if self._warm_up.ready.is_set() else "?"
        return f"<perceptinb.Canvas {g.name!r}: {len(g.nodes)} nodes, {errors} errors>"

    # -- internals ----------------------------------------------------------------------
    def _rebuild(self) -> None:
        """The canvas' own layers, after a first paint from the imported model's shapes. The
        trace runs without the lock (nothing can edit before the layers exist), so a view's
        calls are answered meanwhile."""
        full = self._state.trace_all()
        with self._lock:
            delta = self._state.adopt(full)
            if delta.views:  # the shapes drawn first were not what the canvas' layers give
                self._publish(graph=delta, push=self._viewed)

    def _stream_previews(self, until: float | None) -> bool:
        """One batch of the previews that stream in after the first paint (see warm_up.py)."""
        refresh = self._previews.refresh(
            self._history.graph, self._trace, incoming_of=self._state.index.incoming,
            until=until, stream=True,
        )
        if refresh is None:
            return True
        if refresh.changed or refresh.removed:
            self._publish(refresh, push=self._viewed)
        return refresh.complete

    def _publish(
        self,
        refresh: Any = None,
        *,
        graph: Delta | None = None,
        removed: list[str] | None = None,
        changes: dict[str, Any] | None = None,
        push: bool = True,
    ) -> None:
        """Sends ONE ordered ``update`` push: what changed in the graph view, the selected
        block's details and the thumbnails that changed, stamped with the next version (`push`
        False: nothing, while no view has asked for the state yet)."""
        update: dict[str, Any] = {}
        buffers: list[Any] = []
        changed = list(refresh.changed) if refresh is not None else []
        gone = [*(refresh.removed if refresh is not None else []), *(removed or [])]
        if not push:
            # No view has asked for the state yet: the one that does gets all of it then.
            if graph is not None and graph.views:  # so its `graph` call takes the new view
                self._version += 1
                self._graph_version = self._version
            return
        if changed or gone or graph is not None:
            self._version += 1
            update["previews"] = self._previews.payload(buffers, changed, gone)
            update["previews"]["progress"] = self._progress()
        update["version"] = self._version
        if graph is not None:
            # `base`: the version of the graph view this delta applies to; a view holding
            # another one asks the ``graph`` call for the whole view instead.
            update["graph"] = {
                **graph.message(), **self._view_meta(),
                "version": self._version, "base": self._graph_version,
            }
            self._graph_version = self._version
            self.details = update["details"] = self._details()
        if changes is not None:
            update["changes"] = changes
        self.rpc.push("update", update, buffers)

    def _progress(self) -> list[int]:
        """``[done, total]`` of the previews streaming in (the canvas shows "previews n/N")."""
        if not self._previews.enabled:
            return [0, 0]
        return list(self._previews.engine.progress(self._history.graph))

    def _view_meta(self) -> dict[str, Any]:
        return {
            "name": self._history.graph.name,
            "synthetic": self._previews.synthetic,
            "can_undo": self._history.can_undo,
            "can_redo": self._history.can_redo,
        }

    def _full_view(self) -> dict[str, Any]:
        return {**self._state.full_view(self._graph_version), **self._view_meta()}

    def _details(self) -> dict[str, Any]:
        path = self.selected
        return node_details(self._history.graph, path, self._state.views) if path else {}

    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._refreshing:
            return  # the update being built carries the details
        with self._lock:
            self.details = self._details()
            self.rpc.push("update", {"version": self._version, "details": self.details})


def inspect(model: Any, sample: Any = None, *, target: Any = None, height: int = 480) -> Canvas:
    """A read-only canvas showing what every layer of `model` does to the first sample.

    Args:
        model: A ``keras.Model`` or a `perceptinb.Graph`.
        sample: The data to take the first sample from (see `Canvas`); None for synthetic.
        target: The label of that sample, shown next to the output.
    """
    return Canvas(model, sample=sample, target=target, read_only=True, height=height)
