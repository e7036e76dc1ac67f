"""The calls a canvas' browser view makes (see `perceptinb.widgets.rpc` and canvas.py's
docstring for the wire): a mixin of `Canvas`, kept apart so the widget class stays small."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perceptinb.widgets.exports import export_reply
from perceptinb.widgets.rpc import Params, Reply, RpcError, rpc_method


class CanvasCalls:
    """The handlers of `Canvas`' calls; they use the canvas' lock, state and previews."""

    if TYPE_CHECKING:  # what the handlers use of `Canvas`
        _lock: Any
        _warm_up: Any
        _previews: Any
        _history: Any
        _version: int
        _viewed: bool
        read_only: bool
        previews_enabled: bool

        def _apply(self, command: Any) -> dict[str, Any]: ...
        def _ready_lock(self) -> Any: ...
        def _full_view(self) -> dict[str, Any]: ...
        def _details(self) -> dict[str, Any]: ...
        def _progress(self) -> list[int]: ...

    @rpc_method("command")
    def _call_command(self, params: Params, buffers: list[Any]) -> dict[str, Any]:
        command = params.required("command", dict)
        if self.read_only:
            raise RpcError("This canvas is read-only.")
        return self._apply(command)

    @rpc_method("graph")
    def _call_graph(self, params: Params, buffers: list[Any]) -> dict[str, Any]:
        """The whole graph view at the current version, for a view that starts."""
        self._warm_up.start()  # the view has drawn: the layers and previews may follow
        with self._lock:
            self._viewed = True
            view, details = self._full_view(), self._details()
            return {"version": self._version, "graph": view, "details": details}

    @rpc_method("export")
    def _call_export(self, params: Params, buffers: list[Any]) -> Reply:
        fmt = params.required("format", str)
        with self._ready_lock():
            return export_reply(self, fmt)

    @rpc_method("previews")
    def _call_previews(self, params: Params, buffers: list[Any]) -> Reply:
        """Every thumbnail computed so far: a view that starts asks once, the rest (while they
        stream in) and later changes come with updates."""
        self._warm_up.start()
        with self._lock:
            self._viewed = True
            out: list[Any] = []
            payload = self._previews.payload(out) if self._previews.enabled else {
                "items": [], "removed": [], "enabled": False, "synthetic": False}
            return Reply({"version": self._version, **payload, "progress": self._progress()}, out)

    @rpc_method("preview_detail")
    def _call_preview_detail(self, params: Params, buffers: list[Any]) -> Reply:
        node = params.required("node", str)
        page = params.optional("page", int, 0)
        with self._ready_lock():
            graph = self._history.graph
            if node not in graph.nodes:
                raise RpcError(f"preview_detail: no node {node!r} in the graph.")
            is_output = any(nid == node for nid, _ in graph.output_refs)
            out: list[Any] = []
            detail = self._previews.detail(node, page, is_output, out) if self._previews.enabled \
                else None
            return Reply({"version": self._version, "detail": detail}, out)

    @rpc_method("set_previews")
    def _call_set_previews(self, params: Params, buffers: list[Any]) -> dict[str, Any]:
        self.previews_enabled = params.required("enabled", bool)
        return {"version": self._version}
