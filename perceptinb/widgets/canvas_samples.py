"""A canvas' sample strip (a mixin of `Canvas`): the first samples of its data, and picking one
as the sample every block previews, from Python and from the browser alike.

Calls (see `perceptinb.widgets.rpc`): ``samples {}`` -> ``{index, total, items}`` (see
`perceptinb.preview.samples_strip.SampleRows.items`; images travel as codec buffers);
``pick_sample {index}`` -> ``{version, index}``; the previews of the picked sample come with the
update it pushes. A bad index is refused with an error naming it, and nothing changes.
Push (topic ``samples``): ``{index}`` after a pick (from Python too), ``{reload: true}`` when the
canvas gets new data, so every view's strip follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perceptinb.preview.samples_strip import SampleRows
from perceptinb.widgets.canvas_state import Delta
from perceptinb.widgets.rpc import Params, Reply, RpcError, rpc_method


class CanvasSamples:
    """`Canvas.sample_index`, `Canvas.pick_sample` and the strip's calls."""

    _strip: SampleRows | None = None
    _strip_source: tuple[Any, Any] = (None, None)
    _sample_index = 0

    if TYPE_CHECKING:  # what this uses of `Canvas`
        _previews: Any
        _history: Any
        _trace: Any
        _version: int
        _viewed: bool
        _lock: Any
        rpc: Any

        def _ready_lock(self) -> Any: ...
        def _publish(self, refresh: Any, **kwargs: Any) -> None: ...

    def _reset_strip(self, data: Any, target: Any) -> None:
        """New data: the strip reads it again (lazily) and starts at its first sample."""
        self._strip_source = (data, target)
        self._strip = None
        self._sample_index = 0
        if self._viewed:
            self.rpc.push("samples", {"reload": True})

    def _rows(self) -> SampleRows:
        if self._strip is None:
            data, target = self._strip_source
            self._strip = SampleRows(data, target, self._history.graph)
        return self._strip

    @property
    def sample_index(self) -> int:
        """Which of the data's samples the previews show (0: the first)."""
        return self._sample_index

    def pick_sample(self, index: int) -> None:
        """Preview sample `index` of the canvas' data (its label shown next to the output);
        returns once the previews are current.

        Raises:
            IndexError: `index` is not one of the strip's samples; nothing changed.
        """
        with self._ready_lock():
            x, y = self._rows().pick(index)
            self._previews.set_data(x, y)
            self._sample_index = int(index)
            refresh = self._previews.refresh(self._history.graph, self._trace)
            self._publish(refresh, graph=Delta([]))
            self.rpc.push("samples", {"index": self._sample_index})

    @rpc_method("samples")
    def _call_samples(self, params: Params, buffers: list[Any]) -> Reply:
        # The strip needs the data and the graph's inputs, not the layers: no waiting for the
        # warm-up here, which would hold every later call of the first view behind the build.
        with self._lock:
            try:
                rows = self._rows()
            except ValueError as exc:  # data the strip cannot read: say why, draw none
                raise RpcError(f"samples: {exc}") from None
            out: list[Any] = []
            items = rows.items(out)
            return Reply({"index": self._sample_index, "total": rows.count, "items": items}, out)

    @rpc_method("pick_sample")
    def _call_pick_sample(self, params: Params, buffers: list[Any]) -> dict[str, Any]:
        index = params.required("index", int)
        try:
            self.pick_sample(index)
        except IndexError as exc:
            raise RpcError(f"pick_sample: {exc}") from None
        return {"version": self._version, "index": self._sample_index}
