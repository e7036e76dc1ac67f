"""The dashboard's Layers panel (per-layer weight, bias and gradient statistics) and Output panel
(the first sample's prediction against its ground truth, epoch by epoch).

Both are redrawn from `RunState` by the publisher thread and by the user's clicks on the main
thread, so each guards its widgets with a lock.
"""

from __future__ import annotations

import threading
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from perceptinb.training.publisher import Update
from perceptinb.training.stats import KINDS
from perceptinb.widgets.charts import (
    ACCENT,
    MUTED,
    TRAIN,
    VALIDATION,
    assign,
    empty,
    figure,
    legend,
    legend_html,
    set_xy,
)
from perceptinb.widgets.dashboard_parts import LayerPicker

_STAT_COLORS = [MUTED, TRAIN, MUTED]


class LayersPanel:
    """Pick a layer on the minimap; see min/mean/max per epoch and histograms over epochs."""

    def __init__(self, epoch_scale: Any) -> None:
        self.lock = threading.RLock()
        self.state: Any = None
        self.picker = LayerPicker(layout=widgets.Layout(width="230px", min_width="200px"))
        self.stats: dict[str, bq.Lines] = {}
        stat_figures = []
        for kind in KINDS:
            sy = bq.LinearScale()
            line = bq.Lines(
                x=empty(), y=np.zeros((3, 0), np.float32), scales={"x": epoch_scale, "y": sy},
                colors=_STAT_COLORS, labels=["min", "mean", "max"], marker="circle",
                marker_size=16, stroke_width=1.5,
            )
            self.stats[kind] = line
            stat_figures.append(figure([line], epoch_scale, sy, title=kind, x_label="epoch",
                                       height=190, classes=(f"pnb-layer-{kind}",)))
        hx, hy = bq.LinearScale(), bq.LinearScale(min=0, allow_padding=False)
        self.hist_all = bq.Lines(
            x=np.zeros((0, 0), np.float32), y=np.zeros((0, 0), np.float32),
            scales={"x": hx, "y": hy}, colors=[MUTED], stroke_width=1, opacities=[0.35],
        )
        self.hist_bars = bq.Bars(
            x=empty(), y=empty(), scales={"x": hx, "y": hy}, colors=[TRAIN], padding=0.08,
            opacities=[0.85],
        )
        self.hist_figure = figure(
            [self.hist_all, self.hist_bars], hx, hy, title="histogram", x_label="value",
            y_label="count", height=230, y_format=".2~s", classes=("pnb-layer-histogram",),
            padding_y=0.0,
        )
        self.kind = widgets.ToggleButtons(
            options=list(KINDS), value="weights", style={"button_width": "84px"}
        )
        self.epoch = widgets.IntSlider(
            min=1, max=1, value=1, description="epoch", continuous_update=True,
            layout=widgets.Layout(width="320px"),
        )
        self.caption = widgets.HTML()
        self.caption.add_class("pnb-caption")
        self._follow_latest = True
        self._quiet = False
        self._seen = -1
        right = widgets.VBox(
            [
                self.caption,
                legend([("min and max", MUTED, "dot"), ("mean", TRAIN, "dot"),
                        ("histogram at the chosen epoch", TRAIN, "bar"),
                        ("other epochs", MUTED, "faint")]),
                widgets.GridBox(
                    stat_figures,
                    layout=widgets.Layout(
                        grid_template_columns="repeat(auto-fill, minmax(240px, 1fr))",
                        width="100%",
                    ),
                ),
                widgets.HBox([self.kind, self.epoch], layout=widgets.Layout(flex_flow="wrap")),
                self.hist_figure,
            ],
            layout=widgets.Layout(flex="1 1 auto", min_width="0"),
        )
        self.widget = widgets.HBox([self.picker, right], layout=widgets.Layout(width="100%"))
        self.widget.add_class("pnb-layers")
        self.picker.observe(self._on_pick, names="selected")
        self.kind.observe(lambda _: self.render(), names="value")
        self.epoch.observe(self._on_epoch, names="value")

    def prepare(self, state: Any) -> int:
        """Bind to a new run; returns the messages sent."""
        with self.lock:
            self.state = state
            with state.lock:
                graph, names = dict(state.graph), list(state.layer_names)
            selected = self.picker.selected if self.picker.selected in names else (
                names[0] if names else ""
            )
            self._follow_latest = True
            self._seen = -1
            self._quiet = True
            try:
                sent = assign(self.picker, graph=graph, selected=selected)
            finally:
                self._quiet = False
            return sent + self.render()

    def updates(self, state: Any) -> list[Update]:
        if state.versions["layers"] == self._seen:
            return []
        # 3 stat lines + slider (<= 3) + 2 histogram marks + caption
        return [Update("layers", 9, self.render, 60)]

    def _on_epoch(self, change: Any) -> None:
        if self._quiet:
            return
        self._follow_latest = change["new"] >= self.epoch.max
        self.render()

    def _on_pick(self, _change: Any) -> None:
        if not self._quiet:
            self.render()

    def render(self) -> int:
        """Redraw for the picked layer and kind (from any thread); returns the messages sent."""
        state = self.state
        if state is None:
            return 0
        with self.lock:
            layer, kind = self.picker.selected, self.kind.value
            with state.lock:
                version = state.versions["layers"]
                per_kind = {}
                for k in KINDS:
                    s = state.layers.get(layer, k)
                    per_kind[k] = None if s is None else (
                        list(s.epochs), list(s.min), list(s.mean), list(s.max), list(s.histograms)
                    )
            sent = 0
            for k, line in self.stats.items():
                series = per_kind[k]
                if series is None:
                    sent += set_xy(line, empty(), np.zeros((3, 0), np.float32))
                else:
                    sent += set_xy(line, np.asarray(series[0]), np.asarray(series[1:4]))
            sent += self._render_histograms(per_kind.get(kind))
            sent += assign(self.caption, value=_layer_caption(layer, per_kind))
            self._seen = version
            return sent

    def _render_histograms(self, series: Any) -> int:
        hists = series[4] if series else []
        epochs = [h[0] for h in hists]
        if not epochs:
            sent = set_range(self, self.epoch, 0, 0, 0)
            sent += set_xy(self.hist_all, np.zeros((0, 0)), np.zeros((0, 0)))
            return sent + set_xy(self.hist_bars, empty(), empty())
        value = self.epoch.value
        if self._follow_latest or value not in epochs:
            if self._follow_latest:
                value = max(epochs)
            else:  # the chosen epoch was thinned out: the nearest one kept
                value = min(epochs, key=lambda e: abs(e - value))
        sent = set_range(self, self.epoch, min(epochs), max(epochs), value)
        centers = np.stack([(e[:-1] + e[1:]) / 2 for _, e, _ in hists])
        counts = np.stack([c for _, _, c in hists])
        chosen = epochs.index(value)
        sent += set_xy(self.hist_all, centers, counts)
        return sent + set_xy(self.hist_bars, centers[chosen], counts[chosen])


def set_range(owner: Any, slider: Any, lo: int, hi: int, value: int) -> int:
    """Point an epoch slider at [lo, hi] and `value`; returns the messages sent.

    The maximum and the value go in separate messages, in that order: in one message the
    browser may apply the value first, clamp it to the old maximum and send the clamped value
    back, which would move the slider off the newest epoch. No epochs yet: [1, 1]. At most
    three messages (the minimum moves only if the first recorded epoch changes).
    """
    empty_range = hi < lo or hi < 1
    lo, hi, value = (1, 1, 1) if empty_range else (max(1, lo), hi, value)
    sent = 0
    owner._quiet = True  # our own changes are not the user moving the slider
    try:
        if slider.max != hi:
            if slider.min > hi:  # shrinking below the minimum: lower it first (new run)
                slider.min = 1
                sent += 1
            slider.max = hi
            sent += 1
        if slider.min != lo:
            slider.min = lo
            sent += 1
        if slider.value != value:
            slider.value = value
            sent += 1
    finally:
        owner._quiet = False
    return sent


def _layer_caption(layer: str, per_kind: dict[str, Any]) -> str:
    if not layer:
        return "<span>This model has no layer with weights.</span>"
    grads = per_kind.get("gradients")
    note = ""
    if grads is None:
        note = (" · gradients: none yet (computed on the probe batch when the time budget "
                "allows; <code>gradients=True</code> computes them every epoch)")
    return f"<b>{_escape(layer)}</b>{note}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def output_kind(prediction: np.ndarray, target: Any) -> tuple[str, np.ndarray, Any]:
    """How to draw the first sample: ("classes", probabilities, true class) or
    ("values", prediction values, true values)."""
    pred = np.asarray(prediction, np.float32).ravel()
    y = np.asarray(target)
    if pred.size > 1 and y.size == 1 and float(y) == int(y) and 0 <= int(y) < pred.size:
        return "classes", _probabilities(pred), int(y)
    if pred.size > 1 and y.size == pred.size and set(np.unique(y).tolist()) <= {0, 1}:
        if y.sum() == 1:
            return "classes", _probabilities(pred), int(np.argmax(y))
    if pred.size == 1 and y.size == 1 and float(y) in (0.0, 1.0) and 0 <= pred[0] <= 1:
        return "classes", np.array([1 - pred[0], pred[0]], np.float32), int(y)
    return "values", pred[:64], np.asarray(y, np.float32).ravel()[:64]


def _probabilities(pred: np.ndarray) -> np.ndarray:
    if pred.min() >= 0 and abs(float(pred.sum()) - 1) < 1e-3:
        return pred
    z = np.exp(pred - pred.max())  # logits: show softmax
    return (z / z.sum()).astype(np.float32)


class OutputPanel:
    """The first probe sample: its input (if an image), prediction vs truth, and the trend."""

    def __init__(self, epoch_scale: Any) -> None:
        self.lock = threading.RLock()
        self.state: Any = None
        self.image_color = bq.ColorScale(scheme="Greys")
        self.image = bq.GridHeatMap(
            color=np.zeros((2, 2), np.float32), scales={"color": self.image_color},
            stroke="transparent",
        )
        self.image_figure = bq.Figure(
            marks=[self.image], title="input", fig_margin={"top": 28, "bottom": 8, "left": 8,
                                                           "right": 8},
            title_style={"font-size": "13px", "font-weight": "600"}, display_toolbar=False,
            layout=widgets.Layout(width="200px", height="220px", min_width="200px"),
            animation_duration=0,
        )
        bx = bq.OrdinalScale()
        self.bars_scale = bq.LinearScale(min=0.0, max=1.0)
        self.bars = bq.Bars(
            x=empty(), y=np.zeros((2, 0), np.float32), scales={"x": bx, "y": self.bars_scale},
            type="grouped", colors=[TRAIN, ACCENT], labels=["prediction", "ground truth"],
            padding=0.2,
        )
        self.bars_figure = figure([self.bars], bx, self.bars_scale, x_format=".0f",
                                  title="prediction vs ground truth", height=240,
                                  classes=("pnb-output-bars",), padding_y=0.0)
        ty = bq.LinearScale()
        self.trend = bq.Lines(
            x=empty(), y=np.zeros((2, 0), np.float32), scales={"x": epoch_scale, "y": ty},
            colors=[TRAIN, VALIDATION], labels=["prediction", "ground truth"], marker="circle",
            marker_size=16,
        )
        self.trend_figure = figure([self.trend], epoch_scale, ty, title="over epochs",
                                   x_label="epoch", height=240, classes=("pnb-output-trend",))
        self.legend = legend([])
        self.epoch = widgets.IntSlider(min=1, max=1, value=1, description="epoch",
                                       layout=widgets.Layout(width="320px"))
        self.caption = widgets.HTML()
        self.caption.add_class("pnb-caption")
        self._quiet = False
        self._follow_latest = True
        self._seen = -1
        charts = widgets.GridBox(
            [self.bars_figure, self.trend_figure],
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(300px, 1fr))",
                                  flex="1 1 auto", min_width="0"),
        )
        self.widget = widgets.VBox(
            [self.caption, self.legend, widgets.HBox([self.image_figure, charts]), self.epoch]
        )
        self.widget.add_class("pnb-output")
        self.epoch.observe(self._on_epoch, names="value")

    def prepare(self, state: Any) -> int:
        """Bind to a new run; returns the messages sent."""
        with self.lock:
            self.state = state
            with state.lock:
                sample = dict(state.sample)
            image = _as_image(sample.get("x"))
            sent = assign(self.image_figure.layout, display="" if image is not None else "none")
            if image is not None:
                sent += assign(self.image, color=image)
            self._follow_latest = True
            self._seen = -1
            return sent + self.render()

    def updates(self, state: Any) -> list[Update]:
        if state.versions["output"] == self._seen:
            return []
        # slider (<= 3) + bars + trend + bar scale + legend + caption
        return [Update("output", 8, self.render, 70)]

    def _on_epoch(self, change: Any) -> None:
        if not self._quiet:
            self._follow_latest = change["new"] >= self.epoch.max
            self.render()

    def render(self) -> int:
        """Redraw at the chosen epoch (from any thread); returns the messages sent."""
        state = self.state
        if state is None:
            return 0
        with self.lock:
            with state.lock:
                version = state.versions["output"]
                epochs = list(state.outputs.epochs)
                predictions = list(state.outputs.predictions)
                target = state.sample.get("y")
            self._seen = version
            if not epochs or target is None:
                sent = set_xy(self.bars, empty(), np.zeros((2, 0), np.float32))
                sent += set_xy(self.trend, empty(), np.zeros((2, 0), np.float32))
                sent += set_range(self, self.epoch, 0, 0, 0)
                return sent + assign(self.caption, value=(
                    "<span>No prediction yet: it appears after the first epoch"
                    + ("" if target is not None else " (needs a probe sample)") + ".</span>"
                ))
            value = self.epoch.value
            if self._follow_latest or value not in epochs:
                value = max(epochs)
            sent = set_range(self, self.epoch, min(epochs), max(epochs), value)
            index = epochs.index(value)
            kind, shown, truth = output_kind(predictions[index], target)
            if kind == "classes":
                labels = np.arange(len(shown))
                onehot = (labels == truth).astype(np.float32)
                sent += set_xy(self.bars, labels.astype(np.float32), np.vstack([shown, onehot]))
                trend = [output_kind(p, target)[1][truth] for p in predictions]
                sent += set_xy(self.trend, np.asarray(epochs),
                               np.vstack([trend, np.ones(len(trend))]),
                               labels=["p(true class)", "target"])
                sent += assign(self.bars_scale, min=0.0, max=1.0)
                sent += assign(self.legend, value=legend_html([
                    ("predicted probability", TRAIN, "bar"), ("ground truth", ACCENT, "bar"),
                    ("p(true class) per epoch", TRAIN, "dot"), ("target", VALIDATION, "dot"),
                ]))
                guess = int(np.argmax(shown))
                mark = "✓" if guess == truth else "✗"
                caption = (
                    f"<span>Epoch {epochs[index]}: predicted <b>{guess}</b> "
                    f"(p = {shown[guess]:.2f}), ground truth <b>{truth}</b> {mark}</span>"
                )
            else:
                n = min(len(shown), len(truth))
                sent += set_xy(self.bars, np.arange(n, dtype=np.float32),
                               np.vstack([shown[:n], truth[:n]]))
                trend = [np.asarray(p, np.float32).ravel()[0] for p in predictions]
                sent += set_xy(self.trend, np.asarray(epochs),
                               np.vstack([trend, np.full(len(trend), truth[0] if n else np.nan)]),
                               labels=["prediction[0]", "ground truth[0]"])
                sent += assign(self.bars_scale, min=None, max=None)
                sent += assign(self.legend, value=legend_html([
                    ("prediction", TRAIN, "bar"), ("ground truth", ACCENT, "bar"),
                    ("first output per epoch", TRAIN, "dot"),
                    ("its ground truth", VALIDATION, "dot"),
                ]))
                error = float(np.abs(shown[:n] - truth[:n]).mean()) if n else float("nan")
                caption = (
                    f"<span>Epoch {epochs[index]}: mean absolute error on this sample "
                    f"<b>{error:.4g}</b></span>"
                )
            return sent + assign(self.caption, value=caption)


def _as_image(x: Any) -> np.ndarray | None:
    """A 2-D float32 array to draw if the sample looks like an image (H×W, H×W×1..4)."""
    if x is None:
        return None
    a = np.asarray(x)
    if a.dtype.kind not in "fiub":
        return None
    if a.ndim == 3 and a.shape[-1] in (1, 3, 4):
        a = a[..., :3].mean(axis=-1)
    if a.ndim != 2 or min(a.shape) < 4 or max(a.shape) > 128:
        return None
    return a.astype(np.float32)
