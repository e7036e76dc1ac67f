"""`LiveCallback`: the Keras callback behind every live dashboard.

Cost model. The per-batch hook only appends a few floats to bounded series (microseconds); all
drawing happens on a publisher thread that sends at most `max_messages_per_second` widget
messages whatever the batch rate. Per-epoch work (weight statistics, the first-sample
prediction) is small and fixed; gradients, the one costly extra, are computed on a small probe
batch when the callback's total time stays within `budget` of the training time (or every epoch
with ``gradients=True``). `overhead` reports where the time went.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from math import isfinite
from typing import Any

import keras
import numpy as np

from perceptinb.training import state as st
from perceptinb.training.minimap import minimap_graph
from perceptinb.training.notebook import after_cell, describe_error, in_kernel
from perceptinb.training.publisher import Publisher
from perceptinb.training.series import BatchSeries, BatchValues, Smoother
from perceptinb.training.state import Control, RunState
from perceptinb.training.stats import Probe, weight_summaries, weighted_layers

_LR_EVERY_SECONDS = 0.25


class LiveCallback(keras.callbacks.Callback):
    """Shows a live dashboard for ``model.fit``: loss and metrics per batch and per epoch, the
    learning rate, per-layer weight/bias/gradient statistics and the first sample's prediction.

    Args:
        probe: Optional ``(x, y)`` with a few samples (16 to 64) from the training data. Once per
            epoch the first sample's prediction is shown, and the loss gradients on the probe
            feed the layer view. Without it those two views stay empty.
        gradients: ``"auto"`` (default) computes probe gradients at the end of an epoch when
            that keeps the callback within `budget`; ``True`` every epoch; ``False`` never.
        budget: Share of the training time the callback aims to stay under (0.025 = 2.5 %).
        histograms: Keep per-epoch histograms of weights, biases and gradients.
        batch_size: Samples per batch, to show samples/s (otherwise steps/s).
        title: Dashboard title (defaults to the model name).
        display: Show the dashboard when training begins. ``None``: only inside a notebook.
        max_messages_per_second: Cap on widget messages sent to the browser.

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[pnb.LiveCallback(probe=(x[:32], y[:32]))])
    """

    def __init__(
        self,
        *,
        probe: tuple[Any, Any] | None = None,
        gradients: bool | str = "auto",
        budget: float = 0.025,
        histograms: bool = True,
        batch_size: int | None = None,
        title: str | None = None,
        display: bool | None = None,
        max_messages_per_second: float = 10.0,
    ) -> None:
        super().__init__()
        if gradients not in (True, False, "auto"):
            raise ValueError(f"gradients must be True, False or 'auto'. Received: {gradients!r}.")
        if not 0 < budget < 1:
            raise ValueError(f"budget must be a fraction in (0, 1). Received: {budget!r}.")
        from perceptinb.widgets.dashboard import Dashboard

        self.probe_data = probe
        self.gradients = gradients
        self.budget = budget
        self.histograms = histograms
        self.batch_size = batch_size
        self.display = display
        self.state = RunState(title or "")
        self.control = Control()
        self.dashboard = Dashboard(self.state, self.control)
        self.max_messages_per_second = max_messages_per_second
        # Called at each epoch end on the training thread (e.g. canvas thumbnails).
        self.epoch_end_hooks: list[Callable[[], Any]] = []
        self._title_given = bool(title)
        self._displayed = False
        self._publisher: Publisher | None = None
        self._reset_counters()

    # -- public ---------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.state.status

    @property
    def history(self) -> dict[str, list[float]]:
        """Per-epoch logs so far, like ``keras.callbacks.History.history``."""
        with self.state.lock:
            return {k: list(v) for k, v in self.state.history.items()}

    def stop(self) -> None:
        """Ask training to stop once the current batch is done."""
        self.control.stop()

    def pause(self) -> None:
        """Hold training after the current batch until `resume` (or `stop`)."""
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    @property
    def overhead(self) -> dict[str, float]:
        """Seconds spent in the hooks (training thread) and in the publisher thread, the
        messages sent, and the epochs whose gradients were computed."""
        publisher = self._publisher
        return {
            "hook_seconds": self._hook_seconds,
            "batch_hook_seconds": self._batch_seconds,
            "epoch_hook_seconds": self._epoch_seconds,
            "probe_seconds": self._probe_seconds,
            "thread_seconds": publisher.busy_seconds if publisher else 0.0,
            "messages": publisher.messages if publisher else 0,
            "gradient_epochs": float(self._gradient_epochs),
            "train_seconds": self.state.active_seconds(),
        }

    def wait_published(self, timeout: float = 5.0) -> bool:
        """Block until the publisher has sent the final state (True) or `timeout` passed."""
        publisher = self._publisher
        return publisher.join_finished(timeout) if publisher else True

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.dashboard)

    # -- Keras hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        self._reset_counters()
        model, params = self.model, self.params or {}
        state = self.state
        layers = weighted_layers(model)
        self._layers = layers
        self._probe = Probe(model, *self.probe_data) if self.probe_data is not None else None
        with state.lock:
            title = state.title if self._title_given else model.name
            state.reset()
            state.title = title
            state.status = st.RUNNING
            state.started = t0
            state.epochs = int(params.get("epochs") or 1)
            state.steps = params.get("steps")
            state.batch_size = self.batch_size
            state.x_unit = "epoch" if state.steps else "step"
            state.layer_names = [layer.name for layer in layers]
            state.graph = minimap_graph(model)
            if self.probe_data is None:
                state.note = "Pass LiveCallback(probe=(x[:32], y[:32])) to see the output view."
            else:
                state.sample = {"x": _first(self.probe_data[0]), "y": _first(self.probe_data[1])}
            state.bump("header", "batch", "epoch", "layers", "output")
        self.control.reset()
        self._train_thread = threading.current_thread()
        if self._train_thread is threading.main_thread():
            self._install_interrupt_handler()
            if in_kernel():
                with state.lock:
                    state.controls = False
                    state.controls_note = (
                        "This fit blocks the cell, and a busy kernel receives no clicks: "
                        "interrupt the kernel (■) to stop after the current batch, or train "
                        "with canvas.train / pnb.train, whose buttons work."
                    )
        if self._should_display():
            from IPython.display import display

            display(self.dashboard)
            self._displayed = True
        self._publisher = Publisher(
            state,
            self.dashboard,
            max_per_second=self.max_messages_per_second,
            alive=self._training_alive,
            on_orphaned=lambda: self.fail(
                RuntimeError("the training thread ended without finishing the run")
            ),
        )
        sent = self.dashboard.prepare(state)
        self._publisher.limiter.record(time.perf_counter(), sent)
        self._publisher.start()
        self._last_batch_t = time.perf_counter()
        self._add_hook_time(t0, "epoch")

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_index = epoch
        self._first_batch = True
        self._last_batch_t = time.perf_counter()
        for record in self._records.values():
            record[0].new_epoch()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        # Hot path: runs after every batch, so it only does arithmetic and appends.
        t0 = time.perf_counter()
        state = self.state
        count = batch + 1
        with state.lock:
            done = state.step
            if not self._first_batch:  # the first batch includes iterator setup (and tracing)
                dt = (t0 - self._last_batch_t) / max(1, count - done)
                state.step_seconds = 0.9 * state.step_seconds + 0.1 * dt if state.step_seconds \
                    else dt
            if state.steps:
                x = self._epoch_index + count / state.steps
            else:
                self._global_step += count - done
                x = float(self._global_step)
            records = self._records
            for key, value in (logs or {}).items():
                record = records.get(key) or self._new_record(key)
                value = record[0](value, count)
                if isfinite(value):
                    record[2].append(x, record[1](value))
            state.step = count
            versions = state.versions
            versions["batch"] += 1
            versions["header"] += 1
        self._first_batch = False
        self._last_batch_t = t0
        loss = logs.get("loss") if logs else None
        if loss is not None and not isfinite(loss):
            self._diverge(f"loss became {loss} at epoch {self._epoch_index + 1}, batch {count}")
        elif t0 - self._last_lr_t >= _LR_EVERY_SECONDS:
            self._last_lr_t = t0
            self._record_lr(x)
        control = self.control
        if control.stop_requested:
            self.model.stop_training = True
            if self._stopped_at is None:
                self._stopped_at = (self._epoch_index, count)
        elif control.pause_requested:
            self._add_hook_time(t0, "batch")
            self._wait_while_paused()
            self._last_batch_t = time.perf_counter()
            return
        self._add_hook_time(t0, "batch")

    def _new_record(self, key: str) -> tuple[BatchValues, Smoother, BatchSeries]:
        series = self.state.batch[key] = BatchSeries(1024)
        record = (BatchValues(_is_mean_metric(self, key)), Smoother(0.6), series)
        self._records[key] = record
        return record

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.control.stop_requested:  # a stopped run should not sit through validation
            self.model.stop_evaluating = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        state = self.state
        logs = dict(logs or {})
        stopped_mid_epoch = self.control.stop_requested and bool(state.steps) and (
            state.step < (state.steps or 0)
        )
        if stopped_mid_epoch:  # validation was cut short: its numbers would mislead
            logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        with state.lock:
            validation = t0 - self._last_batch_t
            state.epoch_extra_seconds = (
                validation if not state.epoch_extra_seconds
                else 0.7 * state.epoch_extra_seconds + 0.3 * validation
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
        for key in ("loss", "val_loss"):
            if key in logs and not isfinite(float(logs[key])):
                self._diverge(f"{key} became {float(logs[key])} at epoch {epoch + 1}")
                break
        if state.status != st.DIVERGED:
            self._record_lr(x)
            self._epoch_statistics(epoch + 1, t0)
            for hook in self.epoch_end_hooks:
                try:
                    hook()
                except Exception as exc:  # a preview refresh must never end a run
                    with state.lock:
                        state.note = f"Thumbnail refresh failed: {type(exc).__name__}: {exc}"
        with state.lock:
            if not stopped_mid_epoch:  # a partial epoch is not a finished one
                state.epoch = epoch + 1
                state.step = state.steps or state.step
            state.bump("header")
        self._add_hook_time(t0, "epoch")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        state = self.state
        with state.lock:
            if state.status not in (st.DIVERGED, st.FAILED):
                if self.control.stop_requested:
                    state.status = st.STOPPED
                    how = "Interrupted" if self.control.interrupted else "Stopped"
                    epoch, batch = self._stopped_at or (state.epoch, 0)
                    where = (
                        f"in epoch {epoch + 1}, after batch {batch}/{state.steps}"
                        if state.steps and 0 < batch < state.steps
                        else f"after epoch {state.epoch}"
                    )
                    state.message = f"{how} by you {where}."
                else:
                    state.status = st.COMPLETE
                    if state.epoch < state.epochs:
                        state.note = (
                            f"Ended early after epoch {state.epoch}: a callback "
                            "(EarlyStopping?) set model.stop_training."
                        )
            self._end(state)
        self._add_hook_time(t0, "epoch")
        self._finish()

    # -- used by Run -------------------------------------------------------------------------
    def fail(self, error: BaseException) -> None:
        """Mark the run failed with the error's message (a data pipeline error, say)."""
        with self.state.lock:
            if self.state.status in st.FINAL_STATUSES:
                return
            self.state.status = st.FAILED
            self.state.message = describe_error(error)
            self._end(self.state)
        publisher = self._publisher
        if publisher is None or not publisher.is_alive():
            # It failed before training began (no publisher yet): show it directly.
            with self.state.lock:
                header = self.state.header()
            self.dashboard.header.state = header
        self._finish()

    # -- internals ----------------------------------------------------------------------------
    def _reset_counters(self) -> None:
        self._hook_seconds = self._batch_seconds = self._epoch_seconds = 0.0
        self._probe_seconds = 0.0
        self._probe_cost = 0.0
        self._forward_cost = 0.0
        self._first_forward_cost = 0.0
        self._gradient_epochs = 0
        self._global_step = 0
        self._epoch_index = 0
        self._first_batch = True
        self._last_lr_t = 0.0
        self._records: dict[str, tuple[BatchValues, Smoother, BatchSeries]] = {}
        self._layers: list[Any] = []
        self._probe: Probe | None = None
        self._interrupt_previous: Any = None
        self._train_thread: threading.Thread | None = None
        self._stopped_at: tuple[int, int] | None = None

    def _add_hook_time(self, t0: float, kind: str) -> None:
        spent = time.perf_counter() - t0
        self._hook_seconds += spent
        if kind == "batch":
            self._batch_seconds += spent
        else:
            self._epoch_seconds += spent

    def _end(self, state: RunState) -> None:
        if state.paused_since:
            state.paused_seconds += time.perf_counter() - state.paused_since
            state.paused_since = 0.0
        state.ended = time.perf_counter()
        state.controls = False
        state.controls_note = ""
        state.bump("header")

    def _finish(self) -> None:
        self._restore_interrupt_handler()
        if self._publisher is not None:
            self._publisher.finish()

    def _training_alive(self) -> bool:
        thread = self._train_thread
        return thread is None or thread.is_alive()

    def _should_display(self) -> bool:
        if self._displayed:
            return False
        if self.display is not None:
            return self.display
        return in_kernel()

    def _record_lr(self, x: float) -> None:
        try:
            lr = float(np.asarray(self.model.optimizer.learning_rate))
        except Exception:  # an optimizer without a readable learning rate: nothing to chart
            return
        with self.state.lock:
            self.state.lr.append(x, lr)
            self.state.bump("epoch")

    def _diverge(self, what: str) -> None:
        self.model.stop_training = True
        with self.state.lock:
            self.state.status = st.DIVERGED
            self.state.message = (
                f"Diverged: {what}. Training stopped; try a lower learning rate, or check the "
                "data for NaN/Inf values."
            )
            self.state.bump("header")

    def _wait_while_paused(self) -> None:
        state, control = self.state, self.control
        with state.lock:
            state.status = st.PAUSED
            state.paused_since = time.perf_counter()
            state.bump("header")
        while control.pause_requested and not control.stop_requested:
            control.wait_resumed(0.1)
        with state.lock:
            state.paused_seconds += time.perf_counter() - state.paused_since
            state.paused_since = 0.0
            if state.status == st.PAUSED:
                state.status = st.RUNNING
            state.bump("header")
        if control.stop_requested:
            self.model.stop_training = True

    def _epoch_statistics(self, epoch: int, t0: float) -> None:
        """Weight statistics every epoch; probe prediction every epoch; gradients when due."""
        state, layers = self.state, self._layers
        summaries = weight_summaries(layers) if layers else {}
        prediction, gradients = None, None
        probe = self._probe
        if probe is not None:
            p0 = time.perf_counter()
            try:
                if self._gradients_due(p0):
                    prediction, gradients = probe.gradients(layers)
                    self._probe_cost = time.perf_counter() - p0
                    self._gradient_epochs += 1
                else:
                    prediction = probe.predict_first()
                    self._forward_cost = time.perf_counter() - p0
                    self._first_forward_cost = self._first_forward_cost or self._forward_cost
            except Exception as exc:  # e.g. a loss that needs sample weights: show, go on
                self._probe = None
                with state.lock:
                    state.note = f"Probe disabled: {type(exc).__name__}: {exc}"
            self._probe_seconds += time.perf_counter() - p0
        from perceptinb.training.stats import summarize

        with state.lock:
            for name, kinds in summaries.items():
                for kind, summary in kinds.items():
                    state.layers.add(name, kind, epoch, summary)
            for name, arrays in (gradients or {}).items():
                state.layers.add(name, "gradients", epoch, summarize(arrays))
            if not self.histograms:
                for per_kind in state.layers.series.values():
                    for series in per_kind.values():
                        series.histograms.clear()
            if prediction is not None:
                state.outputs.add(epoch, prediction)
                state.bump("output")
            state.bump("layers")

    def _gradients_due(self, now: float) -> bool:
        if self.gradients is True:
            return True
        if self.gradients != "auto" or not self._forward_cost:
            return False  # the first epoch measures a forward pass before any gradient pass
        publisher = self._publisher
        spent = self._hook_seconds + (publisher.busy_seconds if publisher else 0.0)
        # Before the first gradient pass its cost is unknown: tracing it costs about twice
        # tracing the forward pass, which the first epoch measured.
        estimate = self._probe_cost or 2 * self._first_forward_cost
        return spent + estimate <= self.budget * self.state.active_seconds(now)

    def _install_interrupt_handler(self) -> None:
        """First Ctrl-C / ■ stops after the current batch; a second one interrupts as usual."""
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        active = True

        def handler(signum: int, frame: Any) -> None:
            nonlocal active
            if active and not self.control.stop_requested:
                self.control.interrupted = True
                self.control.stop()
                return
            active = False
            signal.signal(signal.SIGINT, previous)
            if callable(previous):
                previous(signum, frame)
            else:
                raise KeyboardInterrupt

        self._interrupt_previous = previous
        signal.signal(signal.SIGINT, handler)
        if in_kernel():
            after_cell(self._restore_interrupt_handler_and_check)

    def _restore_interrupt_handler(self) -> None:
        previous, self._interrupt_previous = self._interrupt_previous, None
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)

    def _restore_interrupt_handler_and_check(self, result: Any = None) -> None:
        """After the cell: if fit raised, its on_train_end never ran; say so on the dashboard."""
        self._restore_interrupt_handler()
        error = getattr(result, "error_in_exec", None)
        if self.state.status in (st.RUNNING, st.PAUSED):
            if isinstance(error, KeyboardInterrupt):
                with self.state.lock:
                    self.state.status = st.STOPPED
                    self.state.message = "Training interrupted."
                    self._end(self.state)
                self._finish()
            else:
                self.fail(error or RuntimeError("fit ended without calling on_train_end"))


def _is_mean_metric(callback: LiveCallback, key: str) -> bool:
    """Whether Keras' running value for `key` is a mean of per-batch values."""
    if key == "loss" or key.endswith("_loss"):
        return True
    model = callback.model
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


def _first(tree: Any) -> Any:
    """The first sample of the first array in `tree` (None if there is none)."""
    flat = keras.tree.flatten(tree)
    return np.asarray(flat[0][0]) if flat and len(flat[0]) else None
