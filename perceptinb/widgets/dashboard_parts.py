"""The dashboard's own anywidget pieces (one ESM bundle, `static/dashboard.js`, for all three):

- `DashboardHeader`: title, status, progress bar (`.pnb-progress[aria-valuenow]`), epoch and
  batch, samples/s, ETA, and the Stop / Pause / Resume buttons.
- `LayerPicker`: a minimap of the model; click a layer to see its statistics.
- `MetricsTable`: headline numbers and a per-class table (the test view).

Each is thin: traits in, small custom messages out. The drawing lives in js/src/dashboard.
"""

from __future__ import annotations

import logging
from typing import Any

import anywidget
import traitlets

from perceptinb.widgets import assets

log = logging.getLogger(__name__)


class _Part(anywidget.AnyWidget):
    _esm = assets.esm("dashboard")
    _css = assets.css("dashboard")
    kind = traitlets.Unicode("").tag(sync=True)


class DashboardHeader(_Part):
    """Progress and controls. Button clicks arrive as ``{"kind": "control", "action": ...}``."""

    state = traitlets.Dict().tag(sync=True)

    def __init__(self, control: Any, **kwargs: Any) -> None:
        super().__init__(kind="header", **kwargs)
        self._control = control
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: list[Any]) -> None:
        if not isinstance(content, dict) or content.get("kind") != "control":
            log.warning("perceptinb: ignored a malformed dashboard message: %r", content)
            return
        action = content.get("action")
        if action in ("stop", "pause", "resume"):
            getattr(self._control, action)()  # never blocks: the training thread acts on it
        else:
            log.warning("perceptinb: unknown dashboard action %r", action)


class LayerPicker(_Part):
    """`graph`: ``{"nodes": [{id, type, category, weights}], "edges": [{src, dst}]}``;
    `selected` is the picked layer (synced both ways)."""

    graph = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(kind="picker", **kwargs)


class MetricsTable(_Part):
    """`table`: ``{"title", "metrics": [{label, value, hint?}], "columns": [...],
    "rows": [[...]], "note"}``."""

    table = traitlets.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(kind="table", **kwargs)
