"""The inbox thread's side of a `Sweep`: streamed messages applied to its trials.

Messages arrive in order (see `stream.TopicInbox`). A "start" opens a new attempt: a rerun after
a worker died resets the trial's curves, so no metric is counted twice; messages of an older
attempt are dropped by their token. Each epoch goes to the hub once, feeds the early-stopping
rule, and may signal the trial to stop. A "remove-worker" event from the scheduler marks the
dead worker's running trials as retrying at once.
"""

from __future__ import annotations

from typing import Any

from perceptinb.sweeps.record import RETRYING, RUNNING, Trial

MAX_BATCHES_KEPT = 20_000  # per trial attempt: the live curves need no more


class StreamedUpdates:
    """Mixed into `Sweep`, whose state (lock, trials, recorder, pruner) it updates."""

    # Provided by Sweep (listed so readers and type checkers know what is used here).
    _lock: Any
    _changed: Any
    _recorder: Any
    _pruner: Any
    _pruned: set[int]
    _recorded: dict[int, int]
    _key_trial: dict[str, int]
    trials: list[Trial]
    timings: dict[int, dict[str, float]]
    faults: list[dict[str, Any]]
    objective: str
    mode: str

    def _on_message(self, kind: str, msg: Any, received: float) -> None:
        if kind == "cluster":
            self._on_cluster_event(msg, received)
            return
        with self._lock:
            trial = self.trials[int(msg["trial"])]
            if trial.done:
                return
            if msg["kind"] == "start":
                self._on_start(trial, msg)
            elif msg["token"] != trial.token:
                return  # a dead attempt's late message: never counted
            elif msg["kind"] == "batches":
                trial.batches.extend((e, s, logs) for e, s, logs in msg["items"])
                del trial.batches[:-MAX_BATCHES_KEPT]
            elif msg["kind"] == "epoch":
                self._on_epoch(trial, int(msg["epoch"]), msg["logs"])
        self._notify(trial)

    def _on_start(self, trial: Trial, msg: dict[str, Any]) -> None:
        retry = trial.attempt > 0
        trial.token, trial.attempt = msg["token"], trial.attempt + 1
        trial.status, trial.worker = RUNNING, msg.get("worker")
        trial.history, trial.batches, trial.epoch, trial.best = {}, [], 0, None
        trial.started = trial.started or float(msg["t"])
        self.timings[trial.index].setdefault("started", float(msg["t"]))
        self._recorded[trial.index] = 0
        if self._pruner is not None:
            self._pruner.reset(trial.index)
        self._recorder.started(trial, retry)

    def _on_epoch(self, trial: Trial, epoch: int, logs: dict[str, float]) -> None:
        if epoch != trial.epoch:
            return
        for key, value in logs.items():
            trial.history.setdefault(key, []).append(value)
        trial.epoch = epoch + 1
        trial.best = best_of(trial.history.get(self.objective), self.mode)
        if self._recorded[trial.index] == epoch:
            self._recorder.epoch(trial, epoch, logs)
            self._recorded[trial.index] = epoch + 1
        value = logs.get(self.objective)
        if self._pruner is not None and value is not None:
            if self._pruner.report(trial.index, epoch, value) and trial.index not in self._pruned:
                self._pruned.add(trial.index)
                self._signal_stop(trial.index)

    def _on_cluster_event(self, msg: Any, received: float) -> None:
        if isinstance(msg, dict) and msg.get("action") == "add-worker":
            self._top_up()
        if not isinstance(msg, dict) or msg.get("action") != "remove-worker":
            return
        with self._lock:
            hit = [self._key_trial[k] for k in msg.get("processing-tasks", ())
                   if k in self._key_trial]
            retried = []
            for index in hit:
                trial = self.trials[index]
                if trial.status == RUNNING and trial.worker == msg.get("worker"):
                    trial.status = RETRYING
                    retried.append(index)
            if hit:
                self.faults.append({"worker": msg.get("worker"), "detected": received,
                                    "trials": retried})
            self._changed.notify_all()
        for index in retried:
            self._notify(self.trials[index])


def best_of(values: list[float] | None, mode: str) -> float | None:
    finite = [v for v in values or [] if v == v]
    if not finite:
        return None
    return min(finite) if mode == "min" else max(finite)
