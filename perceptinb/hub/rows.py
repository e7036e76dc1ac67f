"""The hub table's rows: one small dict per run, and the cheap query that finds changed runs.

Pure functions of `RunRecord`s and the store (no widgets), so tests run without a browser.
"""

from __future__ import annotations

import time
from typing import Any

from perceptinb.hub import schema
from perceptinb.hub.records import RunRecord

# The metric shown as "best" in the table: the first of these a run has.
MAIN_METRICS = ("val_accuracy", "val_loss", "accuracy", "loss")
# A writer stamps its time just before it commits: look that far back so no commit slips
# between two looks (a run may then be sent twice, which is harmless).
_SLACK = 0.25


def main_metric(record: RunRecord) -> str | None:
    for key in MAIN_METRICS:
        if key in record.summary:
            return key
    return next(iter(record.summary), None)


def row(record: RunRecord) -> dict[str, Any]:
    """What the table shows of one run (JSON)."""
    metric = main_metric(record)
    best = record.summary.get(metric, {}).get("best") if metric else None
    test = record.tests[-1] if record.tests else None
    test_metrics = test.get("metrics", {}) if test else {}
    test_key = next((k for k in ("accuracy", "mae", "r2") if k in test_metrics), None)
    test_value = test_metrics.get(test_key) if test_key else None
    return {
        "id": record.id,
        "name": record.name,
        "status": record.status,
        "progress": round(record.progress * 100),
        "duration": round(record.duration, 1),
        "metric": metric,
        "best": best if isinstance(best, (int, float)) else None,
        "test_metric": test_key,
        "test": test_value if isinstance(test_value, (int, float)) else None,
        "exported": record.exported,
        "modified": record.ended if record.ended is not None else record.started,
        "params": record.params,
        "message": record.message,
    }


class ChangeWatcher:
    """Finds runs that changed since the last look, with one indexed query (no full listing).

    Args:
        store: The hub's `Store`.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.since = time.time()
        self.ids: set[int] = set()
        self.marks: tuple[Any, ...] = ()

    def reset(self, ids: set[int]) -> None:
        self.ids = set(ids)
        self.since = time.time()
        self.marks = self._marks()

    def changed(self) -> tuple[list[int], list[int]]:
        """``(changed or new run ids, deleted run ids)`` since the last call."""
        now = time.time()
        marks = self._marks()
        live = ",".join("?" * len(schema.LIVE_STATUSES))
        rows = self.store.read(
            f"SELECT id FROM runs WHERE status IN ({live}) OR heartbeat >= ? OR ended >= ? "
            "OR id > ?",
            (*schema.LIVE_STATUSES, self.since - _SLACK, self.since - _SLACK,
             max(self.ids, default=0)),
        )
        changed = {r[0] for r in rows}
        if marks != self.marks:  # a new export or test (their rows carry no heartbeat)
            changed |= self._recent_children()
        deleted: set[int] = set()
        count = self.store.read("SELECT count(*) FROM runs")[0][0]
        if count != len(self.ids | changed):
            present = {r[0] for r in self.store.read("SELECT id FROM runs")}
            deleted = self.ids - present
            changed &= present
        self.ids = (self.ids | changed) - deleted
        self.since, self.marks = now, marks
        return sorted(changed), sorted(deleted)

    def _marks(self) -> tuple[Any, ...]:
        return tuple(self.store.read(
            "SELECT (SELECT max(id) FROM artifacts), (SELECT max(id) FROM tests)")[0])

    def _recent_children(self) -> set[int]:
        rows = self.store.read(
            "SELECT run FROM artifacts WHERE created >= ? UNION "
            "SELECT run FROM tests WHERE created >= ?", (self.since - _SLACK, self.since - _SLACK),
        )
        return {r[0] for r in rows if r[0] is not None}
