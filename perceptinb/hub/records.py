"""What the hub hands back: plain records of runs and graph versions, and metric summaries."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

# Metrics where higher is better; every other metric (loss, mae, mse...) is better lower.
_HIGHER_IS_BETTER = (
    "acc", "accuracy", "auc", "precision", "recall", "f1", "f1_score", "fbeta_score", "iou",
    "r2", "r2_score", "top_k", "sparse_top_k", "pr_auc",
)


def higher_is_better(key: str) -> bool:
    """Whether a larger value of the metric `key` is better ("val_accuracy": yes; "loss": no)."""
    base = key[4:] if key.startswith("val_") else key
    return any(base == name or base.startswith(name + "_") or base.endswith("_" + name)
               for name in _HIGHER_IS_BETTER) or "accuracy" in base


def summarize(history: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Best, best epoch, last, min and max per metric of a ``History.history``-like dict.

    Non-finite values (a diverged loss) count for "last" but never for best, min or max.
    """
    summary: dict[str, dict[str, Any]] = {}
    for key, values in history.items():
        stat = Summary(key)
        for epoch, value in enumerate(values):
            stat.add(epoch, value)
        summary[key] = stat.as_dict()
    return summary


class Summary:
    """Running best/last/min/max of one metric, updated once per epoch."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.higher = higher_is_better(key)
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.last: float | None = None
        self.min: float | None = None
        self.max: float | None = None

    def add(self, epoch: int, value: Any) -> None:
        value = None if value is None else float(value)
        self.last = value
        if value is None or not math.isfinite(value):
            return
        self.min = value if self.min is None else min(self.min, value)
        self.max = value if self.max is None else max(self.max, value)
        better = self.best is None or (value > self.best if self.higher else value < self.best)
        if better:
            self.best, self.best_epoch = value, epoch

    def as_dict(self) -> dict[str, Any]:
        last = self.last if self.last is None or math.isfinite(self.last) else None
        return {"best": self.best, "best_epoch": self.best_epoch, "last": last,
                "min": self.min, "max": self.max, "higher_is_better": self.higher}


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """One run in the hub.

    Attributes:
        id: The run id (an int, unique in its hub).
        name: The run's title (the model name unless given).
        status: "running", "paused", "complete", "stopped", "diverged", "failed" or "crashed".
        started, ended: Unix times; `ended` is None while the run is live.
        duration: Seconds from start to end (or to the last heartbeat while live).
        params: Parameters of the trained graph version, when known.
        summary: ``{metric: {"best", "best_epoch", "last", "min", "max", "higher_is_better"}}``.
        version: The graph version id, or None for a run logged without a graph.
        epochs, epochs_done: Planned and finished epochs.
        settings: Training settings and hyperparameters (epochs, batch size, optimizer...).
        exported: Formats this run was exported to (e.g. ``["tflite"]``).
        tests: Test results, newest last: ``{"task", "epoch", "metrics"}`` each.
        weights: Whether the trained weights were kept (then `Hub.canvas` restores them).
        message: Why the run ended (diverged, failed, crashed), or "".
    """

    id: int
    name: str
    status: str
    started: float
    ended: float | None
    duration: float
    params: int | None
    summary: dict[str, dict[str, Any]]
    version: int | None
    epochs: int | None
    epochs_done: int
    settings: dict[str, Any]
    exported: list[str]
    tests: list[dict[str, Any]]
    weights: bool
    message: str = ""
    pid: int | None = None
    host: str | None = None
    live_progress: float | None = None

    @property
    def progress(self) -> float:
        """Finished share of the planned batches (0..1; 1 once the run ended well): live from
        the heartbeat while training, else from the finished epochs."""
        if self.status == "complete":
            return 1.0
        by_epochs = min(1.0, self.epochs_done / self.epochs) if self.epochs else 0.0
        return max(by_epochs, self.live_progress or 0.0)

    def best(self, key: str) -> float | None:
        return self.summary.get(key, {}).get("best")


@dataclasses.dataclass(frozen=True)
class VersionRecord:
    """One graph version: an architecture, stored once however many runs trained it.

    Attributes:
        id: The version id (an int, unique in its hub).
        hash: SHA-256 of the canonical graph JSON (block positions excluded).
        name: The model name.
        created: Unix time of its first snapshot.
        parent: The version it was edited from (the previous version of the same canvas or
            model name), or None.
        params: Parameter count, when known.
        graph_json: The graph as perceptinb JSON; `graph` parses it.
    """

    id: int
    hash: str
    name: str
    created: float
    parent: int | None
    params: int | None
    graph_json: str

    @property
    def graph(self) -> Any:
        from perceptinb.graph import Graph

        return Graph.from_json(self.graph_json)
