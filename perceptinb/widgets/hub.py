"""The hub at the widget level: `Hub` (what `pnb.Hub` is) and its widget (`.pnb-hub`).

`perceptinb.hub.Hub` keeps runs and versions and imports no widget; this module's `Hub` adds
what displays: ``widget()`` (shown when the hub is displayed) and ``canvas(run_or_version)``.

The widget is every run in a sortable, filterable, virtualized table. Calls (browser -> kernel,
over `perceptinb.widgets.rpc`): ``rows {}`` -> every row (see `rows.row`); ``delete {id}``;
``open {id}`` shows the run's model in a canvas below the table; ``export {id, format,
quantize?}`` -> ``{path, bytes, max_abs_diff}``; ``compare {ids}`` shows a comparison below the
table. Pushes: ``rows {rows, removed}`` with the runs that changed, sent by a watcher thread at
most once a second while the widget is shown (one indexed query per tick).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from perceptinb.hub import hub as _hub
from perceptinb.hub.rows import ChangeWatcher, row
from perceptinb.hub.store import HubError
from perceptinb.widgets import assets
from perceptinb.widgets.rpc import Params, RpcError, RpcWidget, rpc_method

PUSH_EVERY_SECONDS = 1.0
_FORMATS = {"keras": ("keras", None), "savedmodel": ("savedmodel", None),
            "tflite": ("tflite", None), "tflite-float16": ("tflite", "float16"),
            "tflite-dynamic": ("tflite", "dynamic"), "onnx": ("onnx", None)}


class Hub(_hub.Hub):
    __doc__ = _hub.Hub.__doc__

    def widget(self, height: int = 420) -> widgets.VBox:
        """The hub widget: a sortable, filterable table of runs with Open, Export, Delete and
        Compare (what displaying the hub shows).

        Args:
            height: Height of the table in pixels.
        """
        return hub_widget(self, height=height)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget()._repr_mimebundle_(**kwargs)

    def canvas(self, run_or_version: Any, **kwargs: Any) -> Any:
        """A `Canvas` of a run's graph version with its trained weights (when kept), or of a
        version (``"v3"``, a hash prefix or a `VersionRecord`).

        Args:
            run_or_version: A run (id, `Run` or `RunRecord`) or a version.
            **kwargs: Passed on to `Canvas` (``sample``, ``height``...).
        """
        return open_canvas(self, run_or_version, **kwargs)


def open_canvas(hub: _hub.Hub, run_or_version: Any, **kwargs: Any) -> Any:
    """A `Canvas` of what `hub.source` reopens (any hub, with or without the widget layer)."""
    from perceptinb.widgets.canvas import Canvas

    return Canvas(hub.source(run_or_version), **kwargs)


class HubTable(RpcWidget, anywidget.AnyWidget):
    """The table part of the hub widget. Create it through `hub_widget(hub)`."""

    _esm = assets.esm("hub")
    _css = assets.css("hub")
    height = traitlets.Int(420).tag(sync=True)
    formats = traitlets.List(list(_FORMATS)).tag(sync=True)

    def __init__(self, hub: Any, output: widgets.Output, height: int = 420) -> None:
        super().__init__(height=height)
        self.hub = hub
        self.output = output
        self.watcher = ChangeWatcher(hub.store)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- calls -------------------------------------------------------------------------------------
    @rpc_method("rows")
    def _rows(self, params: Params, buffers: list[Any]) -> Any:
        records = self.hub.runs()
        self.watcher.reset({r.id for r in records})
        self._start_watching()
        return {"rows": [row(r) for r in records]}

    @rpc_method("delete")
    def _delete(self, params: Params, buffers: list[Any]) -> Any:
        run_id = params.required("id", int)
        self.hub.delete(run_id)
        self.watcher.ids.discard(run_id)
        return {"deleted": run_id}

    @rpc_method("open")
    def _open(self, params: Params, buffers: list[Any]) -> Any:
        run_id = params.required("id", int)
        self._show(open_canvas(self.hub, run_id))
        return {"opened": run_id}

    @rpc_method("export")
    def _export(self, params: Params, buffers: list[Any]) -> Any:
        from perceptinb.hub.export import export_recorded

        run_id = params.required("id", int)
        choice = params.optional("format", str, "keras")
        if choice not in _FORMATS:
            raise RpcError(f"Expected format in {list(_FORMATS)}. Received: {choice!r}.")
        format, quantize = _FORMATS[choice]
        try:
            result = export_recorded(self.hub, run_id, format=format, quantize=quantize)
        except ImportError as exc:  # the onnx extra is missing: a refusal, not a crash
            raise HubError(str(exc)) from None
        self._push_changes()
        return {"path": str(result.path), "bytes": result.bytes,
                "max_abs_diff": result.max_abs_diff}

    @rpc_method("compare")
    def _compare(self, params: Params, buffers: list[Any]) -> Any:
        ids = params.required("ids", list)
        if not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise RpcError(f"Call 'compare': expected params.ids to be run ids. Received: {ids!r}.")
        from perceptinb.widgets.compare import compare

        self._show(compare(*ids, hub=self.hub))
        return {"compared": ids}

    # -- live updates ------------------------------------------------------------------------------
    def _show(self, widget: Any) -> None:
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            display(widget)

    def _start_watching(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        ref = weakref.ref(self)
        self._thread = threading.Thread(target=_watch, args=(ref, self._stop), daemon=True,
                                        name="perceptinb-hub-watch")
        self._thread.start()

    def _push_changes(self) -> bool:
        changed, removed = self.watcher.changed()
        if not changed and not removed:
            return False
        records = [self.hub.run(rid) for rid in changed]
        self.rpc.push("rows", {"rows": [row(r) for r in records], "removed": removed})
        return True

    def close(self) -> None:
        self._stop.set()
        super().close()


def _watch(ref: Any, stop: threading.Event) -> None:
    while not stop.wait(PUSH_EVERY_SECONDS):
        table = ref()
        if table is None or table.comm is None:
            return
        try:
            table._push_changes()
        except HubError:  # the file went away or is busy: try again next tick
            continue
        finally:
            del table


def hub_widget(hub: Any, height: int = 420) -> widgets.VBox:
    """The hub widget: the table, and below it whatever a row action opens."""
    output = widgets.Output()
    table = HubTable(hub, output, height=height)
    box = widgets.VBox([table, output], layout=widgets.Layout(width="100%"))
    box.table = table  # type: ignore[attr-defined]
    return box
