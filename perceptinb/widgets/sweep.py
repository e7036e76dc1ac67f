"""Sweeps at the widget level: `sweep` (what `pnb.sweep` is) and the sweep widget (`.pnb-sweep`).

`perceptinb.sweeps` drives trials and imports no widget; `sweep` here hands it `VIEWS`, so the
`Sweep` it returns displays this view, and ``sweep.compare()`` the comparison widget.

The view: "Trial k/n" with an ETA, a live sortable table, overlaid curves, stop all and stop one.

Calls (browser -> kernel, over `perceptinb.widgets.rpc`): ``state {}`` -> the whole view (see
`payload`); ``stop {trial?}`` stops one trial or, without ``trial``, the sweep; ``compare
{trials}`` shows `pnb.compare` of those trials' hub runs below the view. Pushes: ``state`` with
the same payload, sent by a publisher thread at most `PUSH_EVERY_SECONDS` apart while anything
changed (the sweep's updates arrive on its inbox thread; this thread batches them), and once
more when the sweep ends.
"""

from __future__ import annotations

import functools
import math
import threading
import weakref
from typing import Any

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from perceptinb.codec import encode
from perceptinb.sweeps import launch as _launch
from perceptinb.sweeps.views import SweepViews
from perceptinb.widgets import assets
from perceptinb.widgets import compare as _compare_widgets
from perceptinb.widgets.rpc import Params, Reply, RpcError, RpcWidget, rpc_method

PUSH_EVERY_SECONDS = 0.5
MAX_BATCH_POINTS = 400  # per trial: enough for a smooth live curve, bounded per push


class SweepView(RpcWidget, anywidget.AnyWidget):
    """The view of one `Sweep`; displaying the sweep shows it."""

    _esm = assets.esm("sweep")
    _css = assets.css("sweep")
    height = traitlets.Int(0).tag(sync=True)

    def __init__(self, sweep: Any, output: widgets.Output | None = None) -> None:
        super().__init__()
        self.sweep = sweep
        self.output = output
        self._dirty = threading.Event()
        self._closed = threading.Event()
        sweep.on_update(lambda _sweep, _trial: self._dirty.set())
        ref = weakref.ref(self)
        self._thread = threading.Thread(target=_publish, args=(ref, self._dirty, self._closed),
                                        name="pnb-sweep-publisher", daemon=True)
        self._thread.start()

    @rpc_method("state")
    def _state(self, params: Params, buffers: list[Any]) -> Reply:
        out: list[Any] = []
        return Reply(payload(self.sweep, out), out)

    @rpc_method("stop")
    def _stop(self, params: Params, buffers: list[Any]) -> Any:
        trial = params.optional("trial", (int, type(None)), None)
        if trial is not None and not 0 <= trial < len(self.sweep.trials):
            raise RpcError(f"Expected a trial in [0, {len(self.sweep.trials)}). "
                           f"Received: trial={trial}.")
        # Not waiting: the kernel answers at once; the statuses follow as pushes.
        threading.Thread(target=self.sweep.stop, args=(trial,), kwargs={"wait": False},
                         daemon=True).start()
        return {"stopping": trial}

    @rpc_method("compare")
    def _compare(self, params: Params, buffers: list[Any]) -> Any:
        indices = params.required("trials", list)
        trials = [self.sweep.trials[i] for i in indices
                  if isinstance(i, int) and 0 <= i < len(self.sweep.trials)]
        if self.output is None:
            raise RpcError("This view has no room to show a comparison.")
        try:
            comparison = self.sweep.compare([t.index for t in trials])
        except ValueError as exc:
            raise RpcError(str(exc)) from None
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            display(comparison)
        return {"compared": [t.index for t in trials]}

    def push_state(self) -> None:
        out: list[Any] = []
        self.rpc.push("state", payload(self.sweep, out), out)

    def close(self) -> None:
        self._closed.set()
        self._dirty.set()
        super().close()


def _publish(ref: Any, dirty: threading.Event, closed: threading.Event) -> None:
    """Push the state when something changed, at most every `PUSH_EVERY_SECONDS`; refresh the
    ETA every few seconds; push a last time when the sweep ends."""
    while not closed.is_set():
        changed = dirty.wait(timeout=3.0)
        dirty.clear()
        view = ref()
        if view is None or view.comm is None:
            return
        try:
            view.push_state()
            finished = view.sweep.done
        finally:
            del view
        if finished and not changed:
            return
        closed.wait(PUSH_EVERY_SECONDS)


def payload(sweep: Any, buffers: list[Any]) -> dict[str, Any]:
    """Everything the view draws, as JSON plus float32 `buffers` (curves)."""
    with sweep._lock:  # one consistent snapshot; the inbox thread waits a moment
        keys = list(sweep.trials[0].params) if sweep.trials else []
        rows, curves = [], []
        for trial in sweep.trials:
            rows.append({
                "trial": trial.index, "params": [_plain(trial.params.get(k)) for k in keys],
                "status": trial.status, "attempt": trial.attempt, "epoch": trial.epoch,
                "epochs": int(trial.settings.get("epochs", 0)), "best": _finite(trial.best),
                "seconds": _finite(trial.seconds), "message": trial.message,
                "run_id": trial.run_id,
            })
            values = trial.history.get(sweep.objective) or []
            batch_x, batch_loss = _batch_curve(trial.batches)
            curves.append({
                "trial": trial.index,
                "value": encode(np.asarray(values, dtype="float32"), buffers),
                "batch_x": encode(batch_x, buffers),
                "batch_loss": encode(batch_loss, buffers),
            })
        finished, total = sweep.progress
        return {
            "name": sweep.name, "objective": sweep.objective, "mode": sweep.mode,
            "keys": keys, "finished": finished, "total": total, "eta": _finite(sweep.eta),
            "done": sweep.done, "best": None if sweep.best is None else sweep.best.index,
            "rows": rows, "curves": curves,
            "can_compare": any(t.run_id is not None for t in sweep.trials),
        }


def _batch_curve(batches: list[tuple[int, int, dict[str, float]]]) -> tuple[Any, Any]:
    """Loss by fractional epoch (epoch + step / steps per epoch), at most MAX_BATCH_POINTS."""
    if not batches:
        return np.zeros(0, "float32"), np.zeros(0, "float32")
    steps = max(s for _, s, _ in batches) + 1
    pick = np.linspace(0, len(batches) - 1, min(len(batches), MAX_BATCH_POINTS)).astype(int)
    chosen = [batches[i] for i in pick]
    x = np.asarray([e + (s + 1) / steps for e, s, _ in chosen], dtype="float32")
    y = np.asarray([logs.get("loss", math.nan) for _, _, logs in chosen], dtype="float32")
    return x, y


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return _finite(value) if isinstance(value, float) else value
    return str(value)


def sweep_widget(sweep: Any) -> widgets.VBox:
    """The sweep view, and below it the comparison its Compare button opens."""
    output = widgets.Output()
    view = SweepView(sweep, output)
    box = widgets.VBox([view, output], layout=widgets.Layout(width="100%"))
    box.view = view  # type: ignore[attr-defined]
    return box


VIEWS = SweepViews(sweep=sweep_widget, compare=_compare_widgets.VIEWS)


@functools.wraps(_launch.sweep)
def sweep(canvas_or_model: Any, x: Any, y: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("views", VIEWS)
    return _launch.sweep(canvas_or_model, x, y, **kwargs)
