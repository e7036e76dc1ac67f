"""`HubRecorder`: the Keras callback that records a training run into a `Hub`.

Cost model: one small write transaction per epoch (the epoch's metrics, the heartbeat and the
summary together), a clock check per batch that writes a heartbeat at most every
`HEARTBEAT_SECONDS`, and at the end one ``.keras`` file of the trained weights. `overhead`
reports the seconds spent inside the recorder, split into the part during `fit` and the end.
"""

from __future__ import annotations

import time
from typing import Any

import keras

from perceptinb.hub.artifacts import keep_bytes
from perceptinb.hub.hub import Hub
from perceptinb.hub.store import HEARTBEAT_SECONDS
from perceptinb.hub.writer import RunWriter

_DEFAULT_HUBS: dict[str, Hub] = {}


def resolve_hub(hub: Any) -> Hub | None:
    """The hub a training records into: ``None`` → `Hub()` (shared per path in this process),
    ``False`` → no recording, a path → that file, a `Hub` → itself."""
    if hub is False:
        return None
    if isinstance(hub, Hub):
        return hub
    if hub is None or hub is True:
        from perceptinb.hub.store import default_path

        key = str(default_path().expanduser().resolve())
    elif isinstance(hub, (str, bytes)) or hasattr(hub, "__fspath__"):
        from pathlib import Path

        key = str(Path(hub).expanduser().resolve())
    else:
        raise TypeError(f"hub must be a perceptinb.Hub, a path, None or False. Received: {hub!r}.")
    if key not in _DEFAULT_HUBS:
        _DEFAULT_HUBS[key] = Hub(key)
    return _DEFAULT_HUBS[key]


class HubRecorder(keras.callbacks.Callback):
    """Records a run into a hub: its graph version, settings, per-epoch metrics, heartbeat with
    live progress, final status, test results and (by default) its trained weights.

    Use it as a Keras callback, or drive it from another callback through `begin`,
    `epoch_begin`, `batch_end`, `epoch_end` and `finish` (`LiveCallback` does, so ``pnb.train``,
    ``Canvas.train`` and ``pnb.LiveCallback`` record by default).

    Args:
        hub: A `Hub`, a path, or None for `Hub()`.
        name: The run's name (default: the model's name).
        settings: Training settings and hyperparameters to store with the run.
        keep_weights: Keep the trained model as a ``.keras`` file, so `Hub.canvas(run)` reopens
            it trained.
        finish_on_train_end: As a Keras callback, end the run in ``on_train_end`` with status
            "complete" (or "stopped" when training was stopped early). Off when an owner knows
            the final status better and calls `finish` itself.

    Example:
        >>> model.fit(x, y, epochs=5, callbacks=[HubRecorder()])
    """

    def __init__(
        self, hub: Any = None, *, name: str | None = None,
        settings: dict[str, Any] | None = None, keep_weights: bool = True,
        finish_on_train_end: bool = True,
    ) -> None:
        super().__init__()
        resolved = resolve_hub(hub)
        if resolved is None:
            raise ValueError("A HubRecorder needs a hub: pass a Hub, a path, or None for Hub().")
        self.hub = resolved
        self.name = name
        self.settings = dict(settings or {})
        self.keep_weights = keep_weights
        self.finish_on_train_end = finish_on_train_end
        self.writer: RunWriter | None = None
        self.seconds_in_fit = 0.0
        self.seconds_at_end = 0.0
        self._trained: Any = None
        self._fit_params: dict[str, Any] = {}
        self._step = 0
        self._epoch = 0
        self._next_beat = 0.0
        self._finished = False

    @property
    def run_id(self) -> int | None:
        return None if self.writer is None else self.writer.run_id

    @property
    def overhead(self) -> dict[str, float]:
        """Seconds spent recording: during `fit` (per batch and epoch) and at the end."""
        return {"fit": self.seconds_in_fit, "end": self.seconds_at_end}

    def open(self, name: str | None = None, epochs: int | None = None) -> int:
        """Create the run's row ("pending") before training starts, so its id is known at once."""
        if self.writer is None:
            self.writer = RunWriter.start(
                self.hub.store, name or self.name or "run", settings=self.settings,
                epochs=epochs, status="pending",
            )
        return self.writer.run_id

    # -- the recording steps -----------------------------------------------------------------
    def begin(self, model: Any, params: dict[str, Any] | None = None) -> None:
        """Training starts: snapshot `model`'s graph version and mark the run running."""
        t0 = time.perf_counter()
        from perceptinb.graph import Graph

        self._trained, self._fit_params = model, dict(params or {})
        epochs = self._fit_params.get("epochs")
        self.open(self.name or model.name, epochs)
        self._finished = False
        self._step = 0
        self.writer.begin(
            Graph.from_keras(model), params=model.count_params(),
            settings={**_compile_settings(model), **({"epochs": epochs} if epochs else {}),
                      **self.settings},
        )
        self._next_beat = time.monotonic() + HEARTBEAT_SECONDS
        self.seconds_in_fit += time.perf_counter() - t0

    def epoch_begin(self, epoch: int) -> None:
        self._epoch = epoch

    def batch_end(self, batch: int) -> None:
        """A clock check per batch; a heartbeat with the live progress every few seconds."""
        self._step += 1
        now = time.monotonic()
        if now >= self._next_beat and self.writer is not None:
            t0 = time.perf_counter()
            self._next_beat = now + HEARTBEAT_SECONDS
            self.writer.beat(progress=self._progress(batch))
            self.seconds_in_fit += time.perf_counter() - t0

    def epoch_end(self, epoch: int, logs: dict[str, Any] | None) -> None:
        """One transaction: the epoch's metrics, the heartbeat and the summary."""
        if self.writer is None or not logs:
            return
        t0 = time.perf_counter()
        self.writer.epoch(epoch, logs, step=self._step)
        self._next_beat = time.monotonic() + HEARTBEAT_SECONDS
        self.seconds_in_fit += time.perf_counter() - t0

    def finish(self, status: str, message: str = "") -> None:
        """End the run with a final `status`; keep its weights unless it failed. Only the first
        call counts (a run's owner may call it again after a failure)."""
        if self.writer is None or self._finished:
            return
        t0 = time.perf_counter()
        self._finished = True
        status = _final(status)
        if self.keep_weights and status != "failed" and self._trained is not None:
            self.keep_model(self._trained)
        self.writer.finish(status, message)
        self.seconds_at_end += time.perf_counter() - t0

    def keep_model(self, model: Any) -> None:
        from perceptinb.files import keras_bytes

        keep_bytes(self.hub.store, self.writer.run_id, "weights", "model.keras",
                   keras_bytes(model), {"name": model.name})

    def add_test(self, task: str, metrics: dict[str, Any], epoch: int | None = None) -> None:
        if self.writer is not None:
            self.writer.add_test(task, metrics, epoch)

    def _progress(self, batch: int) -> float | None:
        epochs, steps = self._fit_params.get("epochs"), self._fit_params.get("steps")
        if not epochs or not steps:
            return None
        return (self._epoch + (batch + 1) / steps) / epochs

    # -- as a Keras callback ------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.begin(self.model, self.params)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_begin(epoch)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.batch_end(batch)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_end(epoch, logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.finish_on_train_end:
            self.finish("stopped" if getattr(self.model, "stop_training", False) else "complete")


def recorder_for(hub: Any, **kwargs: Any) -> HubRecorder | None:
    """A `HubRecorder` for ``hub`` (None: `Hub()`), or None when ``hub=False``.

    Raises:
        HubError: the hub file cannot be used; the message says how to train without it.
    """
    from perceptinb.hub.store import HubError

    if hub is False:
        return None
    try:
        return HubRecorder(hub, finish_on_train_end=False, **kwargs)
    except HubError as exc:
        raise HubError(f"{exc} Pass hub=False to train without recording.") from None


def _final(status: str) -> str:
    from perceptinb.hub.schema import FINAL_STATUSES

    return status if status in FINAL_STATUSES else "stopped"


def _compile_settings(model: Any) -> dict[str, Any]:
    """Optimizer, learning rate and loss of a compiled model, as plain values."""
    out: dict[str, Any] = {}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        out["optimizer"] = type(optimizer).__name__
        try:
            out["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        except (TypeError, ValueError, AttributeError):
            pass  # a schedule: its class name says more than one number
    loss = getattr(model, "loss", None)
    if loss is not None:
        out["loss"] = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    return out
