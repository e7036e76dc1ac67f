"""The recorder: numbers only. Per-batch loss and metrics, per-epoch logs, the learning rate and
the batch timing, written into `RunState` for whoever shows them (like Keras' `History`, with
batch-level series).

Its batch hook runs after every training batch, so it only does arithmetic and appends to
bounded series: microseconds, whatever the run length.
"""

from __future__ import annotations

import time
from math import isfinite
from typing import Any

import keras
import numpy as np

from perceptinb.training.series import BatchSeries, BatchValues, Smoother
from perceptinb.training.state import RunState

_LR_EVERY_SECONDS = 0.25  # reading the learning rate syncs with the device: not every batch
_SERIES_CAPACITY = 1024


class Recorder:
    """Records one run's numbers into `state`.

    Args:
        state: The run's `RunState`.
    """

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.model: Any = None
        self._series: dict[str, tuple[BatchValues, Smoother, BatchSeries]] = {}
        self._global_step = 0
        self._epoch = 0
        self._first_batch = True
        self._last_batch_t = 0.0
        self._last_lr_t = 0.0

    def begin(self, model: Any, params: dict[str, Any], batch_size: int | None) -> None:
        """A run begins: what it will be (epochs, steps), before its first batch."""
        self.model = model
        self._series = {}
        self._global_step = 0
        self._last_lr_t = 0.0
        self._last_batch_t = time.perf_counter()
        state = self.state
        with state.lock:
            state.epochs = int(params.get("epochs") or 1)
            state.steps = params.get("steps")
            state.batch_size = batch_size
            # Without a known number of steps per epoch, batches are the only honest x axis.
            state.x_unit = "epoch" if state.steps else "step"
            state.bump("header", "batch", "epoch")

    def epoch_begin(self, epoch: int) -> None:
        self._epoch = epoch
        self._first_batch = True
        self._last_batch_t = time.perf_counter()
        for values, _smoother, _series in self._series.values():
            values.new_epoch()

    def batch_end(self, batch: int, logs: dict[str, Any] | None, now: float) -> float:
        """Records training batch `batch` (0-based); returns its x position on the charts."""
        state = self.state
        count = batch + 1
        with state.lock:
            done = state.step
            if not self._first_batch:  # the first batch includes iterator setup (and tracing)
                dt = (now - self._last_batch_t) / max(1, count - done)
                state.step_seconds = 0.9 * state.step_seconds + 0.1 * dt if state.step_seconds \
                    else dt
            if state.steps:
                x = self._epoch + count / state.steps
            else:
                self._global_step += count - done
                x = float(self._global_step)
            series = self._series
            for key, value in (logs or {}).items():
                record = series.get(key) or self._new_series(key)
                value = record[0](value, count)
                if isfinite(value):
                    record[2].append(x, record[1](value))
            state.step = count
            versions = state.versions
            versions["batch"] += 1
            versions["header"] += 1
        self._first_batch = False
        self._last_batch_t = now
        if now - self._last_lr_t >= _LR_EVERY_SECONDS:
            self._last_lr_t = now
            self.learning_rate(x)
        return x

    def resumed(self) -> None:
        """After a pause: the time paused is not batch time."""
        self._last_batch_t = time.perf_counter()

    def epoch_end(self, epoch: int, logs: dict[str, Any], now: float) -> float:
        """Records the epoch's logs (as `keras.callbacks.History` does); returns its x."""
        state = self.state
        with state.lock:
            # What follows the last batch (validation, epoch-end callbacks) feeds the ETA.
            extra = now - self._last_batch_t
            state.epoch_extra_seconds = (
                extra if not state.epoch_extra_seconds
                else 0.7 * state.epoch_extra_seconds + 0.3 * extra
            )
            done = len(state.epoch_x)
            for key, value in logs.items():
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    continue
                state.history.setdefault(key, []).append(number)
                state.aligned.setdefault(key, [float("nan")] * done).append(number)
            for values in state.aligned.values():
                if len(values) == done:
                    values.append(float("nan"))
            x = float(epoch + 1) if state.steps else float(self._global_step)
            state.epoch_x.append(x)
            state.bump("epoch")
        return x

    def epoch_done(self, epoch: int, complete: bool) -> None:
        """The epoch's work is over; a stopped, partial epoch does not count as finished."""
        with self.state.lock:
            if complete:
                self.state.epoch = epoch + 1
                self.state.step = self.state.steps or self.state.step
            self.state.bump("header")

    def learning_rate(self, x: float) -> None:
        try:
            lr = float(np.asarray(self.model.optimizer.learning_rate))
        except Exception:  # an optimizer without a readable learning rate: nothing to chart
            return
        with self.state.lock:
            self.state.lr.append(x, lr)
            self.state.bump("epoch")

    def _new_series(self, key: str) -> tuple[BatchValues, Smoother, BatchSeries]:
        series = self.state.batch[key] = BatchSeries(_SERIES_CAPACITY)
        record = (BatchValues(_is_mean_metric(self.model, key)), Smoother(0.6), series)
        self._series[key] = record
        return record


def _is_mean_metric(model: Any, key: str) -> bool:
    """Whether Keras' running value for `key` is a mean of per-batch values."""
    if key == "loss" or key.endswith("_loss"):
        return True
    for metric in _flat_metrics(getattr(model, "metrics", [])):
        if metric.name == key:
            return isinstance(metric, keras.metrics.Mean)
    return False


def _flat_metrics(metrics: list[Any]) -> list[Any]:
    out = []
    for metric in metrics:
        out.append(metric)
        inner = getattr(metric, "metrics", None)  # CompileMetrics wraps the user's metrics
        if isinstance(inner, list) and inner is not metrics:
            out.extend(_flat_metrics(inner))
    return out
