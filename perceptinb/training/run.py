"""`Run`: one training run with a live dashboard, and `train()`, which starts it.

Default mode: training runs on a worker thread and `train()` returns at once. Why: a Jupyter
kernel whose cell is busy does not receive widget messages (measured with JupyterLab 4.6,
ipykernel 7.4, ipywidgets 8.1, also with jupyter-ui-poll), so the Stop and Pause buttons of a
dashboard whose `fit` blocks the cell could never be delivered. With the cell free, they are.
`run.wait()` blocks for scripts and tests; a kernel interrupt (Ctrl-C, ■) during `wait()` or
during a foreground run (``background=False``) stops the run cleanly after the current batch.

Training imports no widget: the dashboard and the test view come in as `Views` factories from
the widget layer (`perceptinb.widgets.live_training`, behind `pnb.train` and `Canvas.train`).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any

from perceptinb.training import data as data_module
from perceptinb.training import state as st
from perceptinb.training.callback import LiveCallback
from perceptinb.training.compiling import checked_compile_args, compile_model
from perceptinb.training.evaluate import TestResult, evaluate
from perceptinb.training.notebook import in_kernel
from perceptinb.training.views import NO_VIEWS, Views

log = logging.getLogger(__name__)
_ACTIVE: weakref.WeakKeyDictionary[Any, Run] = weakref.WeakKeyDictionary()


class Run:
    """A training run: `status`, `history`, `stop()`, `pause()`, `resume()`, `wait()`,
    `test(x, y)` and the live `dashboard`.

    Statuses: "pending" → "running" (⇄ "paused") → "complete" | "stopped" | "diverged" |
    "failed". Create runs with `Canvas.train` or `perceptinb.train`.

    `add_done_callback(fn)` calls ``fn(run)`` once the run ended, however it ended: the place
    to record a run (its `status`, `history`, `message` are final by then).
    """

    def __init__(
        self,
        model: Any,
        data: data_module.FitData,
        *,
        epochs: int,
        callback: LiveCallback,
        callbacks: list[Any],
        verbose: Any,
        fit_kwargs: dict[str, Any],
        compile_args: dict[str, Any] | None,
        background: bool,
        views: Views = NO_VIEWS,
    ) -> None:
        self.model = model
        self.callback = callback
        self.tests: list[TestResult] = []
        self.error: BaseException | None = None
        self.traceback = ""
        self._data = data
        self._epochs = epochs
        self._callbacks = callbacks
        self._verbose = verbose
        self._fit_kwargs = fit_kwargs
        self._compile_args = compile_args
        self._background = background
        self._views = views
        # The run's record in the model hub (None with hub=False): see perceptinb.hub.
        self.hub_recorder = callback.hub_recorder
        self._done_callbacks: list[Callable[[Run], Any]] = []
        self._done_lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state --------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.callback.state.status

    @property
    def message(self) -> str:
        """Why the run ended (diverged, failed, stopped), or ""."""
        return self.callback.state.message

    @property
    def history(self) -> dict[str, list[float]]:
        """Per-epoch logs so far, like ``keras.callbacks.History.history``."""
        return self.callback.history

    @property
    def epoch(self) -> int:
        """Epochs finished."""
        return self.callback.state.epoch

    @property
    def dashboard(self) -> Any:
        """The live dashboard (built on first use), or None for a run drawn by no widget."""
        return self.callback.dashboard

    @property
    def id(self) -> int | None:
        """The run's id in its hub (``pnb.Hub().run(run.id)``), or None when not recorded."""
        return None if self.hub_recorder is None else self.hub_recorder.run_id

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # -- control --------------------------------------------------------------------------------
    def stop(self, wait: bool = True, timeout: float = 30.0) -> str:
        """Stop after the current batch; with `wait`, return once the run has ended.

        Returns:
            The status.
        """
        self.callback.stop()
        if wait and threading.current_thread() is not self._thread:
            self._done.wait(timeout)
        return self.status

    def add_done_callback(self, fn: Callable[[Run], Any]) -> None:
        """Call ``fn(run)`` once the run ended (complete, stopped, diverged, failed or
        interrupted), on the run's thread, before `wait()` returns; at once if it has ended.
        An error in `fn` is logged and does not change the run."""
        with self._done_lock:
            if not self._done.is_set():
                self._done_callbacks.append(fn)
                return
        _call_done_callback(fn, self)

    def pause(self) -> None:
        """Hold training after the current batch (status "paused") until `resume()`."""
        self.callback.pause()

    def resume(self) -> None:
        self.callback.resume()

    def wait(self, timeout: float | None = None) -> Run:
        """Block until the run ends (or `timeout` seconds pass); returns the run.

        A kernel interrupt while waiting stops the run after its current batch and marks it
        "stopped"; the interrupt is not re-raised (the run, not the cell, was the target).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self._done.is_set():
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    break
                self._done.wait(left)
        except KeyboardInterrupt:
            self.callback.control.interrupted = True
            self.callback.stop()
            self._done.wait(30.0)
        return self

    # -- testing --------------------------------------------------------------------------------
    def test(
        self,
        x: Any,
        y: Any = None,
        *,
        task: str = "auto",
        top_k: int = 3,
        class_names: list[str] | None = None,
        batch_size: int = 256,
        title: str | None = None,
    ) -> TestResult:
        """Evaluate on held-out data and show the test view; the result is kept in `tests`.

        Args:
            x, y: Test inputs and targets (arrays or a DataFrame; ``y`` may name a column).
            task: "classification", "regression" or "auto" (from the targets and outputs).
            top_k: k of the top-k accuracy.
            class_names: Labels for the classes (default: 0, 1, ...).
        """
        if self.status in (st.RUNNING, st.PAUSED, st.PENDING):
            raise RuntimeError(
                f"Run.test needs a finished run; this one is {self.status}. Call run.wait() "
                "or run.stop() first."
            )
        task, metrics, predictions = evaluate(
            self.model, x, y, task=task, top_k=top_k, class_names=class_names,
            batch_size=batch_size,
        )
        heading = title or f"Test · {self.callback.state.title} · after epoch {self.epoch}"
        view = self._views.test(task, metrics, heading) if self._views.test else None
        result = TestResult(task, metrics, predictions, self.epoch, view)
        self.tests.append(result)
        if self.hub_recorder is not None:
            self.hub_recorder.add_test(task, metrics, self.epoch)
        return result

    def export(self, path: Any, format: str = "keras", quantize: str | None = None,
               **kwargs: Any) -> Any:
        """Export the trained model, load it back and compare it with Keras on the first
        training samples; recorded in the hub. See `perceptinb.hub.export.export_model`.

        Args:
            path: The file (``.keras``, ``.tflite``, ``.onnx``) or SavedModel folder.
            format: "keras", "savedmodel", "tflite" or "onnx".
            quantize: TFLite only: None, "dynamic", "float16" or "int8" (calibrated on the
                training data).

        Returns:
            An `ExportResult` with the path, size and the largest difference from Keras.
        """
        from perceptinb.hub.export import export_run

        return export_run(self, path, format, quantize, **kwargs)

    # -- display ----------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        dashboard = self.dashboard
        if dashboard is None:
            return {"text/plain": repr(self)}
        return dashboard._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        state = self.callback.state
        text = f"<perceptinb.Run {state.title!r}: {self.status}, epoch {state.epoch}/{state.epochs}"
        return text + (f" ({self.message})>" if self.message else ">")

    # -- the training thread ------------------------------------------------------------------
    def _start(self) -> None:
        if self._background:
            self._thread = threading.Thread(target=self._main, name="perceptinb-train", daemon=True)
            try:
                self._thread.start()
            except RuntimeError as exc:  # no thread to be had: end the run, so it unlocks
                self.error = exc
                self.callback.fail(exc)
                self._end()
                raise
        else:
            self._main()

    def _main(self) -> None:
        try:
            probe = data_module.take_probe(self._data)
            self.callback.probe_data = probe
            if self._compile_args is not None:
                compile_model(self.model, self._compile_args, probe[1] if probe else None)
            self.model.fit(
                self._data.x,
                self._data.y,
                epochs=self._epochs,
                callbacks=[self.callback, *self._callbacks],
                verbose=self._verbose,
                **self._data.kwargs,
                **self._fit_kwargs,
            )
        except KeyboardInterrupt as exc:  # a second interrupt in a foreground run
            self.error = exc
            self.callback.mark_interrupted()
        except BaseException as exc:  # shown on the dashboard, kept on the run
            self.error = exc
            self.traceback = traceback.format_exc()
            self.callback.fail(exc)
        finally:
            self._end()

    def _end(self) -> None:
        """The run ended, one way or another: its status is final here (the seam where a run
        is recorded). The done callbacks run before `wait()` returns."""
        self.callback.wait_published(3.0)
        while True:  # a callback added meanwhile still runs, before `done`
            with self._done_lock:
                callbacks, self._done_callbacks = self._done_callbacks, []
                if not callbacks:
                    self._done.set()
                    return
            for fn in callbacks:
                _call_done_callback(fn, self)


def train(
    model: Any,
    x: Any = None,
    y: Any = None,
    *,
    epochs: int = 10,
    batch_size: int | None = None,
    validation_split: float | None = None,
    validation_data: Any = None,
    optimizer: Any = None,
    learning_rate: float | None = None,
    loss: Any = None,
    metrics: Any = None,
    callbacks: list[Any] | None = None,
    background: bool = True,
    verbose: Any = 0,
    display: bool | None = None,
    gradients: bool | str = "auto",
    title: str | None = None,
    epoch_end_hooks: list[Any] | None = None,
    views: Views = NO_VIEWS,
    before_start: Callable[[Run], Any] | None = None,
    hub: Any = None,
    keep_weights: bool = True,
    **fit_kwargs: Any,
) -> Run:
    """Train a Keras model with a live dashboard; returns a `Run` at once (by default).

    Args:
        model: A ``keras.Model``. It is compiled here unless it already is and neither
            `optimizer` nor `loss` is given.
        x, y: Arrays, a pandas DataFrame (``y`` may name its target column), a ``tf.data``
            dataset or a ``keras.utils.PyDataset`` (then ``y=None``).
        epochs, batch_size, validation_split, validation_data: As in ``model.fit``. For arrays
            the batch size defaults to 32 and the validation split to 0.2; a dataset brings its
            own batches, so neither may be given with one.
        optimizer: Name or instance (default "adam"); `learning_rate` applies to a name.
        loss: A Keras loss, or "auto" (default): chosen from the targets and the output.
        metrics: A list, or "auto": accuracy for classification, MAE for regression.
        callbacks: More Keras callbacks, called after the dashboard's.
        background: Train on a worker thread and return at once (default; the buttons work).
            ``False`` blocks until the run ends; a kernel interrupt then stops it cleanly.
        display: Show the dashboard now; ``None``: only inside a notebook.
        gradients: Per-layer gradient statistics: "auto", True (every epoch) or False.
        title: The dashboard's title (default: the model's name).
        epoch_end_hooks: Called with no argument after each epoch, on the training thread.
        views: The dashboard and test-view factories (`pnb.train` hands in perceptinb's);
            the default draws nothing.
        before_start: Called with the `Run` once every check passed, just before it starts
            (`Canvas.train` locks the canvas here; pair it with `Run.add_done_callback`).
        hub: Record the run in this `perceptinb.Hub` (or path); ``None`` (default):
            ``pnb.Hub()``; ``False``: no recording. ``run.id`` is its id there.
        keep_weights: Keep the trained model in the hub (``hub.canvas(run.id)`` reopens it).
        **fit_kwargs: Passed on to ``model.fit`` (``shuffle``, ``class_weight``...).

    Raises:
        TypeError / ValueError: the data or arguments cannot work (nothing started).
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs!r}.")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer. Received: {batch_size!r}.")
    if display and views.dashboard is None:
        raise ValueError("display=True needs a dashboard: use pnb.train, or pass views= with "
                         "one. Received: views.dashboard=None.")
    previous = _ACTIVE.get(model)
    if previous is not None and not previous.done:
        raise RuntimeError(
            f"{model.name!r} is still training (status {previous.status}); stop() or wait() for "
            "that run first."
        )
    if data_module.is_stream(x):
        if batch_size is not None:
            raise ValueError("A dataset brings its own batches: do not pass batch_size with it.")
        fit_kwargs.setdefault("shuffle", False)  # Keras ignores it for datasets, with a warning
    else:
        batch_size = 32 if batch_size is None else batch_size
        if validation_split is None and validation_data is None:
            validation_split = 0.2
    data = data_module.prepare(
        x, y, batch_size=batch_size, validation_split=validation_split,
        validation_data=validation_data,
    )
    compile_args = checked_compile_args(model, optimizer, learning_rate, loss, metrics)
    callback = LiveCallback(
        gradients=gradients, batch_size=data.batch_size, title=title or model.name,
        display=False, dashboard=views.dashboard, hub=hub, keep_weights=keep_weights,
    )
    callback.epoch_end_hooks.extend(epoch_end_hooks or [])
    run = Run(
        model, data, epochs=epochs, callback=callback, callbacks=list(callbacks or []),
        verbose=verbose, fit_kwargs=fit_kwargs, compile_args=compile_args, background=background,
        views=views,
    )
    if display if display is not None else (in_kernel() and views.dashboard is not None):
        callback.show()
    if run.hub_recorder is not None:
        run.hub_recorder.settings.update(_recorded_settings(data, epochs, fit_kwargs))
        run.hub_recorder.open(title or model.name, epochs)  # run.id is known from here on
        # A run that failed never reaches on_train_end: record how it ended all the same.
        run.add_done_callback(lambda ended: ended.hub_recorder.finish(ended.status,
                                                                      ended.message))
    if before_start is not None:
        before_start(run)
    _ACTIVE[model] = run
    run._start()
    return run


def _recorded_settings(data: Any, epochs: int, fit_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The fit settings a hub keeps with the run (the optimizer and loss come from the model)."""
    kwargs = data.kwargs
    settings = {"epochs": epochs, "batch_size": data.batch_size,
                "validation_split": kwargs.get("validation_split")}
    settings.update({k: v for k, v in fit_kwargs.items()
                     if isinstance(v, (bool, int, float, str)) or v is None})
    return {k: v for k, v in settings.items() if v is not None}


def train_canvas(canvas: Any, x: Any, y: Any = None, **kwargs: Any) -> Run:
    """`Canvas.train`: train the canvas' model (its layers are the canvas' own, so the canvas
    shows the trained weights) and refresh its thumbnails after every epoch.

    The canvas is locked while the run trains: the run keeps training the layers it started
    with, so an edit would make the canvas and the run drift apart. It is unlocked on the run's
    thread once the run ended, whichever way, before `Run.wait` returns. The canvas is duck
    typed (`model`, `graph`, `refresh_previews`, `_lock_for_run`, `_unlock_run`): training
    imports no widget.
    """
    from perceptinb.training.settings import settings_for

    defaults = settings_for(canvas).as_train_kwargs()
    if data_module.is_stream(x):  # a dataset brings its own batches and has no split
        defaults.pop("batch_size")
        defaults.pop("validation_split")
    previous = _ACTIVE.get(canvas)
    if previous is not None and not previous.done:
        raise RuntimeError(
            f"This canvas is still training (status {previous.status}); stop() or wait() for "
            "that run first."
        )
    hooks = list(kwargs.pop("epoch_end_hooks", []) or [])
    refresh = getattr(canvas, "refresh_previews", None)
    if callable(refresh):
        hooks.append(refresh)
    title = kwargs.pop("title", None) or canvas.graph.name
    caller_before_start = kwargs.pop("before_start", None)

    def lock(run: Run) -> None:
        if caller_before_start is not None:  # first: if it raises, nothing is locked
            caller_before_start(run)
        canvas._lock_for_run(title)
        # Registered before the run starts, so no way of ending can skip it.
        run.add_done_callback(lambda _run: canvas._unlock_run())

    run = train(canvas.model, x, y, **{**defaults, **kwargs}, epoch_end_hooks=hooks, title=title,
                before_start=lock)
    _ACTIVE[canvas] = run
    return run


@atexit.register
def _stop_runs_at_exit() -> None:
    """A background run still training when Python exits would be killed inside TensorFlow,
    which aborts the process: stop each after its current batch and give it time to end."""
    runs = [run for run in list(_ACTIVE.values()) if not run.done]
    for run in runs:
        run.callback.stop()
    for run in runs:
        run.wait(timeout=10.0)


def _call_done_callback(fn: Callable[[Run], Any], run: Run) -> None:
    try:
        fn(run)
    except Exception:  # one observer's bug must not leave the run unfinished or others uncalled
        log.exception("perceptinb: a run's done callback failed")
