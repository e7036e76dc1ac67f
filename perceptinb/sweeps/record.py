"""What the client knows about each trial, and the seam that records trials as hub runs.

The hub stays with the client: workers never open it (a cluster may share no file system with
the notebook). The client records what it receives from them: a run when a trial starts, each
epoch's metrics as they stream in, and the outcome with the trained weights at the end.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

# Client-side statuses: a worker reports complete/stopped/diverged/failed; the client adds the
# rest. "pruned" is an early stop by the sweep's rule; the hub records it as "stopped".
QUEUED, RUNNING, RETRYING, PRUNED = "queued", "running", "retrying", "pruned"
LIVE = (QUEUED, RUNNING, RETRYING)
HUB_STATUS = {PRUNED: "stopped"}


@dataclass
class Trial:
    """One trial of a sweep, as the client sees it.

    Attributes:
        index: Position in the sweep.
        params: The values of the space's keys for this trial.
        settings: Its training settings (epochs, batch_size, optimizer, learning_rate...).
        status: queued, running, retrying, complete, stopped, pruned, diverged or failed.
        attempt: 1 for the first try; a rerun after its worker died counts up.
        epoch: Epochs finished by the current attempt.
        history: Per-epoch metrics of the current attempt ``{key: [values]}``.
        batches: Per-batch metrics of the current attempt: ``(epoch, step, {key: value})``.
        best: The best value of the sweep's objective so far.
        message: Why it failed, diverged or stopped.
        run_id: Its run in the hub, when one records the sweep.
    """

    index: int
    params: dict[str, Any]
    settings: dict[str, Any] = field(repr=False)
    graph_json: str = field(repr=False)
    status: str = QUEUED
    attempt: int = 0
    epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict, repr=False)
    batches: list[tuple[int, int, dict[str, float]]] = field(default_factory=list, repr=False)
    best: float | None = None
    message: str = ""
    worker: str | None = None
    started: float | None = None
    ended: float | None = None
    run_id: int | None = None
    weights: dict[str, list[Any]] | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.status not in LIVE

    @property
    def seconds(self) -> float | None:
        if self.started is None:
            return None
        return (self.ended or time.time()) - self.started

    @property
    def graph(self) -> Any:
        """The trial's `Graph`, carrying its trained weights once it finished."""
        from perceptinb.graph import Graph

        graph = Graph.from_json(self.graph_json)
        graph.weights = dict(self.weights or {})
        return graph

    def model(self) -> Any:
        """A keras.Model of this trial, with its trained weights when it kept them."""
        return self.graph.to_keras()

    def row(self) -> dict[str, Any]:
        """One row of the sweep's table."""
        return {
            "trial": self.index, **self.params, "status": self.status, "attempt": self.attempt,
            "epoch": self.epoch, "best": self.best, "seconds": self.seconds,
            "message": self.message, "run_id": self.run_id,
        }


class Recorder:
    """Receives trial events on the client; the default keeps nothing beyond the `Trial`s."""

    def started(self, trial: Trial, retry: bool) -> None:
        """A trial's attempt started on a worker (``retry``: a rerun after its worker died)."""

    def epoch(self, trial: Trial, epoch: int, logs: dict[str, float]) -> None:
        """An epoch of the trial's current attempt finished."""

    def finished(self, trial: Trial) -> None:
        """The trial reached its final status."""


class TrialRecorder(Recorder):
    """Records every trial as a run in a `perceptinb.Hub` (source "sweep").

    Args:
        hub: The hub.
        name: Prefix of the run names ("<name> #<index>").
        sweep_id: Stored in each run's settings, so a sweep's runs can be found together.
    """

    def __init__(self, hub: Any, name: str, sweep_id: str) -> None:
        self.hub = hub
        self.name = name
        self.sweep_id = sweep_id
        self._writers: dict[int, Any] = {}
        self._lock = threading.Lock()

    def started(self, trial: Trial, retry: bool) -> None:
        from perceptinb.graph import Graph
        from perceptinb.hub.writer import RunWriter

        with self._lock:
            writer = self._writers.get(trial.index)
            if writer is None:
                writer = RunWriter.start(
                    self.hub.store, f"{self.name} #{trial.index}",
                    graph=Graph.from_json(trial.graph_json),
                    settings={**trial.settings, **trial.params, "sweep": self.sweep_id,
                              "trial": trial.index},
                    epochs=int(trial.settings.get("epochs", 0)), source="sweep",
                    started=trial.started,
                )
                self._writers[trial.index] = writer
                trial.run_id = writer.run_id
            elif retry:
                # The rerun starts from scratch: drop the dead attempt's epochs so no metric
                # is counted twice, and restart the best/last summary.
                writer.summaries.clear()
                with writer.store.write() as conn:
                    conn.execute("DELETE FROM metrics WHERE run=?", (writer.run_id,))
                    conn.execute("UPDATE runs SET epochs_done=0 WHERE id=?", (writer.run_id,))

    def epoch(self, trial: Trial, epoch: int, logs: dict[str, float]) -> None:
        writer = self._writers.get(trial.index)
        if writer is not None:
            writer.epoch(epoch, logs, step=epoch + 1)

    def finished(self, trial: Trial) -> None:
        with self._lock:
            writer = self._writers.pop(trial.index, None)
        if writer is None:  # stopped or failed before it ever started: still a run
            self.started(trial, retry=False)
            with self._lock:
                writer = self._writers.pop(trial.index)
        if trial.weights:
            self._keep_weights(writer.run_id, trial)
        message = trial.message or ("pruned: stopped early by the sweep's rule"
                                    if trial.status == PRUNED else "")
        writer.finish(HUB_STATUS.get(trial.status, trial.status), message, ended=trial.ended)

    def _keep_weights(self, run_id: int, trial: Trial) -> None:
        """Keep the trained model as a ``.keras`` artifact, so ``hub.canvas(run)`` reopens it."""
        from perceptinb.files import keras_bytes
        from perceptinb.hub.artifacts import keep_bytes

        model = trial.model()
        keep_bytes(self.hub.store, run_id, "weights", "model.keras", keras_bytes(model),
                   {"name": model.name})


def make_recorder(hub: Any, name: str, sweep_id: str) -> Recorder:
    """`TrialRecorder` for a hub (None: the default ``pnb.Hub()``; a path: that file), a plain
    `Recorder` for False."""
    if hub is False:
        return Recorder()
    from perceptinb.hub.recorder import resolve_hub

    return TrialRecorder(resolve_hub(hub), name, sweep_id)
