"""Previews for one canvas: the sample, the engine, and the messages to the browser.

Kept apart from the widget class so the widget stays thin and this logic is testable without a
browser: it only needs a ``send(content, buffers)`` callable.

Wire format (kernel -> browser; arrays travel as binary buffers, never JSON lists):
- ``{"kind": "previews", "version", "synthetic", "items": [...], "removed": [...]}``: the
  thumbnails that changed (all of them in answer to ``{"kind": "request_previews"}``).
- ``{"kind": "preview_detail", "node", "page", "pages", "item", "histogram", "target"}``: the
  full-resolution view of one node, in answer to ``{"kind": "request_detail", "node", "page"}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from perceptinb.graph import Graph
from perceptinb.keras_bridge import Trace
from perceptinb.preview.engine import PreviewEngine, Refresh
from perceptinb.preview.sample import Sample, first_sample
from perceptinb.preview.summarize import Preview

Send = Callable[[dict[str, Any], list[bytes]], None]


class PreviewChannel:
    """Keeps a canvas' previews current and tells the browser what changed."""

    def __init__(
        self, send: Send, data: Any = None, target: Any = None, enabled: bool = True
    ) -> None:
        self._send = send
        self._data = data
        self._target = target
        self.enabled = enabled
        self.engine = PreviewEngine()
        self.sample: Sample | None = None
        self._inputs_key = ""
        self.last: Refresh | None = None
        self._version = 0

    @property
    def previews(self) -> dict[str, Preview]:
        return dict(self.engine.previews) if self.enabled else {}

    @property
    def target(self) -> Any:
        """The label the user gave for the sample (None if unknown)."""
        return self._target

    def set_data(self, data: Any, target: Any = None) -> None:
        """New sample (and label); takes effect at the next `refresh`."""
        self._data, self._target = data, target
        self._inputs_key = ""  # forces the sample to be picked again

    def refresh(self, graph: Graph, layers: Trace, *, invalidate: bool = False) -> Refresh | None:
        """Recompute what changed and send it; returns the refresh stats (None if disabled)."""
        if not self.enabled:
            return None
        if invalidate:
            self.engine.invalidate()
        inputs_key = json.dumps([graph.nodes[n].settings for n in graph.input_ids], default=str)
        if inputs_key != self._inputs_key or self.sample is None:
            self.sample = first_sample(self._data, graph, self._target)
            self._inputs_key = inputs_key
        self.last = self.engine.refresh(graph, layers, self.sample)
        if self.last.changed or self.last.removed:
            self.send_previews(self.last.changed, self.last.removed)
        return self.last

    def set_enabled(self, enabled: bool, graph: Graph, layers: Trace) -> None:
        self.enabled = bool(enabled)
        if self.enabled:
            self.refresh(graph, layers)
        else:
            removed = list(self.engine.previews)
            self.engine = PreviewEngine()  # frees the cached activations
            self.sample, self._inputs_key = None, ""
            self.send_previews([], removed)

    def send_previews(
        self, node_ids: list[str] | None = None, removed: list[str] | None = None
    ) -> None:
        """Send the given previews (all of them when `node_ids` is None)."""
        ids = list(self.engine.previews) if node_ids is None else node_ids
        buffers: list[bytes] = []
        items = [
            self.engine.previews[nid].to_message(nid, buffers)
            for nid in ids
            if nid in self.engine.previews
        ]
        self._version += 1
        self._send(
            {
                "kind": "previews",
                "version": self._version,
                "synthetic": bool(self.sample and self.sample.synthetic),
                "enabled": self.enabled,
                "items": items,
                "removed": list(removed or []),
            },
            buffers,
        )

    def send_detail(self, node_id: str, page: int, is_output: bool) -> None:
        target = self.sample.target if (self.sample is not None and is_output) else None
        detail = self.engine.detail(node_id, page, target)
        if detail is None:
            return
        buffers: list[bytes] = []
        item = detail["item"].to_message(node_id, buffers)
        counts, lo, hi = detail["histogram"]
        histogram = {"buffer": len(buffers), "lo": lo, "hi": hi, "bins": int(counts.size)}
        buffers.append(counts.tobytes())
        grid = item.get("grid") or {}
        self._send(
            {
                "kind": "preview_detail",
                "node": node_id,
                "page": grid.get("page", 0),
                "pages": grid.get("pages", 1),
                "item": item,
                "histogram": histogram,
                "target": detail["target"].to_message(node_id, buffers)
                if detail["target"]
                else None,
            },
            buffers,
        )
