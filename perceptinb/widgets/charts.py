"""bqplot building blocks of the dashboard, and the Curves panel (loss, metrics, learning rate).

Colours are mid-saturation hex values that read on the light and the dark JupyterLab theme
(bqplot's Color trait takes no CSS variables); axes, text and backgrounds follow the theme
through bqplot's own CSS. Arrays go to the browser as float32 binary buffers (bqplot's array
serializer), never as JSON lists.
"""

from __future__ import annotations

import threading
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from perceptinb.training.publisher import Update

TRAIN = "#4e79a7"
VALIDATION = "#f28e2b"
ACCENT = "#59a14f"
MUTED = "#9d9d9d"
BAD = "#e15759"

# Widgets one metric chart creates (figure + layout, its y scale, two axes, two marks) plus the
# grid's children update: the price of a new chart in the message budget.
NEW_CHART_COST = 8


def frame_scales() -> tuple[Any, Any]:
    """The figure-frame scales bqplot would otherwise create for every figure (shareable)."""
    return (bq.LinearScale(min=0, max=1, allow_padding=False),
            bq.LinearScale(min=0, max=1, allow_padding=False))


def figure(
    marks: list[Any],
    x_scale: Any,
    y_scale: Any,
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    height: int = 230,
    y_format: str = ".3~g",
    x_format: str = ".3~g",
    x_ticks: int = 5,
    classes: tuple[str, ...] = (),
    frame: tuple[Any, Any] | None = None,
    padding_y: float = 0.06,
) -> bq.Figure:
    """A themed chart without bqplot's legend (legends are HTML rows: `legend()`).

    Everything is passed to the constructors (side, classes, the figure's frame scales), so
    creating one during a run costs one message per widget and no more. Tick formats are always
    explicit: bqplot's automatic one fails on a single-valued domain.
    """
    axes = [
        bq.Axis(scale=x_scale, label=x_label, side="bottom", grid_lines="dashed",
                num_ticks=x_ticks, tick_format=x_format),
        bq.Axis(scale=y_scale, label=y_label, side="left", grid_lines="dashed",
                tick_format=y_format, num_ticks=5, label_offset="42px"),
    ]
    extra: dict[str, Any] = {"_dom_classes": list(classes)}
    if frame is not None:
        extra.update(scale_x=frame[0], scale_y=frame[1])
    for mark in marks:
        mark.display_legend = False
    return bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        fig_margin={"top": 28, "bottom": 38, "left": 60, "right": 16},
        padding_y=padding_y,
        animation_duration=0,
        display_toolbar=False,
        title_style={"font-size": "13px", "font-weight": "600"},
        layout=widgets.Layout(width="100%", height=f"{height}px", min_width="240px"),
        **extra,
    )


def legend_html(items: list[tuple[str, str, str]]) -> str:
    """An HTML legend; items are (label, colour, "line" | "dot" | "bar" | "faint")."""
    parts = [
        f'<span class="pnb-legend-item"><span class="pnb-swatch pnb-swatch-{kind}" '
        f'style="--pnb-swatch:{color}"></span>{label}</span>'
        for label, color, kind in items
    ]
    return '<div class="pnb-legend">' + "".join(parts) + "</div>"


def legend(items: list[tuple[str, str, str]]) -> widgets.HTML:
    """A legend row widget (bqplot's own legends overlap the lines in small charts)."""
    return widgets.HTML(legend_html(items), _dom_classes=["pnb-legend-row"])


def empty() -> np.ndarray:
    return np.zeros(0, np.float32)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    return a == b


def assign(widget: Any, **values: Any) -> int:
    """Set traits that changed, in one message; returns the messages sent (0 or 1)."""
    changed = {k: v for k, v in values.items() if not _same(getattr(widget, k), v)}
    if not changed:
        return 0
    with widget.hold_sync():
        for key, value in changed.items():
            setattr(widget, key, value)
    return 1


def set_xy(mark: Any, x: np.ndarray, y: np.ndarray, **extra: Any) -> int:
    """x, y (and extra traits) in one message, as float32; returns the messages sent."""
    return assign(mark, x=np.asarray(x, np.float32), y=np.asarray(y, np.float32), **extra)


class MetricChart:
    """One metric: per-batch smoothed training line, and per-epoch train and validation."""

    def __init__(self, key: str, x_label: str, sx: Any, frame: tuple[Any, Any]) -> None:
        self.key = key
        sy = bq.LinearScale()
        self.batch = bq.Lines(
            x=empty(), y=empty(), scales={"x": sx, "y": sy}, colors=[TRAIN], opacities=[0.45],
            stroke_width=1.5, labels=["train (batch, smoothed)"],
        )
        self.epoch = bq.Lines(
            x=empty(), y=np.zeros((2, 0), np.float32), scales={"x": sx, "y": sy},
            colors=[TRAIN, VALIDATION], labels=["train (epoch)", "validation (epoch)"],
            marker="circle", marker_size=28, stroke_width=2,
        )
        self.figure = figure(
            [self.batch, self.epoch], sx, sy, title=key.replace("_", " "), x_label=x_label,
            classes=("pnb-chart", f"pnb-chart-{key}"), frame=frame,
        )
        self.seen_batch = -1
        self.seen_epoch = -1


class CurvesPanel:
    """Loss and every metric (one chart each) plus the learning rate."""

    def __init__(self, epoch_scale: Any) -> None:
        self.lock = threading.RLock()
        self.epoch_scale = epoch_scale
        self.grid = widgets.GridBox(
            layout=widgets.Layout(
                grid_template_columns="repeat(auto-fill, minmax(340px, 1fr))",
                grid_gap="6px 10px",
                width="100%",
            )
        )
        self.charts: dict[str, MetricChart] = {}
        self.lr_scale = bq.LinearScale(min=0.0, allow_padding=False)
        self.lr_line = bq.Lines(
            x=empty(), y=empty(), scales={"x": epoch_scale, "y": self.lr_scale},
            colors=[ACCENT], stroke_width=2, labels=["learning rate"],
        )
        self.frame = frame_scales()
        self.lr_figure = figure(
            [self.lr_line], epoch_scale, self.lr_scale, title="learning rate", x_label="epoch",
            y_format=".2~g", classes=("pnb-chart", "pnb-chart-lr"), frame=self.frame,
        )
        self.widget = widgets.VBox([
            legend([("train, per batch (smoothed)", TRAIN, "faint"),
                    ("train, per epoch", TRAIN, "dot"),
                    ("validation, per epoch", VALIDATION, "dot"),
                    ("learning rate", ACCENT, "line")]),
            self.grid,
        ], layout=widgets.Layout(width="100%"))
        self.widget.add_class("pnb-curves")
        self.seen_lr = -1
        self.x_label = "epoch"
        self.reset("epoch")

    def reset(self, x_unit: str) -> int:
        """A new run: keep the loss chart (cleared), drop the metric charts. Returns the
        messages sent (none for a fresh dashboard)."""
        with self.lock:
            self.x_label = x_unit
            loss = self.charts.get("loss") or MetricChart(
                "loss", x_unit, self.epoch_scale, self.frame
            )
            sent = set_xy(loss.batch, empty(), empty())
            sent += set_xy(loss.epoch, empty(), np.zeros((2, 0), np.float32))
            loss.seen_batch = loss.seen_epoch = -1
            for axis in (loss.figure.axes[0], self.lr_figure.axes[0]):
                sent += assign(axis, label=x_unit)
            self.charts = {"loss": loss}
            sent += set_xy(self.lr_line, empty(), empty())
            sent += assign(self.lr_scale, min=0.0, max=None)
            self.seen_lr = -1
            children = (loss.figure, self.lr_figure)
            if tuple(self.grid.children) != children:
                self.grid.children = children
                sent += 1
            return sent

    def updates(self, state: Any) -> list[Update]:
        with state.lock:
            keys = [k for k in state.batch] + [
                k for k in state.aligned if not k.startswith("val_") and k not in state.batch
            ]
            batch_v, epoch_v = state.versions["batch"], state.versions["epoch"]
            lr_n = len(state.lr)
        out: list[Update] = []
        with self.lock:
            for key in keys:
                chart = self.charts.get(key)
                if chart is None:
                    out.append(Update(f"new:{key}", NEW_CHART_COST, self._adder(key), 40))
                    continue
                if chart.seen_batch != batch_v and key in state.batch:
                    out.append(Update(f"batch:{key}", 1, self._batch_sender(chart, state), 20))
                if chart.seen_epoch != epoch_v:
                    out.append(Update(f"epoch:{key}", 1, self._epoch_sender(chart, state), 10))
            if self.seen_lr != lr_n and lr_n:
                out.append(Update("lr", 2, self._lr_sender(state), 30))
        return out

    # Each sender copies under the state lock, then sets traits outside it.
    def _adder(self, key: str) -> Any:
        def apply() -> None:
            with self.lock:
                if key in self.charts:
                    return
                chart = MetricChart(key, self.x_label, self.epoch_scale, self.frame)
                self.charts[key] = chart
                order = sorted(self.charts, key=lambda k: (k != "loss", k))
                self.grid.children = [self.charts[k].figure for k in order] + [self.lr_figure]

        return apply

    def _batch_sender(self, chart: MetricChart, state: Any) -> Any:
        def apply() -> None:
            with state.lock:
                version = state.versions["batch"]
                series = state.batch.get(chart.key)
                x, y = series.arrays() if series is not None else (empty(), empty())
            with self.lock:
                set_xy(chart.batch, x, y)
                chart.seen_batch = version

        return apply

    def _epoch_sender(self, chart: MetricChart, state: Any) -> Any:
        def apply() -> None:
            with state.lock:
                version = state.versions["epoch"]
                x = np.asarray(state.epoch_x, np.float32)
                train = _aligned(state.aligned.get(chart.key), len(x))
                val = _aligned(state.aligned.get("val_" + chart.key), len(x))
            with self.lock:
                set_xy(chart.epoch, x, np.vstack([train, val]))
                chart.seen_epoch = version

        return apply

    def _lr_sender(self, state: Any) -> Any:
        def apply() -> None:
            with state.lock:
                n = len(state.lr)
                x, y = state.lr.arrays()
            with self.lock:
                set_xy(self.lr_line, x, y)
                # From 0, so a schedule's decay reads at a glance; a constant rate would be a
                # one-value domain, so give it headroom.
                top = float(y.max()) if y.size else 0.0
                constant = y.size and float(y.min()) == top
                assign(self.lr_scale, min=0.0, max=top * 1.25 if constant and top > 0 else None)
                self.seen_lr = n

        return apply


def _aligned(values: list[float] | None, n: int) -> np.ndarray:
    """Per-epoch values (NaN, a gap in the line, where an epoch has none) as float32."""
    out = np.full(n, np.nan, np.float32)
    if values:
        out[: min(n, len(values))] = np.asarray(values[:n], np.float32)
    return out
