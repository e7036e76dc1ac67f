"""The dashboard's own anywidget pieces (one ESM bundle, `static/dashboard.js`, for all three):

- `DashboardHeader`: title, status, progress bar (`.pnb-progress[aria-valuenow]`), epoch and
  batch, samples/s, ETA, and the Stop / Pause / Resume buttons.
- `LayerPicker`: a minimap of the model; click a layer to see its statistics.
- `MetricsTable`: headline numbers and a per-class table (the test view).

Each is thin: traits in; the header's buttons call the kernel over the one RPC
(`perceptinb.widgets.rpc`, method ``control``). The drawing lives in js/src/dashboard.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from perceptinb.training import state as st
from perceptinb.widgets import assets
from perceptinb.widgets.rpc import Params, RpcError, RpcWidget, rpc_method

ACTIONS = ("stop", "pause", "resume")


class _Part(anywidget.AnyWidget):
    _esm = assets.esm("dashboard")
    _css = assets.css("dashboard")
    kind = traitlets.Unicode("").tag(sync=True)


class DashboardHeader(RpcWidget, _Part):
    """Progress and controls.

    The Stop / Pause / Resume buttons call ``control`` with ``{"action": "stop" | "pause" |
    "resume"}``. The reply is ``{"action", "status"}`` once the request is handed to the
    training thread (which honours it between batches), or an error when the run is not live.

    Args:
        run_state: The run's `RunState` (its status decides whether a control can act).
        control: The run's `Control`, which the buttons call.
    """

    state = traitlets.Dict().tag(sync=True)

    def __init__(self, run_state: Any, control: Any, **kwargs: Any) -> None:
        super().__init__(kind="header", **kwargs)
        self._run_state = run_state
        self._control = control

    @rpc_method("control")
    def _on_control(self, params: Params, _buffers: list[Any]) -> dict[str, str]:
        action = params.required("action", str)
        if action not in ACTIONS:
            raise RpcError(
                f"Call 'control': expected params.action to be one of {', '.join(ACTIONS)}. "
                f"Received: action={action!r}."
            )
        with self._run_state.lock:
            status = self._run_state.status
        if status in st.FINAL_STATUSES:
            raise RpcError(f"The run has already ended ({status}): there is nothing to {action}.")
        if status not in st.LIVE_STATUSES:
            raise RpcError(f"The run has not started yet ({status}): there is nothing to {action}.")
        getattr(self._control, action)()  # never blocks: the training thread acts on it
        return {"action": action, "status": status}


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
