"""Comparisons at the widget level: `compare` (what `pnb.compare` is), the comparison widget
(`.pnb-compare`) and `side_by_side`.

`perceptinb.hub.compare` computes the comparison and imports no widget; `compare` here hands it
`VIEWS`, so the `Comparison` it returns displays `CompareView` (overlaid curves, the
differing-settings table and the architecture diff of the first two models), and
``cmp.side_by_side(sample)`` draws two read-only canvases.

``data {}`` returns the curves, tables and diff classes; curves travel as float32 arrays
(`perceptinb.codec`, one buffer each), the rest as JSON. ``diff_canvases {}`` returns both
models' graph views (and previews on the sample, see perceptinb/widgets/compare_canvas.py),
which the view draws as two canvases. `payload` is a pure function of a `Comparison`, so tests
check it without a browser.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from perceptinb.codec import encode
from perceptinb.hub import compare as _compare
from perceptinb.hub.compare import Comparison
from perceptinb.hub.records import higher_is_better
from perceptinb.hub.views import CompareViews
from perceptinb.widgets import assets
from perceptinb.widgets.compare_canvas import diff_canvases, diff_entries, entry_canvas
from perceptinb.widgets.rpc import Params, Reply, RpcWidget, rpc_method


class CompareView(RpcWidget, anywidget.AnyWidget):
    """Shows a `Comparison`; displaying the comparison creates one."""

    _esm = assets.esm("compare")
    _css = assets.css("compare")
    height = traitlets.Int(0).tag(sync=True)

    def __init__(self, comparison: Comparison, sample: Any = None, target: Any = None) -> None:
        super().__init__()
        self.comparison = comparison
        self._sample, self._target = sample, target

    @rpc_method("data")
    def _data(self, params: Params, buffers: list[Any]) -> Reply:
        out: list[Any] = []
        return Reply(payload(self.comparison, out), out)

    @rpc_method("diff_canvases")
    def _diff_canvases(self, params: Params, buffers: list[Any]) -> Reply:
        # Asked apart from `data`: building both models (and their previews) takes a moment,
        # and the curves and the table should not wait for it.
        out: list[Any] = []
        return Reply(diff_canvases(self.comparison, out, self._sample, self._target), out)


def payload(cmp: Comparison, buffers: list[Any]) -> dict[str, Any]:
    """Curves, tables and the diff of `cmp` as JSON plus float32 `buffers`."""
    curves = []
    for metric in cmp.metrics:
        for index, entry in enumerate(cmp.entries):
            curve = entry.curves.get(metric)
            if not curve:
                continue
            item = {"metric": metric, "run": index,
                    "value": encode(_floats(curve["value"]), buffers)}
            for axis in ("epoch", "step", "wall"):
                values = curve[axis]
                if axis == "wall" and values and all(v is not None for v in values):
                    start = curve.get("start", values[0])
                    values = [v - start for v in values]
                item[axis] = (encode(_floats(values), buffers)
                              if values and all(v is not None for v in values) else None)
            curves.append(item)
    return {
        "runs": [{"label": e.label, "run_id": e.run_id, "status": e.status}
                 for e in cmp.entries],
        "metrics": cmp.metrics,
        "higher": {m: higher_is_better(m) for m in cmp.metrics},
        "baseline": cmp.baseline,
        "curves": curves,
        "table": _table(cmp, show_all=False),
        "table_all": _table(cmp, show_all=True),
        "diff": _diff(cmp),
    }


def _floats(values: list[Any]) -> np.ndarray:
    return np.asarray([math.nan if v is None else float(v) for v in values], dtype="float32")


def _table(cmp: Comparison, show_all: bool) -> dict[str, Any]:
    frame = cmp.frame(show_all=show_all)
    # Results first, then what differs: with many settings the metrics stay in view.
    stats = [c for c in frame.columns if c.rsplit(" ", 1)[-1] in ("best", "last", "min", "Δ")]
    frame = frame[stats + [c for c in frame.columns if c not in stats]]
    columns = [str(c) for c in frame.columns]
    rows = [[_cell(v) for v in frame.iloc[i].tolist()] for i in range(len(frame))]
    best: dict[str, int] = {}
    for col_index, column in enumerate(columns):
        if not column.endswith(" best") and not column.endswith(" last") \
                and not column.endswith(" min"):
            continue
        metric = column.rsplit(" ", 1)[0]
        values = [(r[col_index], i) for i, r in enumerate(rows)
                  if isinstance(r[col_index], (int, float))]
        if column.endswith(" best") and values:
            pick = max if higher_is_better(metric) else min
            best[column] = pick(values)[1]
    return {"labels": [str(i) for i in frame.index], "columns": columns, "rows": rows,
            "best": best}


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, int, str)):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return _cell(item())
    return json.dumps(value, default=str)


def _diff(cmp: Comparison) -> dict[str, Any] | None:
    with_graphs = [e for e in cmp.entries if e.graph is not None]
    diff = cmp.graph_diff
    if diff is None:
        return None
    left, right = with_graphs[0], with_graphs[1]
    changed = diff["changed"]

    def side(entry: Any, gone: list[str], mark: str) -> dict[str, Any]:
        nodes = []
        for node_id in entry.graph.topological_order():
            node = entry.graph.nodes[node_id]
            status = mark if node_id in gone else "changed" if node_id in changed else "same"
            nodes.append({"id": node_id, "type": node.type, "status": status,
                          "changes": [[k, _text(a), _text(b)]
                                      for k, (a, b) in sorted(changed.get(node_id, {}).items())]})
        return {"label": entry.label, "params": entry.params, "nodes": nodes}

    return {"left": side(left, diff["removed"], "removed"),
            "right": side(right, diff["added"], "added"),
            "params_delta": diff.get("params_delta"),
            "edges_added": len(diff["edges_added"]), "edges_removed": len(diff["edges_removed"])}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def side_by_side(
    cmp: Comparison, sample: Any, target: Any = None, height: int = 420
) -> widgets.HBox:
    """The first two models of `cmp` as read-only canvases next to each other, both on `sample`
    (see `Comparison.side_by_side`)."""
    with_graphs = diff_entries(cmp)
    if len(with_graphs) < 2:
        raise ValueError("side_by_side needs two items with an architecture. Received: "
                         f"{len(with_graphs)}.")
    canvases = []
    for entry in with_graphs:
        canvas = entry_canvas(cmp, entry, sample, target, height)
        canvas.layout = widgets.Layout(width="50%")
        canvases.append(canvas)
    return widgets.HBox(canvases, layout=widgets.Layout(width="100%"))


VIEWS = CompareViews(widget=CompareView, side_by_side=side_by_side)


@functools.wraps(_compare.compare)
def compare(*items: Any, **kwargs: Any) -> Comparison:
    kwargs.setdefault("views", VIEWS)
    return _compare.compare(*items, **kwargs)
