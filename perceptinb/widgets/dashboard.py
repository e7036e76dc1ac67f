"""The live training dashboard (`.pnb-dashboard`): a header with progress and controls, and three
tabs: Curves (loss, metrics, learning rate), Layers (per-layer statistics) and Output (the first
sample's prediction).

The dashboard is a view of a `RunState`; the publisher thread asks it for `updates()` and sends
them within the message budget. Only the visible tab's panel is kept current: a hidden one is
brought up to date the moment it is shown, which saves most messages during a run.
"""

from __future__ import annotations

import time
from typing import Any

import bqplot as bq
import ipywidgets as widgets

from perceptinb.training.publisher import Update
from perceptinb.widgets.charts import CurvesPanel, assign
from perceptinb.widgets.dashboard_parts import DashboardHeader
from perceptinb.widgets.layer_panels import LayersPanel, OutputPanel

TABS = ("Curves", "Layers", "Output")
_HEADER_EVERY_SECONDS = 1.0  # elapsed time and ETA move even when no batch ends


class Dashboard(widgets.VBox):
    """Live view of one training run.

    Args:
        state: The run's `RunState` (read under its lock).
        control: The run's `Control` (the Stop / Pause / Resume buttons call it).
    """

    def __init__(self, state: Any, control: Any) -> None:
        self.state = state
        self.header = DashboardHeader(state, control)
        # One x scale for every per-epoch chart: [0, epochs] from the start, so lines grow
        # towards the right edge like the progress bar (and it is one message to set).
        self.epoch_scale = bq.LinearScale(min=0.0, allow_padding=False)
        self.curves = CurvesPanel(self.epoch_scale)
        self.layers = LayersPanel(self.epoch_scale)
        self.output = OutputPanel(self.epoch_scale)
        self.tabs = widgets.Tab(
            children=[self.curves.widget, self.layers.widget, self.output.widget], titles=TABS
        )
        self.tabs.add_class("pnb-dashboard-tabs")
        super().__init__([self.header, self.tabs], layout=widgets.Layout(width="100%"))
        self.add_class("pnb-dashboard")
        self._header_sent_at = 0.0
        self._header_seen = -1
        self.tabs.observe(self._on_tab, names="selected_index")
        with state.lock:
            self.header.state = state.header()

    @property
    def visible(self) -> str:
        index = self.tabs.selected_index or 0
        return TABS[index]

    def prepare(self, state: Any) -> int:
        """Reset for a new run (on the training thread, before the publisher starts).

        Returns:
            The widget messages sent, which the publisher counts against its budget.
        """
        with state.lock:
            x_unit = state.x_unit
            epochs = state.epochs if x_unit == "epoch" else None
            header = state.header()
            self._header_seen = state.versions["header"]
        sent = assign(self.epoch_scale, min=0.0, max=float(epochs) if epochs else None)
        sent += self.curves.reset(x_unit) + self.layers.prepare(state) + self.output.prepare(state)
        self._header_sent_at = time.perf_counter()
        return sent + assign(self.header, state=header)

    def updates(self, state: Any, now: float, final: bool = False) -> list[Update]:
        """Pending updates of the header and the visible panel. In the final flush the header
        goes last, so a final status on screen means the charts are final too."""
        out: list[Update] = []
        with state.lock:
            header_version = state.versions["header"]
            live = state.status in ("running", "paused")
        stale = live and now - self._header_sent_at >= _HEADER_EVERY_SECONDS
        if header_version != self._header_seen or stale:
            out.append(Update("header", 1, self._send_header, 1000 if final else 0))
        panel = self.visible
        if panel == "Curves":
            out += self.curves.updates(state)
        elif panel == "Layers":
            out += self.layers.updates(state)
        else:
            out += self.output.updates(state)
        return out

    def _send_header(self) -> None:
        with self.state.lock:
            version = self.state.versions["header"]
            header = self.state.header()
        self.header.state = header
        self._header_seen = version
        self._header_sent_at = time.perf_counter()

    def _on_tab(self, change: Any) -> None:
        # The user opened a tab: draw it now rather than at the next tick.
        name = TABS[change["new"] or 0]
        if name == "Layers":
            self.layers.render()
        elif name == "Output":
            self.output.render()
        else:
            for update in self.curves.updates(self.state):
                update.apply()
