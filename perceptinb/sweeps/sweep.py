"""The live `Sweep`: many settings tried at once on a Dask cluster, watched from the notebook.

Runs in the user's kernel and starts no server of its own: trials are Dask tasks on a local
cluster or any ``distributed.Client`` (dask-gateway, dask-kubernetes, dask-jobqueue). Three
threads on the client keep the notebook free: Dask's IO loop (which only enqueues), the inbox
thread (applies streamed metrics to the trials, in order) and the driver (submits trials, at most
`max_concurrent` at a time, and records their outcomes).

The sweep imports no widget: its view comes in as a `SweepViews` factory from the widget layer
(`perceptinb.widgets.sweep`, behind `pnb.sweep`).
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from perceptinb.hub.views import missing_view
from perceptinb.sweeps import executor as executors
from perceptinb.sweeps import trial as outcome
from perceptinb.sweeps.pruning import MedianStopping, epochs_saved
from perceptinb.sweeps.record import (
    PRUNED,
    QUEUED,
    Recorder,
    Trial,
)
from perceptinb.sweeps.space import TrialSpec
from perceptinb.sweeps.stream import TopicInbox
from perceptinb.sweeps.updates import StreamedUpdates, best_of
from perceptinb.sweeps.views import NO_SWEEP_VIEWS, SweepViews


class Sweep(StreamedUpdates):
    """A running sweep. Create it with `pnb.sweep`.

    Attributes:
        trials: Every `Trial`, in order, updated live.
        name: The sweep's name (its hub runs are named "<name> #<index>").
        timings: Per trial: ``submitted`` (here), ``started`` and ``ended`` (on the worker),
            ``received`` (its result here) as epoch seconds, and ``stream_s``, the time spent
            inside the streaming callback.
        faults: Workers that died while holding trials: ``{worker, detected, trials}``.
        views: The widget layer's view factories (`SweepViews`); without a view the sweep
            displays as its plain ``repr``.
    """

    def __init__(
        self, specs: list[TrialSpec], client: Any, data: dict[str, Any], *, recorder: Recorder,
        objective: str, mode: str, max_concurrent: int | None, early_stopping: bool, name: str,
        sweep_id: str | None = None, views: SweepViews = NO_SWEEP_VIEWS,
    ) -> None:
        self.id = sweep_id or uuid.uuid4().hex[:10]
        self.name = name
        self.objective, self.mode = objective, mode
        self.client = client
        self.trials = [
            Trial(s.index, s.params, s.settings, s.graph_json) for s in specs
        ]
        self._pending = collections.deque(specs)
        self._data = data
        self._recorder = recorder
        self._max_concurrent = max_concurrent
        # Judge no trial before a third of its epochs: slow starters (a small learning rate)
        # were pruned after one epoch and the best trial lost (benchmarks/sweep.py).
        grace = max(1, min(int(s.settings["epochs"]) for s in specs) // 3) if specs else 1
        self._pruner = (MedianStopping(objective, mode, grace_epochs=grace) if early_stopping
                        else None)
        self._pruned: set[int] = set()
        self._stop_asked: set[int] = set()  # trials stop() was called for
        self._slots = 1  # most trials seen running at once (for the ETA)
        self._recorded: dict[int, int] = collections.defaultdict(int)  # epochs sent to the hub
        self._futures: dict[int, Any] = {}
        self._key_trial: dict[str, int] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = False
        self._done = threading.Event()
        self._listeners: list[Callable[[Sweep, Trial | None], Any]] = []
        self.timings: dict[int, dict[str, float]] = collections.defaultdict(dict)
        self.faults: list[dict[str, Any]] = []
        self.started = time.time()
        self.ended: float | None = None
        self.views = views
        self._widget: Any = None
        self._inbox = TopicInbox(
            client, {self.topic: "trial", "all": "cluster"}, self._on_message
        )
        self._driver = threading.Thread(target=self._drive, name="pnb-sweep-driver", daemon=True)
        self._driver.start()

    # -- public API -----------------------------------------------------------------------------
    @property
    def topic(self) -> str:
        return f"pnb-sweep-{self.id}"

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def runs(self) -> list[Trial]:
        """Every trial (a run in the hub when one records the sweep: ``trial.run_id``)."""
        return list(self.trials)

    @property
    def workers(self) -> dict[str, dict[str, Any]]:
        """Per worker: its TensorFlow import time and readiness, measured once when it joined
        (apart from the trials' own figures)."""
        return executors.warm_reports(self.client)

    @property
    def hub(self) -> Any:
        """The `pnb.Hub` recording the trials, or None."""
        return getattr(self._recorder, "hub", None)

    @property
    def widget(self) -> Any:
        """The live view: "Trial k/n", the table, the curves, stop buttons (built once).

        Raises:
            RuntimeError: the sweep was started without the widget layer (not by `pnb.sweep`).
        """
        if self._widget is None:
            if self.views.sweep is None:
                raise missing_view("sweep.widget", "pnb.sweep")
            self._widget = self.views.sweep(self)
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.views.sweep is None:
            return None  # no view handed in: Jupyter shows the plain repr
        return self.widget._repr_mimebundle_(**kwargs)

    def compare(self, trials: list[int] | None = None) -> Any:
        """`pnb.compare` of the trials' hub runs (default: every finished trial).

        Raises:
            ValueError: fewer than two of them were recorded in a hub.
        """
        from perceptinb.hub.compare import compare

        chosen = self.trials if trials is None else [self.trials[i] for i in trials]
        runs = [t.run_id for t in chosen if t.run_id is not None and t.done]
        if len(runs) < 2:
            raise ValueError(
                f"Expected two finished trials or more recorded in a hub. Received: {len(runs)}."
            )
        return compare(*runs, hub=self.hub, views=self.views.compare)

    @property
    def best(self) -> Trial | None:
        """The finished trial with the best objective (complete, stopped or pruned)."""
        scored = [t for t in self.trials if t.best is not None and t.status != "failed"]
        if not scored:
            return None
        pick = min if self.mode == "min" else max
        return pick(scored, key=lambda t: t.best)

    @property
    def progress(self) -> tuple[int, int]:
        """(finished trials, all trials)."""
        return sum(t.done for t in self.trials), len(self.trials)

    @property
    def eta(self) -> float | None:
        """Seconds left, from the mean duration of the finished trials; None before one ends."""
        finished = [t.seconds for t in self.trials if t.done and t.seconds]
        k, n = self.progress
        if not finished or k == n:
            return None if k < n else 0.0
        running = max(1, min(self._max_concurrent or self._slots, n - k))
        return sum(finished) / len(finished) * (n - k) / running

    @property
    def savings(self) -> dict[str, float]:
        """Epochs planned and run over finished trials: what early stopping spared."""
        planned = {t.index: int(t.settings["epochs"]) for t in self.trials if t.done}
        run = {t.index: t.epoch for t in self.trials if t.done}
        return epochs_saved(planned, run)

    @property
    def stream_stats(self) -> dict[str, int]:
        """Metric messages received, and duplicates, gaps and reorderings seen (expected 0)."""
        return dict(self._inbox.stats)

    @property
    def latencies(self) -> list[float]:
        """Seconds from each metric message's send on a worker to its handling here."""
        return list(self._inbox.latencies)

    def frame(self) -> Any:
        """The trials as a pandas DataFrame, one row each."""
        import pandas as pd

        with self._lock:
            return pd.DataFrame([t.row() for t in self.trials]).set_index("trial")

    def on_update(self, callback: Callable[[Sweep, Trial | None], Any]) -> None:
        """Call ``callback(sweep, trial)`` on every change (from a background thread)."""
        self._listeners.append(callback)

    def wait(self, timeout: float | None = None) -> Sweep:
        """Block until every trial finished (or `timeout` seconds passed)."""
        self._done.wait(timeout)
        return self

    def stop(self, trial: int | None = None, *, wait: bool = True, timeout: float = 10.0) -> None:
        """Stop every trial, or one: running ones end after their current batch, queued ones
        never start.

        Args:
            trial: The index of one trial; None stops the whole sweep.
            wait: Return once the stopped trials no longer hold a worker.
        """
        with self._lock:
            if trial is None:
                self._stopping = True
                targets = [t for t in self.trials if not t.done]
            else:
                if not isinstance(trial, int) or not 0 <= trial < len(self.trials):
                    raise IndexError(
                        f"Expected a trial index in [0, {len(self.trials)}). Received: {trial!r}."
                    )
                targets = [self.trials[trial]] if not self.trials[trial].done else []
            self._stop_asked.update(t.index for t in targets)
            unsubmitted = [t for t in targets if t.index not in self._futures]
            for t in unsubmitted:
                self._finish_locally(t, outcome.STOPPED, "Stopped before it started.")
            submitted = [(t, self._futures[t.index]) for t in targets if t.index in self._futures]
        for t, _ in submitted:  # running ones first: they hold workers
            if t.status != QUEUED:
                self._signal_stop(t.index)
        for t, future in submitted:
            if t.status == QUEUED:
                self._signal_stop(t.index)
                future.cancel()
        self._notify(None)
        if wait:
            deadline = time.monotonic() + timeout
            with self._changed:
                while any(not t.done for t, _ in submitted) and time.monotonic() < deadline:
                    self._changed.wait(deadline - time.monotonic())

    def __repr__(self) -> str:
        k, n = self.progress
        best = self.best
        text = f"<Sweep {self.name!r}: {k}/{n} trials finished"
        if best is not None:
            text += f", best #{best.index} {self.objective}={best.best:.4g}"
        return text + ">"

    # -- the driver thread ----------------------------------------------------------------------
    def _drive(self) -> None:
        from distributed import as_completed

        try:
            self._completed = as_completed(loop=self.client.loop)
            self._top_up()
            for future in self._completed:
                finished = self._resolve(future)
                self._top_up()  # first: the next trial should not wait for the hub's write
                if finished is not None:
                    self._recorder.finished(finished)
        finally:
            with self._lock:
                for t in self.trials:  # nothing is ever left running or queued
                    if not t.done:
                        self._finish_locally(t, outcome.FAILED, "Lost: no result came back.")
                self.ended = time.time()
            self._inbox.close(drain_s=0.5)
            for future in self._data.values():  # the workers may free the sweep's data now
                future.release()
            self._done.set()
            self._notify(None)

    def _top_up(self) -> None:
        """Submit pending trials while there are free slots (after a result, or when a worker
        joins a scaling cluster)."""
        completed = getattr(self, "_completed", None)
        if completed is None:
            return
        with self._lock:
            while self._pending and self._running_count() < self._limit():
                self._submit(self._pending.popleft(), completed)

    def _limit(self) -> int:
        """How many trials may be submitted at once: `max_concurrent`, else one per worker
        thread, read again each time (a cluster may scale). Trials depend on scattered data, so
        the scheduler does not queue them itself: submitted all at once, a one-thread worker
        would take two and run them one after the other while another idles."""
        if self._max_concurrent:
            return self._max_concurrent
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # the scheduler is unreachable for a moment: go one at a time
            return 1

    def _running_count(self) -> int:
        return sum(1 for i in self._futures if not self.trials[i].done)

    def _submit(self, spec: TrialSpec, completed: Any) -> None:
        with self._lock:
            if self._stopping or self.trials[spec.index].done:
                if not self.trials[spec.index].done:
                    self._finish_locally(self.trials[spec.index], outcome.STOPPED,
                                         "Stopped before it started.")
                return
            key = f"pnb-trial-{self.id}-{spec.index}"
            self._key_trial[key] = spec.index
            self.timings[spec.index]["submitted"] = time.time()
            future = self.client.submit(
                outcome.run_trial, spec.as_dict(), self._data["x"], self._data["y"],
                self._data["weights"], self.topic, self._stop_name(spec.index),
                key=key, pure=False, priority=-spec.index,
            )
            self._futures[spec.index] = future
            completed.add(future)
        self._slots = max(self._slots, self._running_count())

    def _resolve(self, future: Any) -> Trial | None:
        """Apply a trial's outcome; returns the trial for the hub, or None if it was done."""
        index = self._key_trial[future.key]
        received = time.time()
        if future.status == "finished":
            result = future.result()
        elif future.status == "cancelled" and (self._stopping or index in self._stop_asked):
            result = {"status": outcome.STOPPED, "message": "Stopped before it started."}
        elif future.status == "cancelled":
            result = {"status": outcome.FAILED,
                      "message": "Cancelled by Dask: the cluster or the client closed."}
        else:
            exc = future.exception()
            result = {"status": outcome.FAILED, "message": _task_error(exc)}
        future.release()
        with self._lock:
            trial = self.trials[index]
            if trial.done:
                return None
            self.timings[index].update(received=received, ended=result.get("ended", received))
            if "stream_s" in result:  # time inside the streaming callback, on the worker
                self.timings[index]["stream_s"] = result["stream_s"]
            status = result["status"]
            if status == outcome.STOPPED and index in self._pruned:
                status = PRUNED
            trial.message = result.get("message") or _default_message(status, trial)
            if "history" in result:
                trial.history = result["history"]
                trial.epoch = int(result.get("epochs_done", trial.epoch))
                trial.best = best_of(trial.history.get(self.objective), self.mode)
                if self.objective not in trial.history and trial.history and not trial.message:
                    trial.message = (f"No {self.objective!r} to rank it by. Expected one of: "
                                     f"{', '.join(sorted(trial.history))}.")
            trial.weights = result.get("weights")
            trial.worker = result.get("worker", trial.worker)
            trial.started = trial.started or result.get("started")
            trial.ended = result.get("ended", received)
            self._record_missing_epochs(trial)
            trial.status = status
            self._changed.notify_all()
        self._notify(trial)
        return trial

    def _finish_locally(self, trial: Trial, status: str, message: str) -> None:
        trial.status, trial.message = status, message
        trial.ended = time.time()
        self._recorder.finished(trial)
        self._changed.notify_all()

    def _record_missing_epochs(self, trial: Trial) -> None:
        """Epochs the stream has not delivered yet go to the hub before the run ends."""
        count = max((len(v) for v in trial.history.values()), default=0)
        for epoch in range(self._recorded[trial.index], count):
            logs = {k: v[epoch] for k, v in trial.history.items() if epoch < len(v)}
            self._recorder.epoch(trial, epoch, logs)
        self._recorded[trial.index] = max(self._recorded[trial.index], count)

    # -- stop events ----------------------------------------------------------------------------
    def _stop_name(self, index: int) -> str:
        return f"pnb-stop-{self.id}-{index}"

    def _signal_stop(self, index: int) -> None:
        from distributed import Event

        try:
            Event(self._stop_name(index), client=self.client).set()
        except Exception:  # the cluster is going away: nothing left to stop
            pass

    def _notify(self, trial: Trial | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(self, trial)
            except Exception:  # a broken listener must not stop the sweep
                import logging

                logging.getLogger(__name__).exception("sweep listener failed")


def _default_message(status: str, trial: Trial) -> str:
    if status == outcome.DIVERGED:
        return f"The loss became NaN or infinite in epoch {trial.epoch + 1}."
    if status == PRUNED:
        return "Stopped early: worse than the median of the other trials."
    if status == outcome.STOPPED:
        return "Stopped."
    return ""


def _task_error(exc: BaseException | None) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return f"Its worker died on every attempt ({exc})."
    return f"{name}: {exc}"
