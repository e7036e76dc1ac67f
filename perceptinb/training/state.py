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


class Control:
    """Stop / pause requests from any thread, honoured by the training thread between batches."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self.interrupted = False  # the stop came from a kernel interrupt (Ctrl-C, ■)

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()  # a paused run wakes up to stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        return not self._resume.is_set()

    def wait_resumed(self, timeout: float) -> bool:
        return self._resume.wait(timeout)

    def reset(self) -> None:
        self._stop.clear()
        self._resume.set()
        self.interrupted = False


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

    `versions` counts changes per part ("header", "batch", "epoch", "layers", "output"), so the
    publisher sends only parts that changed since its last send.
    """

    def __init__(self, title: str = "") -> None:
        self.lock = threading.RLock()
        self.title = title
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.status = PENDING
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
