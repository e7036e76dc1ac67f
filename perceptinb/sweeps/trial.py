"""One trial on a Dask worker: build the graph, train it, stream its metrics, obey stop.

The model arrives as graph JSON plus the starting weights (never a pickled ``keras.Model``: a
pickled ResNet50 took 8.4 s and 98 MB here, its config and weights 1.2-2.3 s).

Metrics stream back through ``Worker.log_event`` on the sweep's topic. Batches are buffered and
sent about ten times a second, and flushed at every epoch end and at the end of the run: one
event per batch cost 12-30 % of the fit here. Every message carries the attempt's token and a
sequence number, so the client can tell a rerun (after a worker died) from the first try and
never counts a metric twice.

Stopping: reading a ``distributed.Event`` is a remote call of about 2 ms, too slow for every
batch, so a background thread long-polls it and sets a local flag the training loop checks
after each batch.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
import uuid
import warnings
from typing import Any

FLUSH_INTERVAL_S = 0.1

# Trial outcomes a worker reports (the client adds queued/running/retrying/pruned/stopped).
COMPLETE, STOPPED, DIVERGED, FAILED = "complete", "stopped", "diverged", "failed"


class StopWatcher:
    """Long-polls the trial's stop event from a background thread; `flag` is local and cheap."""

    # A set event answers a waiting long-poll at once; the timeout only bounds how long a
    # finished trial's watcher lingers. Each renewal is one scheduler RPC: at 5 s, 1,000 busy
    # workers cost the scheduler 200 RPC/s.
    POLL_S = 5.0

    def __init__(self, event: Any) -> None:
        self.flag = threading.Event()
        self._done = threading.Event()
        self._event = event
        self._thread = threading.Thread(target=self._watch, name="pnb-stop-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.is_set():
            try:
                if self._event.wait(timeout=self.POLL_S):
                    self.flag.set()
                    return
            except Exception:  # the scheduler went away: the task dies with it anyway
                time.sleep(self.POLL_S)

    def close(self) -> None:
        self._done.set()


class MetricStream:
    """Sends a trial's metrics on an event topic, batches buffered to ~10 messages a second."""

    def __init__(
        self, send: Any, trial: int, token: str, interval: float = FLUSH_INTERVAL_S
    ) -> None:
        self._send = send
        self._interval = interval
        self._head = {"trial": trial, "token": token}
        self._seq = 0
        self._batches: list[list[Any]] = []
        self._last_flush = time.monotonic()

    def message(self, kind: str, **fields: Any) -> None:
        self._seq += 1
        self._send({**self._head, "kind": kind, "seq": self._seq, "t": time.time(), **fields})

    def batch(self, epoch: int, step: int, logs: dict[str, float]) -> None:
        self._batches.append([epoch, step, logs])
        if time.monotonic() - self._last_flush >= self._interval:
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if self._batches:
            batches, self._batches = self._batches, []
            self.message("batches", items=batches)


def _floats(logs: dict[str, Any] | None) -> dict[str, float]:
    return {str(k): float(v) for k, v in (logs or {}).items() if _is_number(v)}


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def make_callback(stream: MetricStream, stop_flag: threading.Event) -> Any:
    """A Keras callback that streams every batch and stops on the flag or on a NaN loss."""
    import keras

    class SweepCallback(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.outcome = COMPLETE
            self.epochs_done = 0
            self.seconds_inside = 0.0  # what streaming costs, measured inside our own code

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.epoch = epoch

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            started = time.perf_counter()
            values = _floats(logs)
            stream.batch(self.epoch, batch, values)
            self._check(values)
            self.seconds_inside += time.perf_counter() - started

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            started = time.perf_counter()
            values = _floats(logs)
            stream.flush()
            stream.message("epoch", epoch=epoch, logs=values)
            self.epochs_done = epoch + 1
            self._check(values)
            self.seconds_inside += time.perf_counter() - started

        def _check(self, values: dict[str, float]) -> None:
            if self.outcome != COMPLETE:
                return
            if any(not math.isfinite(v) for k, v in values.items() if k.endswith("loss")):
                self.outcome = DIVERGED
                self.model.stop_training = True
            elif stop_flag.is_set():
                self.outcome = STOPPED
                self.model.stop_training = True

    return SweepCallback()


def build_model(spec: dict[str, Any], weights: dict[str, list[Any]] | None) -> Any:
    """The trial's keras.Model from its graph JSON, starting from the carried weights where
    their shapes still fit (a changed layer keeps its fresh, seeded initialization)."""
    from perceptinb.graph import Graph

    graph = Graph.from_json(spec["graph_json"], trusted=spec.get("trusted", False))
    graph.weights = dict(weights or {})
    with warnings.catch_warnings():
        # Expected here, not news: the layers a trial changes cannot take the old weights.
        warnings.filterwarnings("ignore", message=".*rebuilt with fresh weights.*")
        return graph.to_keras()


def compile_for(model: Any, settings: dict[str, Any], y_probe: Any) -> None:
    import keras

    from perceptinb.training.data import infer_loss

    optimizer = keras.optimizers.get(
        {"class_name": settings["optimizer"],
         "config": {"learning_rate": float(settings["learning_rate"])}}
    )
    loss, metrics = infer_loss(model, y_probe)
    if settings.get("loss", "auto") != "auto":
        loss = settings["loss"]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def trained_weights(model: Any) -> dict[str, list[Any]]:
    """Weights per node id (a layer's name is its node id), as the graph carries them."""
    return {layer.name: layer.get_weights() for layer in model.layers if layer.weights}


def run_trial(
    spec: dict[str, Any], x: Any, y: Any, weights: Any, topic: str, stop_name: str
) -> dict[str, Any]:
    """Train one trial on this worker; returns its outcome as plain data.

    A trial that raises is reported ``failed`` with the message (the sweep goes on); only the
    worker dying makes Dask rerun it, as a new attempt with a new token.
    """
    from distributed import Event, get_worker

    from perceptinb.sweeps.executor import wait_warm

    worker = get_worker()
    stop_event = Event(stop_name)
    wait_warm(worker)
    if stop_event.is_set():  # stopped while queued or while TensorFlow loaded: do nothing
        return {"trial": spec["index"], "status": STOPPED, "worker": worker.address,
                "message": "Stopped before it started."}
    token = uuid.uuid4().hex[:12]
    stream = MetricStream(lambda msg: worker.log_event(topic, msg), spec["index"], token,
                          float(spec.get("metrics_interval", FLUSH_INTERVAL_S)))
    started = time.time()
    stream.message("start", worker=worker.address)
    watcher = StopWatcher(stop_event)
    result: dict[str, Any] = {"trial": spec["index"], "token": token, "worker": worker.address,
                              "started": started}
    try:
        import keras

        keras.utils.set_random_seed(int(spec["seed"]))
        model = build_model(spec, weights)
        settings = spec["settings"]
        compile_for(model, settings, y[: min(len(y), 32)])
        callback = make_callback(stream, watcher.flag)
        history = model.fit(
            x, y, epochs=int(settings["epochs"]), batch_size=int(settings["batch_size"]),
            validation_split=float(settings.get("validation_split", 0.0)),
            callbacks=[callback], verbose=0,
        )
        stream.flush()
        result.update(
            status=callback.outcome,
            history={k: [float(v) for v in vals] for k, vals in history.history.items()},
            epochs_done=callback.epochs_done,
            stream_s=callback.seconds_inside,
        )
        if spec.get("keep_weights", True) and callback.outcome != DIVERGED:
            result["weights"] = trained_weights(model)
    except Exception as exc:
        stream.flush()
        result.update(status=FAILED, message=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc())
    finally:
        watcher.close()
    result["ended"] = time.time()
    stream.message("end", status=result["status"])
    return result

