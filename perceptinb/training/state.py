"""The state one training run shares between threads.

Three threads touch it: the training thread (Keras callback hooks write), the publisher thread
(reads snapshots for the browser) and the kernel's main thread (buttons, sliders, `Run`
properties). Everything mutable lives in `RunState` behind one lock; hooks hold it for
microseconds, readers copy what they need and let go.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perceptinb.training.series import BatchSeries
from perceptinb.training.stats import LayerStats

RUNNING, PAUSED = "running", "paused"
COMPLETE, STOPPED, DIVERGED, FAILED = "complete", "stopped", "diverged", "failed"
PENDING = "pending"
FINAL_STATUSES = (COMPLETE, STOPPED, DIVERGED, FAILED)
STATUSES = (PENDING, RUNNING, PAUSED, *FINAL_STATUSES)
LIVE_STATUSES = (RUNNING, PAUSED)

# The status machine: which statuses each one may move to. A run that ended stays ended; the
# next `fit` with the same callback starts a new run with `RunState.reset()`.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    # A run may fail or be interrupted before its first batch (a bad pipeline, Ctrl-C).
    PENDING: (RUNNING, STOPPED, FAILED),
    RUNNING: (PAUSED, COMPLETE, STOPPED, DIVERGED, FAILED),
    # Stop while paused wakes the run, which ends "stopped"; an error may end it too.
    PAUSED: (RUNNING, STOPPED, FAILED),
    **{final: () for final in FINAL_STATUSES},
}


@dataclass
class OutputRecord:
    """The first sample's prediction at the end of each epoch (bounded like histograms)."""

    epochs: list[int] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)
    max_epochs: int = 200

    def add(self, epoch: int, prediction: np.ndarray) -> None:
        self.epochs.append(epoch)
        self.predictions.append(prediction)
        if len(self.epochs) > self.max_epochs:
            keep = list(range(0, len(self.epochs) - 1, 2)) + [len(self.epochs) - 1]
            self.epochs = [self.epochs[i] for i in keep]
            self.predictions = [self.predictions[i] for i in keep]


class RunState:
    """Everything a dashboard shows about one run. Guard every access with `lock`.

    `status` changes in one place only, `transition()`, which refuses moves the status machine
    (`TRANSITIONS`) does not allow and keeps the clocks (started, paused, ended) in step.

    `versions` counts changes per part ("header", "batch", "epoch", "layers", "output"), so the
    publisher sends only parts that changed since its last send.
    """

    def __init__(self, title: str = "") -> None:
        self.lock = threading.RLock()
        self.title = title
        self.reset()

    @property
    def status(self) -> str:
        return self._status

    @property
    def live(self) -> bool:
        """Running or paused: the run has begun and not ended."""
        return self._status in LIVE_STATUSES

    def transition(self, status: str, message: str | None = None,
                   now: float | None = None) -> None:
        """Move to `status` (the only way the status changes).

        Args:
            status: One of `STATUSES`, reachable from the current one (see `TRANSITIONS`).
            message: Why (shown under the header): replaces the current message when given.
            now: ``time.perf_counter()`` of the change (default: now).

        Raises:
            ValueError: `status` is not reachable from the current status; nothing changes.
        """
        with self.lock:
            old = self._status
            allowed = TRANSITIONS.get(old, ())
            if status not in allowed:
                raise ValueError(
                    f"Expected a status reachable from {old!r}: {list(allowed)}. "
                    f"Received: {status!r}."
                )
            now = time.perf_counter() if now is None else now
            if old == PENDING and status == RUNNING:
                self.started = now
            if old == PAUSED:
                self.paused_seconds += now - self.paused_since
                self.paused_since = 0.0
            if status == PAUSED:
                self.paused_since = now
            if status in FINAL_STATUSES:
                self.ended = now
                self.controls = False  # nothing left to stop or pause
                self.controls_note = ""
            self._status = status
            if message is not None:
                self.message = message
            self.bump("header")

    def reset(self) -> None:
        """Forget the previous run: a new one begins, "pending"."""
        with self.lock:
            self._status = PENDING
            self.message = ""
            self.note = ""  # non-error hint shown under the progress bar
            self.epoch = 0  # epochs finished
            self.epochs = 0
            self.step = 0  # batches finished in the current epoch
            self.steps: int | None = None
            self.batch_size: int | None = None
            self.started = 0.0
            self.ended = 0.0
            self.paused_seconds = 0.0
            self.paused_since = 0.0
            self.step_seconds = 0.0  # smoothed time per training batch
            self.epoch_extra_seconds = 0.0  # per epoch: validation and epoch-end work
            self.x_unit = "epoch"
            self.batch: dict[str, BatchSeries] = {}
            self.history: dict[str, list[float]] = {}  # like keras History.history
            self.aligned: dict[str, list[float]] = {}  # one value per epoch, NaN where none
            self.epoch_x: list[float] = []
            self.lr = BatchSeries(512)
            self.layers = LayerStats()
            self.layer_names: list[str] = []
            self.graph: dict[str, Any] = {}
            self.outputs = OutputRecord()
            self.sample: dict[str, Any] = {}
            self.controls = True
            self.controls_note = ""
            self.versions = dict.fromkeys(("header", "batch", "epoch", "layers", "output"), 0)

    def bump(self, *parts: str) -> None:
        for part in parts:
            self.versions[part] += 1

    # -- derived values (call with the lock held) --------------------------------------------
    def active_seconds(self, now: float | None = None) -> float:
        if not self.started:
            return 0.0
        end = self.ended or (now if now is not None else time.perf_counter())
        paused = self.paused_seconds + (end - self.paused_since if self.paused_since else 0.0)
        return max(0.0, end - self.started - paused)

    def progress(self) -> float:
        """Percent of all batches done, 0-100."""
        if self.status == COMPLETE:
            return 100.0
        if not self.epochs:
            return 0.0
        within = self.step / self.steps if self.steps else 0.0
        return max(0.0, min(100.0, 100.0 * (self.epoch + min(within, 1.0)) / self.epochs))

    def eta_seconds(self) -> float | None:
        if self.status not in (RUNNING, PAUSED) or not self.steps or not self.step_seconds:
            return None
        left_steps = (self.epochs - self.epoch) * self.steps - self.step
        left_epochs = self.epochs - self.epoch
        return max(0.0, left_steps * self.step_seconds + left_epochs * self.epoch_extra_seconds)

    def header(self) -> dict[str, Any]:
        """The header widget's state: small JSON, sent at most a few times a second."""
        rate = 1.0 / self.step_seconds if self.step_seconds else None
        unit = "steps/s"
        if rate is not None and self.batch_size:
            rate, unit = rate * self.batch_size, "samples/s"
        eta = self.eta_seconds()
        return {
            "title": self.title,
            "status": self.status,
            "message": self.message,
            "note": self.note,
            "epoch": min(self.epoch + (1 if self.status in (RUNNING, PAUSED) else 0), self.epochs)
            if self.epochs
            else 0,
            "epochs": self.epochs,
            "step": self.step,
            "steps": self.steps or 0,
            "progress": round(self.progress(), 1),
            "rate": round(rate, 1) if rate is not None else None,
            "rate_unit": unit,
            "eta": round(eta, 1) if eta is not None else None,
            "elapsed": round(self.active_seconds(), 1),
            "controls": self.controls,
            "controls_note": self.controls_note,
        }
