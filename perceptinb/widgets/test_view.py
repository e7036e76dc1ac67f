"""The test view (`.pnb-test-view`) that `Run.test` shows.

Classification: headline numbers, a confusion-matrix heatmap (counts in the cells) and
per-class precision / recall / F1. Regression: MAE, RMSE, R², a scatter of predicted against
true with the y = x line, and the residual histogram.
"""

from __future__ import annotations

from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from perceptinb.widgets.charts import ACCENT, BAD, TRAIN, VALIDATION, figure, legend
from perceptinb.widgets.dashboard_parts import MetricsTable

_MAX_SCATTER = 4000  # points drawn; more would only slow the browser


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


class TestView(widgets.VBox):
    """Shows one `TestResult`'s metrics.

    Args:
        task: "classification" or "regression".
        metrics: From `perceptinb.training.evaluate`.
        title: Shown above the numbers.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, task: str, metrics: dict[str, Any], title: str = "Test") -> None:
        self.table = MetricsTable()
        if task == "classification":
            charts = self._classification(metrics, title)
        else:
            charts = self._regression(metrics, title)
        grid = widgets.GridBox(
            charts,
            layout=widgets.Layout(
                grid_template_columns="repeat(auto-fill, minmax(360px, 1fr))",
                grid_gap="6px 10px", width="100%",
            ),
        )
        super().__init__([self.table, grid], layout=widgets.Layout(width="100%"))
        self.add_class("pnb-test-view")
        self.add_class(f"pnb-test-{task}")

    def _classification(self, m: dict[str, Any], title: str) -> list[Any]:
        names = m["class_names"]
        k = m["top_k"]
        self.table.table = {
            "title": title,
            "metrics": [
                {"label": "accuracy", "value": _pct(m["accuracy"])},
                {"label": f"top-{k} accuracy", "value": _pct(m[f"top_{k}_accuracy"])},
                {"label": "macro precision", "value": f"{m['macro_precision']:.3f}"},
                {"label": "macro recall", "value": f"{m['macro_recall']:.3f}"},
                {"label": "macro F1", "value": f"{m['macro_f1']:.3f}"},
                {"label": "samples", "value": str(m["samples"])},
            ],
            "columns": ["class", "precision", "recall", "F1", "support"],
            "rows": [
                [name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", int(s)]
                for name, p, r, f, s in zip(
                    names, m["precision"], m["recall"], m["f1"], m["support"]
                )
            ],
        }
        matrix = np.asarray(m["confusion_matrix"], np.float32)
        n = len(names)
        rows, cols = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        # Light to mid blue: the counts in the cells stay readable on every cell.
        color = bq.ColorScale(colors=["#f4f8fc", "#6fa8dc"], min=0)
        heat = bq.GridHeatMap(
            row=np.arange(n, dtype=np.float32), column=np.arange(n, dtype=np.float32),
            color=matrix, scales={"row": rows, "column": cols, "color": color},
            display_format=".0f", font_style={"font-size": "11px"}, stroke="transparent",
        )
        side = max(300, min(560, 34 * n + 90))
        heat_fig = bq.Figure(
            marks=[heat],
            axes=[
                bq.Axis(scale=cols, label="predicted", side="bottom", tick_format=".0f"),
                bq.Axis(scale=rows, label="true", side="left", tick_format=".0f"),
            ],
            display_toolbar=False,
            title="confusion matrix",
            fig_margin={"top": 30, "bottom": 40, "left": 48, "right": 10},
            title_style={"font-size": "13px", "font-weight": "600"},
            animation_duration=0,
            layout=widgets.Layout(width="100%", height=f"{side}px"),
        )
        heat_fig.add_class("pnb-confusion")
        bx, by = bq.OrdinalScale(), bq.LinearScale(min=0, max=1)
        bars = bq.Bars(
            x=np.arange(n, dtype=np.float32),
            y=np.vstack([m["precision"], m["recall"], m["f1"]]).astype(np.float32),
            scales={"x": bx, "y": by}, type="grouped", colors=[TRAIN, VALIDATION, ACCENT],
            labels=["precision", "recall", "F1"], padding=0.15,
        )
        bars_fig = figure([bars], bx, by, title="per class", x_label="class", x_format=".0f",
                          height=side - 30, y_format=".1f", classes=("pnb-per-class",),
                          padding_y=0.0)
        key = legend([("precision", TRAIN, "bar"), ("recall", VALIDATION, "bar"),
                      ("F1", ACCENT, "bar")])
        return [heat_fig, widgets.VBox([key, bars_fig])]

    def _regression(self, m: dict[str, Any], title: str) -> list[Any]:
        self.table.table = {
            "title": title,
            "metrics": [
                {"label": "MAE", "value": f"{m['mae']:.4g}"},
                {"label": "RMSE", "value": f"{m['rmse']:.4g}"},
                {"label": "R²", "value": f"{m['r2']:.4f}"},
                {"label": "samples", "value": str(m["samples"])},
            ],
            "columns": [],
            "rows": [],
            "note": "Scatter and residuals show the first output." if m["y_true"].shape[1] > 1
            else "",
        }
        t, p = m["y_true"][:, 0], m["y_pred"][:, 0]
        if len(t) > _MAX_SCATTER:
            pick = np.random.default_rng(0).choice(len(t), _MAX_SCATTER, replace=False)
            t, p = t[pick], p[pick]
        sx, sy = bq.LinearScale(), bq.LinearScale()
        lo = float(min(t.min(), p.min())) if len(t) else 0.0
        hi = float(max(t.max(), p.max())) if len(t) else 1.0
        diagonal = bq.Lines(x=np.float32([lo, hi]), y=np.float32([lo, hi]),
                            scales={"x": sx, "y": sy}, colors=[BAD], line_style="dashed")
        scatter = bq.Scatter(x=t.astype(np.float32), y=p.astype(np.float32),
                             scales={"x": sx, "y": sy}, colors=[TRAIN], default_size=14,
                             default_opacities=[0.55], stroke="transparent")
        scatter_fig = figure([scatter, diagonal], sx, sy, title="predicted vs true",
                             x_label="true", y_label="predicted", height=310,
                             classes=("pnb-scatter",))
        key = legend([("test samples", TRAIN, "dot"), ("perfect prediction (y = x)", BAD,
                                                        "line")])
        residual = p - t
        counts, edges = np.histogram(residual, bins=30) if len(residual) else (
            np.zeros(1), np.zeros(2))
        hx, hy = bq.LinearScale(), bq.LinearScale(min=0)
        hist = bq.Bars(x=((edges[:-1] + edges[1:]) / 2).astype(np.float32),
                       y=counts.astype(np.float32), scales={"x": hx, "y": hy},
                       colors=[VALIDATION], padding=0.05)
        hist_fig = figure([hist], hx, hy, title="residuals (predicted − true)", x_label="residual",
                          y_label="count", height=310, padding_y=0.0)
        return [widgets.VBox([key, scatter_fig]), hist_fig]
