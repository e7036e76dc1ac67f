"""Writing one run into the hub: its start, each epoch, its tests and its end.

Each epoch's metrics, the heartbeat, the epoch count and the summary go into ONE transaction, so
a process killed at any instant leaves every finished epoch complete and no half-written one.
"""

from __future__ import annotations

import json
import math
import os
import time
import weakref
from pathlib import Path
from typing import Any

from perceptinb.hub import schema
from perceptinb.hub.records import Summary
from perceptinb.hub.store import HOST, HubError, Store
from perceptinb.hub.versions import snapshot

# Runs this process is writing, per hub file: `Store.recover` never takes them for crashed. Weak,
# so a writer dropped without `finish` (its training raised) stops counting as alive.
_LIVE: weakref.WeakValueDictionary[tuple[Path, int], RunWriter] = weakref.WeakValueDictionary()


def live_runs(path: Path) -> set[int]:
    """Ids of the runs this process is recording into the hub file `path`."""
    return {rid for (p, rid) in list(_LIVE.keys()) if p == path}


class RunWriter:
    """Writes the rows of one run. Create it with `RunWriter.start`.

    Args:
        store: The hub file.
        run_id: The run's id.
    """

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.summaries: dict[str, Summary] = {}
        self.last_beat = time.time()

    @classmethod
    def start(
        cls, store: Store, name: str, *, graph: Any = None, params: int | None = None,
        parent: int | None = None, settings: dict[str, Any] | None = None,
        epochs: int | None = None, status: str = "running", source: str = "train",
        started: float | None = None,
    ) -> RunWriter:
        """Insert the run (and its graph version, deduplicated) in one transaction."""
        _check_status(status)
        now = time.time()
        with store.write() as conn:
            version = None if graph is None else snapshot(conn, graph, params=params,
                                                          parent=parent)
            cursor = conn.execute(
                "INSERT INTO runs (name, version, status, started, heartbeat, pid, host, epochs,"
                " settings, source) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (name, version, status, now if started is None else started, now, os.getpid(),
                 HOST, epochs, dumps(settings or {}), source),
            )
        writer = cls(store, int(cursor.lastrowid))
        if status in schema.LIVE_STATUSES:
            _LIVE[(store.path, writer.run_id)] = writer
        return writer

    def begin(self, graph: Any, *, params: int | None = None, parent: int | None = None,
              settings: dict[str, Any] | None = None) -> int:
        """Training started: snapshot the graph version and mark the run "running".

        Returns:
            The graph version id.
        """
        now = time.time()
        with self.store.write() as conn:
            version = snapshot(conn, graph, params=params, parent=parent)
            old = json.loads(conn.execute("SELECT settings FROM runs WHERE id=?",
                                          (self.run_id,)).fetchone()[0])
            conn.execute(
                "UPDATE runs SET version=?, status='running', heartbeat=?, settings=? WHERE id=?",
                (version, now, dumps({**old, **(settings or {})}), self.run_id),
            )
        self.last_beat = now
        return version

    @property
    def version(self) -> int | None:
        return self.store.read("SELECT version FROM runs WHERE id=?", (self.run_id,))[0][0]

    def epoch(self, epoch: int, logs: dict[str, Any], *, step: int | None = None,
              wall: float | None = None) -> None:
        """Record the metrics of a finished epoch (0-based) and beat, in one transaction."""
        wall = time.time() if wall is None else wall
        rows = []
        for key, value in logs.items():
            number = _number(value)
            if number is _SKIP:
                continue
            self.summaries.setdefault(key, Summary(key)).add(epoch, number)
            rows.append((self.run_id, key, epoch, step, wall, number))
        summary = dumps({k: s.as_dict() for k, s in self.summaries.items()})
        with self.store.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO metrics (run, key, epoch, step, wall, value) "
                "VALUES (?,?,?,?,?,?)", rows,
            )
            # A run another kernel took for crashed (a very long batch) is alive after all.
            conn.execute(
                "UPDATE runs SET heartbeat=?, epochs_done=MAX(epochs_done, ?), summary=?, "
                "progress=CASE WHEN epochs > 0 THEN MIN(1.0, (MAX(epochs_done, ?)) * 1.0 / epochs)"
                " END, "
                "status=CASE WHEN status='crashed' THEN 'running' ELSE status END WHERE id=?",
                (wall, epoch + 1, summary, epoch + 1, self.run_id),
            )
        self.last_beat = wall

    def beat(self, status: str | None = None, progress: float | None = None) -> None:
        """Refresh the heartbeat, the live `progress` (0..1) and the live status."""
        now = time.time()
        with self.store.write() as conn:
            if progress is not None:
                conn.execute("UPDATE runs SET progress=? WHERE id=?",
                             (min(1.0, max(0.0, progress)), self.run_id))
            if status is None:
                conn.execute(
                    "UPDATE runs SET heartbeat=?, status=CASE WHEN status='crashed' THEN "
                    "'running' ELSE status END WHERE id=?", (now, self.run_id),
                )
            else:
                _check_status(status)
                conn.execute("UPDATE runs SET heartbeat=?, status=? WHERE id=?",
                             (now, status, self.run_id))
        self.last_beat = now

    def finish(self, status: str, message: str = "", *, ended: float | None = None) -> None:
        """Mark the run ended with a final `status`."""
        _check_status(status)
        if status in schema.LIVE_STATUSES:
            raise HubError(f"A run ends with a final status {schema.FINAL_STATUSES}. "
                           f"Received: {status!r}.")
        now = time.time() if ended is None else ended
        with self.store.write() as conn:
            conn.execute(
                "UPDATE runs SET status=?, message=?, ended=?, heartbeat=? WHERE id=?",
                (status, message, now, now, self.run_id),
            )
        _LIVE.pop((self.store.path, self.run_id), None)

    def add_test(self, task: str, metrics: dict[str, Any], epoch: int | None = None) -> None:
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO tests (run, created, task, epoch, metrics) VALUES (?,?,?,?,?)",
                (self.run_id, time.time(), task, epoch, dumps(metrics)),
            )


_SKIP = object()


def _number(value: Any) -> Any:
    """A float for SQLite (NaN and inf become NULL), or _SKIP for a non-scalar log entry."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _SKIP
    return number if math.isfinite(number) else None


def _check_status(status: str) -> None:
    if status not in schema.STATUSES:
        raise HubError(f"Expected a run status in {schema.STATUSES}. Received: {status!r}.")


def dumps(value: Any) -> str:
    """JSON for settings and summaries: numpy scalars become numbers, other objects their str,
    NaN and infinities null (strict JSON, which SQLite's json functions require)."""
    return json.dumps(_finite(value), default=_plain, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist) and getattr(value, "ndim", 0) > 0:
        return _finite(tolist())
    item = getattr(value, "item", None)
    if callable(item):
        try:
            plain = item()
            if isinstance(plain, float) and not math.isfinite(plain):
                return None
            return plain
        except (TypeError, ValueError):
            pass
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)
