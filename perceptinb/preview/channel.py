"""Previews for one canvas: the sample, the engine, and their wire form.

Kept apart from the widget class so the widget stays thin and this logic is testable without a
browser. It sends nothing itself: the canvas puts `payload` into its ordered ``update`` push
(together with the graph of the same version) and answers the browser's ``previews`` and
``preview_detail`` calls with `payload` and `detail`. Arrays travel through `perceptinb.codec`.

Wire form:
- `payload`: ``{"items": [item...], "removed": [node ids], "enabled", "synthetic"}``, an item
  being `Preview.to_message` (``node, kind, shape, data: {buffer, dtype, shape} | None, stats,
  error, range, grid?``).
- `detail`: ``{"node", "page", "pages", "item", "histogram": {"counts": array, "lo", "hi"},
  "target": item | None}``, the full-resolution view of one node for the inspector.
"""

from __future__ import annotations

import json
from typing import Any

from perceptinb import codec
from perceptinb.graph import Graph
from perceptinb.keras_bridge import Trace
from perceptinb.preview.engine import PreviewEngine, Refresh
from perceptinb.preview.sample import Sample, first_sample
from perceptinb.preview.summarize import Preview


class PreviewChannel:
    """Keeps a canvas' previews current and says what changed."""

    def __init__(self, data: Any = None, target: Any = None, enabled: bool = True) -> None:
        self._data = data
        self._target = target
        self.enabled = enabled
        self.engine = PreviewEngine()
        self.sample: Sample | None = None
        self._inputs_key = ""
        self.last: Refresh | None = None

    @property
    def previews(self) -> dict[str, Preview]:
        return dict(self.engine.previews) if self.enabled else {}

    @property
    def target(self) -> Any:
        """The label the user gave for the sample (None if unknown)."""
        return self._target

    @property
    def synthetic(self) -> bool:
        """The current sample was generated, not given by the user."""
        return bool(self.sample is not None and self.sample.synthetic)

    def set_data(self, data: Any, target: Any = None) -> None:
        """New sample (and label); takes effect at the next `refresh`."""
        self._data, self._target = data, target
        self._inputs_key = ""  # forces the sample to be picked again
        self.last = None

    def refresh(
        self,
        graph: Graph,
        layers: Trace,
        *,
        invalidate: bool = False,
        only: list[str] | None = None,
        incoming_of: dict[str, list[Any]] | None = None,
        until: float | None = None,
        stream: bool = False,
    ) -> Refresh | None:
        """Recompute what changed; returns what the refresh did (None if disabled).

        Args:
            graph: The current graph.
            layers: Its trace.
            invalidate: Forget every result (the weights changed).
            only: The nodes an edit touched and their descendants, in topological order
                (see `PreviewEngine.refresh`); ignored when the sample must be picked again.
            incoming_of: `Graph.incoming_index` of `graph`, when the caller has it.
            until: A `time.perf_counter` deadline for streaming previews in batches (see
                `PreviewEngine.refresh`); the stats of a stream's batches add up in `last`.
            stream: A batch of previews streaming in: one that finds nothing left to do keeps
                `last` (the stats of what the stream did).
        """
        if not self.enabled:
            return None
        if invalidate:
            self.engine.invalidate()
            only = None
        inputs_key = json.dumps([graph.nodes[n].settings for n in graph.input_ids], default=str)
        if inputs_key != self._inputs_key or self.sample is None:
            self.sample = first_sample(self._data, graph, self._target)
            self._inputs_key = inputs_key
            only = None
        refresh = self.engine.refresh(
            graph, layers, self.sample, only=only, incoming_of=incoming_of, until=until
        )
        going_on = self.last is not None and not self.last.complete and only is None
        idle = stream and not refresh.recomputed and not refresh.removed and refresh.complete
        if not (idle and self.last is not None):
            self.last = refresh.after(self.last) if going_on else refresh
        return refresh

    def set_enabled(self, enabled: bool, graph: Graph, layers: Trace) -> list[str]:
        """Switches previews on (recomputing them) or off; returns the ids whose preview went."""
        self.enabled = bool(enabled)
        if self.enabled:
            self.refresh(graph, layers)
            return []
        removed = list(self.engine.previews)
        self.engine = PreviewEngine()  # frees the cached activations
        self.sample, self._inputs_key = None, ""
        return removed

    def payload(
        self,
        buffers: list[Any],
        node_ids: list[str] | None = None,
        removed: list[str] | None = None,
    ) -> dict[str, Any]:
        """The wire form of the given previews (every one when `node_ids` is None)."""
        ids = list(self.engine.previews) if node_ids is None else node_ids
        shown = {nid: self.engine.previews[nid] for nid in ids if nid in self.engine.previews}
        return previews_message(shown, removed or [], self.enabled, self.synthetic, buffers)

    def detail(
        self, node_id: str, page: int, is_output: bool, buffers: list[Any]
    ) -> dict[str, Any] | None:
        """The inspector's view of one node; None when it has no computed output."""
        target = self.sample.target if (self.sample is not None and is_output) else None
        detail = self.engine.detail(node_id, page, target)
        if detail is None:
            return None
        return detail_message(
            node_id, detail["item"], detail["histogram"], detail["target"], buffers
        )


def previews_message(
    previews: dict[str, Preview],
    removed: list[str],
    enabled: bool,
    synthetic: bool,
    buffers: list[Any],
) -> dict[str, Any]:
    """The wire form of some previews (``{items, removed, enabled, synthetic}``)."""
    return {
        "items": [preview.to_message(nid, buffers) for nid, preview in previews.items()],
        "removed": list(removed),
        "enabled": enabled,
        "synthetic": synthetic,
    }


def detail_message(
    node_id: str,
    item: Preview,
    histogram: tuple[Any, float, float],
    target: Preview | None,
    buffers: list[Any],
) -> dict[str, Any]:
    """The wire form of the inspector's view of one node."""
    message = item.to_message(node_id, buffers)
    counts, lo, hi = histogram
    grid = message.get("grid") or {}
    return {
        "node": node_id,
        "page": grid.get("page", 0),
        "pages": grid.get("pages", 1),
        "item": message,
        "histogram": {"counts": codec.encode(counts, buffers), "lo": lo, "hi": hi},
        "target": target.to_message(node_id, buffers) if target is not None else None,
    }
