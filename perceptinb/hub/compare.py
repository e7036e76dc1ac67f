"""`compare()`: runs and models side by side: what differs, and how each one did.

`Comparison.table` keeps only the settings and hyperparameters that differ between the items
(training settings such as ``learning_rate``, and layer settings as ``"dense.units"``), then the
best, last and min of every metric; a pinned baseline adds the difference to it. `graph_diff` is
`Graph.diff` of the first two architectures. There is no cap on the number of items.

Numbers only: this module imports no widget. The widget layer hands its views in as
`CompareViews` factories (`perceptinb.widgets.compare`, behind `pnb.compare`); a comparison made
without them displays as its plain ``repr``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from perceptinb.graph import Graph
from perceptinb.hub.records import RunRecord, higher_is_better, summarize
from perceptinb.hub.views import NO_COMPARE_VIEWS, CompareViews, missing_view

_STATS = ("best", "last", "min")
X_AXES = ("epoch", "step", "wall")


@dataclasses.dataclass
class Entry:
    """One compared item, reduced to what the comparison needs."""

    label: str
    run_id: int | None
    status: str | None
    settings: dict[str, Any]
    summary: dict[str, dict[str, Any]]
    curves: dict[str, dict[str, list[Any]]]  # metric -> {"epoch", "step", "wall", "value"}
    graph: Graph | None
    params: int | None
    item: Any = None
    hub: Any = None  # the hub a recorded run lives in


def compare(
    *items: Any, baseline: Any = None, hub: Any = None, views: CompareViews = NO_COMPARE_VIEWS
) -> Comparison:
    """Compare runs and models side by side.

    Args:
        *items: Runs (`Run`, `RunRecord` or run id), ``keras.Model``s, `Graph`s or `Canvas`es,
            or one list of them.
        baseline: One of the items (or its label) to show differences against.
        hub: The hub run ids refer to (default `Hub()`).
        views: The comparison's view factories; `pnb.compare` hands in perceptinb's widgets.

    Example:
        >>> cmp = pnb.compare(run_a, run_b, baseline=run_a)
        >>> cmp.table            # only what differs, with best/last/min per metric
        >>> cmp.graph_diff       # added / removed / changed layers between the two models
    """
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = tuple(items[0])
    if not items:
        raise ValueError("compare() needs at least one run or model. Received: nothing.")
    resolver = _Resolver(hub)
    entries = [resolver.entry(item) for item in items]
    _unique_labels(entries)
    return Comparison(entries, baseline=_baseline_index(entries, baseline), views=views)


class Comparison:
    """The result of `compare`: a table, curves and an architecture diff.

    Attributes:
        entries: The compared items, in order.
        baseline: Index of the pinned baseline entry, or None.
        views: The widget layer's view factories (`CompareViews`); without them the comparison
            displays as its plain ``repr``.
    """

    def __init__(
        self, entries: list[Entry], baseline: int | None = None,
        views: CompareViews = NO_COMPARE_VIEWS,
    ) -> None:
        self.entries = entries
        self.baseline = baseline
        self.views = views

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.entries]

    @property
    def metrics(self) -> list[str]:
        """Every metric of any entry, in first-seen order."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            seen.update(dict.fromkeys(entry.summary))
        return list(seen)

    @property
    def table(self) -> Any:
        """Only the differing settings, plus best/last/min per metric (see `frame`)."""
        return self.frame()

    def frame(self, show_all: bool = False) -> Any:
        """The comparison as a pandas DataFrame, one row per item.

        Args:
            show_all: Keep every setting, not only those that differ.
        """
        import pandas as pd

        rows = {e.label: {"status": e.status, "params": e.params, **e.settings}
                for e in self.entries}
        settings = pd.DataFrame.from_dict(rows, orient="index")
        if not show_all:
            keep = [c for c in settings.columns if _differs(settings[c])]
            settings = settings[keep]
        stats = pd.DataFrame(index=settings.index)
        base = None if self.baseline is None else self.entries[self.baseline]
        for key in self.metrics:
            for stat in _STATS:
                values = [e.summary.get(key, {}).get(stat) for e in self.entries]
                stats[f"{key} {stat}"] = pd.to_numeric(pd.Series(values, index=stats.index))
            if base is not None:
                ref = base.summary.get(key, {}).get("best")
                stats[f"{key} best Δ"] = stats[f"{key} best"] - ref if ref is not None else None
        return pd.concat([settings, stats], axis=1)

    def best(self, metric: str) -> str | None:
        """Label of the item with the best value of `metric` (lowest loss, highest accuracy)."""
        scored = [(e.summary[metric]["best"], e.label) for e in self.entries
                  if e.summary.get(metric, {}).get("best") is not None]
        if not scored:
            return None
        pick = max if higher_is_better(metric) else min
        return pick(scored, key=lambda pair: pair[0])[1]

    def test(self, x: Any, y: Any = None, *, task: str = "auto", **kwargs: Any) -> Any:
        """Test every item on the same held-out data: one row per item with its headline
        metrics. Results of recorded runs are stored with them (the hub's Test column).

        Args:
            x, y: Test inputs and targets (as for `Run.test`).
            task: "classification", "regression" or "auto".
            **kwargs: ``top_k``, ``class_names``, ``batch_size`` (see `Run.test`).
        """
        import pandas as pd

        from perceptinb.training.evaluate import TestResult, evaluate

        rows = {}
        for entry in self.entries:
            model = self._model_of(entry)
            kind, metrics, predictions = evaluate(model, x, y, task=task, **kwargs)
            epoch = entry.curves and max(len(c["value"]) for c in entry.curves.values())
            rows[entry.label] = TestResult(kind, metrics, predictions, epoch or 0).summary()
            if entry.run_id is not None and entry.hub is not None:
                from perceptinb.hub.writer import RunWriter

                RunWriter(entry.hub.store, entry.run_id).add_test(kind, metrics, epoch or None)
        return pd.DataFrame.from_dict(rows, orient="index")

    def side_by_side(self, sample: Any, target: Any = None, height: int = 420) -> Any:
        """The first two models as read-only canvases next to each other, both showing what
        each block does to the same `sample` (trained weights where the hub kept them).

        Args:
            sample: Data to take the first sample from (as for `Canvas`).
            target: That sample's label, shown next to each output.
            height: Height of each canvas in pixels.

        Raises:
            RuntimeError: the comparison was made without the widget layer (not `pnb.compare`).
        """
        if self.views.side_by_side is None:
            raise missing_view("side_by_side", "pnb.compare")
        return self.views.side_by_side(self, sample, target, height)

    def _model_of(self, entry: Entry) -> Any:
        item = entry.item
        if _is_run(item) and getattr(item, "model", None) is not None:
            return item.model
        if entry.run_id is not None and entry.hub is not None:
            if entry.hub.weights_path(entry.run_id) is None:
                from perceptinb.hub.store import HubError

                raise HubError(f"Run {entry.run_id} kept no trained weights: it cannot be "
                               "tested (train with keep_weights=True).")
            return entry.hub.model(entry.run_id)
        if isinstance(item, Graph):
            return item.to_keras()
        return getattr(item, "model", item)  # a Canvas' model, or a keras.Model itself

    def to_csv(self, path: str | os.PathLike[str], show_all: bool = False) -> None:
        """Write the table (`frame(show_all)`) as CSV."""
        self.frame(show_all).to_csv(path, index_label="run")

    @property
    def graph_diff(self) -> dict[str, Any] | None:
        """`Graph.diff` from the first to the second item with an architecture, or None."""
        graphs = [e for e in self.entries if e.graph is not None]
        if len(graphs) < 2:
            return None
        diff = graphs[0].graph.diff(graphs[1].graph)
        a, b = graphs[0].params, graphs[1].params
        diff["params_delta"] = None if a is None or b is None else b - a
        return diff

    def curves(self, metric: str, x: str = "epoch") -> dict[str, tuple[list[Any], list[Any]]]:
        """``{label: (xs, values)}`` of `metric` per item; `x` is "epoch", "step" or "wall"
        (seconds since the run started)."""
        if x not in X_AXES:
            raise ValueError(f"Expected x in {X_AXES}. Received: x={x!r}.")
        out = {}
        for entry in self.entries:
            curve = entry.curves.get(metric)
            if not curve:
                continue
            xs = curve[x] if all(v is not None for v in curve[x]) else curve["epoch"]
            if x == "wall" and xs is curve["wall"] and xs:
                start = curve.get("start", xs[0])
                xs = [v - start for v in xs]
            out[entry.label] = (list(xs), list(curve["value"]))
        return out

    def widget(self, sample: Any = None, target: Any = None) -> Any:
        """The comparison widget: overlaid curves, this table and the architecture diff, drawn
        as two canvases with synchronized pan and zoom.

        Args:
            sample: Data to take the first sample from (as for `Canvas`): each diff block then
                shows its thumbnail next to its counterpart's, both models on this sample.
            target: That sample's label.

        Raises:
            RuntimeError: the comparison was made without the widget layer (not `pnb.compare`).
        """
        if self.views.widget is None:
            raise missing_view("Comparison.widget", "pnb.compare")
        return self.views.widget(self, sample, target)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.views.widget is None:
            return None  # no view handed in: Jupyter shows the plain repr
        return self.widget()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<perceptinb.Comparison of {len(self.entries)}: {', '.join(self.labels)}>"


class _Resolver:
    def __init__(self, hub: Any) -> None:
        self._hub = hub

    @property
    def hub(self) -> Any:
        if self._hub is None:
            from perceptinb.hub.recorder import resolve_hub

            self._hub = resolve_hub(None)
        return self._hub

    def entry(self, item: Any) -> Entry:
        if isinstance(item, RunRecord) or _is_run_id(item):
            return self._from_hub(item)
        if _is_run(item):
            recorder = getattr(item, "hub_recorder", None)
            if recorder is not None and recorder.run_id is not None:
                return self._from_hub(recorder.run_id, item=item, hub=recorder.hub)
            return _from_live_run(item)
        from perceptinb.hub.sources import graph_and_params

        try:
            graph, params = graph_and_params(item)
        except TypeError:
            raise TypeError(
                "compare() takes runs (Run, RunRecord or run id), keras Models, Graphs or "
                f"Canvases. Received: {type(item).__name__} ({item!r:.60})."
            ) from None
        return Entry(graph.name, None, None, _architecture(graph), {}, {}, graph, params, item)

    def _from_hub(self, run: Any, item: Any = None, hub: Any = None) -> Entry:
        hub = hub or self.hub
        record = hub.run(run)
        graph = hub.version(record.version).graph if record.version is not None else None
        curves: dict[str, dict[str, list[Any]]] = {}
        for key, epoch, step, wall, value in hub.store.read(
            "SELECT key, epoch, step, wall, value FROM metrics WHERE run=? ORDER BY key, epoch",
            (record.id,),
        ):
            curve = curves.setdefault(key, {"epoch": [], "step": [], "wall": [], "value": [],
                                            "start": record.started})
            for name, v in (("epoch", epoch + 1), ("step", step), ("wall", wall),
                            ("value", value)):
                curve[name].append(v)
        settings = {**record.settings, **(_architecture(graph) if graph else {})}
        return Entry(f"#{record.id} {record.name}", record.id, record.status, settings,
                     record.summary, curves, graph, record.params, item or record, hub)


def _from_live_run(run: Any) -> Entry:
    history = dict(run.history)
    graph = Graph.from_keras(run.model)
    curves = {k: {"epoch": list(range(1, len(v) + 1)), "step": [None] * len(v),
                  "wall": [None] * len(v), "value": list(v)} for k, v in history.items()}
    name = getattr(getattr(run, "callback", None), "state", None)
    label = getattr(name, "title", None) or run.model.name
    return Entry(label, None, run.status, {"epochs": getattr(run, "_epochs", None),
                                           **_architecture(graph)},
                 summarize(history), curves, graph, run.model.count_params(), run)


def _architecture(graph: Graph) -> dict[str, Any]:
    """Layer settings as ``"node.key"`` columns (scalars as they are, the rest as JSON)."""
    out: dict[str, Any] = {}
    for node_id, node in graph.nodes.items():
        for key, value in node.settings.items():
            if key in ("name", "trainable", "dtype") or node.is_input:
                continue
            plain = value if value is None or isinstance(value, (str, int, float, bool)) \
                else json.dumps(value, sort_keys=True, default=str)
            out[f"{node_id}.{key}"] = plain
    return out


def _differs(column: Any) -> bool:
    values = {json.dumps(v, sort_keys=True, default=str) if not _is_missing(v) else "<none>"
              for v in column.tolist()}
    return len(values) > 1


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _is_run_id(item: Any) -> bool:
    return (isinstance(item, int) and not isinstance(item, bool)) or (
        isinstance(item, str) and item.strip().isdigit())


def _is_run(item: Any) -> bool:
    return hasattr(item, "history") and hasattr(item, "model") and hasattr(item, "status")


def _unique_labels(entries: list[Entry]) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        count = seen.get(entry.label, 0)
        seen[entry.label] = count + 1
        if count:
            entry.label = f"{entry.label} ({count + 1})"


def _baseline_index(entries: list[Entry], baseline: Any) -> int | None:
    if baseline is None:
        return None
    for i, entry in enumerate(entries):
        if baseline is entry.item or baseline == entry.label or (
            entry.run_id is not None and getattr(baseline, "id", baseline) == entry.run_id
        ):
            return i
    raise ValueError(f"baseline must be one of the compared items or its label. Received: "
                     f"{baseline!r:.60}; labels: {[e.label for e in entries]}.")


__all__ = ["Comparison", "Entry", "compare"]
