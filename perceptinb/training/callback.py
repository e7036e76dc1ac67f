"""`LiveCallback`: the Keras callback behind every live dashboard.

It composes small parts, one concern each, the way Keras splits its own callbacks:
- `Recorder` (recorder.py): per-batch and per-epoch numbers, like `History`;
- `LayerRecorder` (layer_recorder.py): weight statistics, the probe's prediction, gradients;
- divergence.py: a NaN/Inf loss stops the run, like `TerminateOnNaN`;
- `InterruptHandler` (interrupt.py): the first Ctrl-C stops after the current batch;
- `RunState.transition` (state.py): the one place the status changes;
- `LiveView` (views.py) and `Publisher` (publisher.py): the dashboard, handed in as a factory.

Cost model. The per-batch hook only appends a few floats to bounded series (microseconds); all
drawing happens on a publisher thread that sends at most `max_messages_per_second` widget
messages whatever the batch rate. Per-epoch work (weight statistics, the first-sample
prediction) is small and fixed; gradients, the one costly extra, are computed on a small probe
batch when the callback's total time stays within `budget` of the training time (or every epoch
with ``gradients=True``). `overhead` reports where the time went.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import keras

from perceptinb.training import state as st
from perceptinb.training.control import Control, hold_while_paused
from perceptinb.training.divergence import batch_divergence, epoch_divergence
from perceptinb.training.interrupt import InterruptHandler
from perceptinb.training.layer_recorder import LayerRecorder
from perceptinb.training.minimap import minimap_graph
from perceptinb.training.notebook import describe_error, in_kernel
from perceptinb.training.recorder import Recorder
from perceptinb.training.state import RunState
from perceptinb.training.views import DashboardFactory, DashboardView, LiveView

_BLOCKED_CELL_NOTE = (
    "This fit blocks the cell, and a busy kernel receives no clicks: interrupt the kernel (■) "
    "to stop after the current batch, or train with canvas.train / pnb.train, whose buttons work."
)


class LiveCallback(keras.callbacks.Callback):
    """Records a ``model.fit`` for a live dashboard: loss and metrics per batch and per epoch,
    the learning rate, per-layer weight/bias/gradient statistics and the first sample's
    prediction. ``pnb.LiveCallback`` is this callback with the perceptinb dashboard handed in.

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
            ``False`` builds no widget until `dashboard` is read.
        max_messages_per_second: Cap on widget messages sent to the browser.
        dashboard: Builds the dashboard from ``(state, control)`` the first time it is needed
            (the widget layer hands it in; training imports no widget). ``None``: numbers only.
        hub: Record the run in this `perceptinb.Hub` (or path); ``None``: ``pnb.Hub()``;
            ``False``: no recording.
        keep_weights: Keep the trained model in the hub, so ``hub.canvas(run)`` reopens it.

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
        dashboard: DashboardFactory | None = None,
        hub: Any = None,
        keep_weights: bool = True,
    ) -> None:
        super().__init__()
        if gradients not in (True, False, "auto"):
            raise ValueError(f"gradients must be True, False or 'auto'. Received: {gradients!r}.")
        if not 0 < budget < 1:
            raise ValueError(f"budget must be a fraction in (0, 1). Received: {budget!r}.")
        if display and dashboard is None:
            raise ValueError(
                "display=True needs a dashboard to show: use pnb.LiveCallback, or pass "
                "dashboard=. Received: dashboard=None."
            )
        self.probe_data = probe
        self.batch_size = batch_size
        self.display = display
        self.state = RunState(title or "")
        self.control = Control()
        self.recorder = Recorder(self.state)
        self.layer_recorder = LayerRecorder(
            self.state, gradients=gradients, budget=budget, histograms=histograms,
            spent=self._spent_seconds,
        )
        self.view = LiveView(dashboard, self.state, self.control, max_messages_per_second)
        self.interrupts = InterruptHandler(self.control, self._after_cell)
        from perceptinb.hub.recorder import recorder_for

        # The run's record in the model hub (perceptinb.hub), driven from the hooks below.
        self.hub_recorder = recorder_for(hub, name=title, keep_weights=keep_weights)
        # Called at each epoch end on the training thread (e.g. canvas thumbnails).
        self.epoch_end_hooks: list[Callable[[], Any]] = []
        self._title_given = bool(title)
        self._displayed = False
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

    @property
    def dashboard(self) -> DashboardView | None:
        """The live dashboard (built on first use; None when no factory was handed in)."""
        return self.view.get()

    def stop(self) -> None:
        """Ask training to stop once the current batch is done."""
        self.control.stop()

    def pause(self) -> None:
        """Hold training after the current batch until `resume` (or `stop`)."""
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def show(self) -> None:
        """Display the dashboard in the notebook now (once per callback).

        Raises:
            ValueError: there is no dashboard to show (no factory was handed in).
        """
        view = self.dashboard
        if view is None:
            raise ValueError("This LiveCallback records numbers only: it has no dashboard. "
                             "Use pnb.LiveCallback to get one. Received: dashboard=None.")
        from IPython.display import display

        display(view)
        self._displayed = True

    @property
    def overhead(self) -> dict[str, float]:
        """Seconds spent in the hooks (training thread) and in the publisher thread, the
        messages sent, and the epochs whose gradients were computed."""
        return {
            "hook_seconds": self._hook_seconds,
            "batch_hook_seconds": self._batch_seconds,
            "epoch_hook_seconds": self._epoch_seconds,
            "probe_seconds": self.layer_recorder.probe_seconds,
            "thread_seconds": self.view.busy_seconds,
            "messages": self.view.messages,
            "gradient_epochs": float(self.layer_recorder.gradient_epochs),
            "train_seconds": self.state.active_seconds(),
        }

    def wait_published(self, timeout: float = 5.0) -> bool:
        """Block until the dashboard shows the final state (True) or `timeout` passed."""
        return self.view.join(timeout)

    def _ipython_display_(self) -> None:
        if self.view.factory is None:
            print(f"<perceptinb.LiveCallback {self.state.title!r}: {self.status}>")
        else:
            self.show()

    # -- Keras hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        self._reset_counters()
        model, state = self.model, self.state
        with state.lock:
            title = state.title if self._title_given else model.name
            state.reset()
            state.title = title
            state.graph = minimap_graph(model)
        self.recorder.begin(model, self.params or {}, self.batch_size)
        self.layer_recorder.begin(model, self.probe_data)
        self.control.reset()
        self._train_thread = threading.current_thread()
        if self._train_thread is threading.main_thread():
            self.interrupts.install()
            if in_kernel():
                with state.lock:
                    state.controls = False
                    state.controls_note = _BLOCKED_CELL_NOTE
        state.transition(st.RUNNING, now=t0)
        if self._should_display():
            self.show()
        self.view.begin_run(
            alive=self._training_alive,
            on_orphaned=lambda: self.fail(
                RuntimeError("the training thread ended without finishing the run")
            ),
        )
        if self.hub_recorder is not None:
            self.hub_recorder.begin(model, self.params)
        self._add_hook_time(t0, "epoch")

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_index = epoch
        self.recorder.epoch_begin(epoch)
        if self.hub_recorder is not None:
            self.hub_recorder.epoch_begin(epoch)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        # Hot path: runs after every batch, so it only does arithmetic and appends.
        t0 = time.perf_counter()
        self.recorder.batch_end(batch, logs, t0)
        if self.hub_recorder is not None:
            self.hub_recorder.batch_end(batch)
        diverged = batch_divergence(logs, self._epoch_index, batch + 1)
        control = self.control
        if diverged:
            self._diverge(diverged)
        elif control.stop_requested:
            self._stop_training(batch + 1)
        elif control.pause_requested:
            self._add_hook_time(t0, "batch")
            hold_while_paused(self.state, control)  # paused time is not hook time
            if control.stop_requested:
                self._stop_training(batch + 1)
            self.recorder.resumed()
            return
        self._add_hook_time(t0, "batch")

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.control.stop_requested:  # a stopped run should not sit through validation
            self.model.stop_evaluating = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        state = self.state
        logs = dict(logs or {})
        with state.lock:
            partial = self.control.stop_requested and bool(state.steps) and (
                state.step < (state.steps or 0)
            )
        if partial:  # validation was cut short: its numbers would mislead
            logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        x = self.recorder.epoch_end(epoch, logs, t0)
        diverged = epoch_divergence(logs, epoch)
        if diverged:
            self._diverge(diverged)
        if state.status != st.DIVERGED:
            self.recorder.learning_rate(x)
            self.layer_recorder.epoch_end(epoch + 1)
            for hook in self.epoch_end_hooks:
                try:
                    hook()
                except Exception as exc:  # a preview refresh must never end a run
                    with state.lock:
                        state.note = f"Thumbnail refresh failed: {type(exc).__name__}: {exc}"
        self.recorder.epoch_done(epoch, complete=not partial)
        if self.hub_recorder is not None:
            self.hub_recorder.epoch_end(epoch, logs)
        self._add_hook_time(t0, "epoch")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        state = self.state
        with state.lock:
            if state.live:  # diverged and failed runs already ended
                if self.control.stop_requested:
                    state.transition(st.STOPPED, self._stopped_message(), now=t0)
                else:
                    if state.epoch < state.epochs:
                        state.note = (
                            f"Ended early after epoch {state.epoch}: a callback "
                            "(EarlyStopping?) set model.stop_training."
                        )
                    state.transition(st.COMPLETE, now=t0)
            status, message = state.status, state.message
        if self.hub_recorder is not None:
            self.hub_recorder.finish(status, message)
        self._add_hook_time(t0, "epoch")
        self._finish()

    # -- used by Run -------------------------------------------------------------------------
    def fail(self, error: BaseException) -> None:
        """Mark the run failed with the error's message (a data pipeline error, say)."""
        with self.state.lock:
            if self.state.status in st.FINAL_STATUSES:
                return
            self.state.transition(st.FAILED, describe_error(error))
        self._finish()

    def mark_interrupted(self) -> None:
        """Mark the run stopped by a kernel interrupt that ``fit`` did not survive."""
        with self.state.lock:
            if self.state.status in st.FINAL_STATUSES:
                return
            self.state.transition(st.STOPPED, "Training interrupted.")
        self._finish()

    # -- internals ----------------------------------------------------------------------------
    def _reset_counters(self) -> None:
        self._hook_seconds = self._batch_seconds = self._epoch_seconds = 0.0
        self._epoch_index = 0
        self._train_thread: threading.Thread | None = None
        self._stopped_at: tuple[int, int] | None = None

    def _add_hook_time(self, t0: float, kind: str) -> None:
        spent = time.perf_counter() - t0
        self._hook_seconds += spent
        if kind == "batch":
            self._batch_seconds += spent
        else:
            self._epoch_seconds += spent

    def _spent_seconds(self) -> float:
        return self._hook_seconds + self.view.busy_seconds

    def _finish(self) -> None:
        self.interrupts.restore()
        self.view.end_run()

    def _training_alive(self) -> bool:
        thread = self._train_thread
        return thread is None or thread.is_alive()

    def _should_display(self) -> bool:
        if self._displayed or self.view.factory is None:
            return False
        if self.display is not None:
            return self.display
        return in_kernel()

    def _stop_training(self, batch: int) -> None:
        self.model.stop_training = True
        if self._stopped_at is None:
            self._stopped_at = (self._epoch_index, batch)

    def _stopped_message(self) -> str:
        state = self.state
        how = "Interrupted" if self.control.interrupted else "Stopped"
        epoch, batch = self._stopped_at or (state.epoch, 0)
        where = (
            f"in epoch {epoch + 1}, after batch {batch}/{state.steps}"
            if state.steps and 0 < batch < state.steps
            else f"after epoch {state.epoch}"
        )
        return f"{how} by you {where}."

    def _diverge(self, message: str) -> None:
        self.model.stop_training = True
        with self.state.lock:
            if self.state.live:  # the first sign wins: a NaN batch also gives a NaN epoch
                self.state.transition(st.DIVERGED, message)

    def _after_cell(self, result: Any) -> None:
        """After the cell that ran ``fit``: if fit raised, its on_train_end never ran."""
        error = getattr(result, "error_in_exec", None)
        if self.state.live:
            if isinstance(error, KeyboardInterrupt):
                self.mark_interrupted()
            else:
                self.fail(error or RuntimeError("fit ended without calling on_train_end"))
