"""`Hub`: every training run and graph version of a project, in one SQLite file.

The hub lists runs with their status, settings and best/last metrics, gives back per-epoch
histories, reopens any version (with its trained weights, when kept) as a model, records runs
made elsewhere and deletes finished ones. Reading is a few indexed queries: 10,000 runs list in
well under a second (see benchmarks/hub.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from perceptinb.hub import schema
from perceptinb.hub.artifacts import resolve
from perceptinb.hub.records import RunRecord, VersionRecord, summarize
from perceptinb.hub.store import HubError, HubLookupError, Store, default_path
from perceptinb.hub.writer import RunWriter, live_runs

_RUN_COLUMNS = (
    "r.id, r.name, r.status, r.started, r.ended, r.heartbeat, v.params, r.summary, r.version, "
    "r.epochs, r.epochs_done, r.settings, r.message, r.pid, r.host, r.progress, "
    "(SELECT group_concat(a.kind, char(10)) FROM artifacts a WHERE a.run = r.id), "
    "(SELECT json_group_array(json_object('task', t.task, 'epoch', t.epoch, "
    "'metrics', json(t.metrics))) FROM tests t WHERE t.run = r.id)"
)
_VERSION_COLUMNS = "id, hash, name, created, parent, params, graph"


class Hub:
    """Every run and graph version of a project, kept in one SQLite file.

    Args:
        path: The hub file. Default: ``$PERCEPTINB_HUB``, else ``.perceptinb/hub.sqlite`` in the
            working directory. Created when missing; several kernels may share one.

    Raises:
        HubError: the file is corrupt, belongs to another application or comes from a newer
            perceptinb (it is left untouched).

    Example:
        >>> hub = pnb.Hub()
        >>> hub.frame().sort_values("best_val_loss").head()
        >>> model = hub.model(hub.runs()[-1])   # the trained model, back from the file

    This class is the numbers and files only, below the widgets: `pnb.Hub`
    (`perceptinb.widgets.hub.Hub`) adds what displays, ``widget()`` and ``canvas()``.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        target = default_path() if path is None else Path(path).expanduser()
        resolved = target.resolve()
        self._store = Store(resolved, live_runs=lambda: live_runs(resolved))

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def store(self) -> Store:
        return self._store

    def close(self) -> None:
        self._store.close()

    def __repr__(self) -> str:
        count = self._store.read("SELECT count(*) FROM runs")[0][0]
        return f"<perceptinb.Hub {str(self.path)!r}: {count} runs>"

    # -- runs ------------------------------------------------------------------------------------
    def runs(self, status: str | None = None) -> list[RunRecord]:
        """Every run, oldest first (optionally only those with `status`)."""
        where, params = ("WHERE r.status = ?", (status,)) if status else ("", ())
        rows = self._store.read(
            f"SELECT {_RUN_COLUMNS} FROM runs r LEFT JOIN versions v ON v.id = r.version "
            f"{where} ORDER BY r.id", params,
        )
        return [self._record(row) for row in rows]

    def run(self, run: Any) -> RunRecord:
        """The record of one run, by id (or a `Run` / `RunRecord`)."""
        rid = self._run_id(run)
        rows = self._store.read(
            f"SELECT {_RUN_COLUMNS} FROM runs r LEFT JOIN versions v ON v.id = r.version "
            "WHERE r.id = ?", (rid,),
        )
        return self._record(rows[0])

    def _record(self, row: tuple[Any, ...]) -> RunRecord:
        try:
            return _run_record(row)
        except (ValueError, TypeError) as exc:  # JSON damaged on disk
            raise HubError(f"{self.path}: the record of run {row[0]} is damaged ({exc}).") from None

    def frame(self) -> Any:
        """The runs as a pandas DataFrame indexed by run id: status, times, settings, and the
        best and last value of every metric (``best_val_loss``, ``last_accuracy``...)."""
        import pandas as pd

        records = self.runs()
        rows = []
        for r in records:
            row: dict[str, Any] = {
                "id": r.id, "name": r.name, "status": r.status,
                "started": r.started, "duration": r.duration, "params": r.params,
                "version": r.version, "epochs": r.epochs, "epochs_done": r.epochs_done,
                "exported": ", ".join(r.exported), "tests": len(r.tests),
            }
            for key, value in r.settings.items():
                row.setdefault(key, value if _scalar(value) else json.dumps(value))
            for key, stat in r.summary.items():
                row[f"best_{key}"] = stat.get("best")
                row[f"last_{key}"] = stat.get("last")
            rows.append(row)
        frame = pd.DataFrame(rows, columns=None if rows else ["id", "name", "status"])
        if len(frame):
            frame["started"] = pd.to_datetime(frame["started"], unit="s")
        return frame.set_index("id")

    def history(self, run: Any) -> dict[str, list[float]]:
        """Per-epoch metrics ``{key: [value per epoch]}``, like ``keras.callbacks.History``.

        A metric missing in an epoch (or NaN) is None at that place.
        """
        rid = self._run_id(run)
        rows = self._store.read(
            "SELECT key, epoch, value FROM metrics WHERE run = ? ORDER BY key, epoch", (rid,)
        )
        out: dict[str, list[Any]] = {}
        for key, epoch, value in rows:
            values = out.setdefault(key, [])
            values.extend([None] * (epoch - len(values)))
            values.append(value)
        return out

    def metrics(self, run: Any) -> Any:
        """Long-form metrics of one run: a DataFrame with key, epoch, step, wall and value."""
        import pandas as pd

        rid = self._run_id(run)
        rows = self._store.read(
            "SELECT key, epoch, step, wall, value FROM metrics WHERE run = ? "
            "ORDER BY key, epoch", (rid,),
        )
        return pd.DataFrame(rows, columns=["key", "epoch", "step", "wall", "value"])

    def log_run(
        self, name: str, params: dict[str, Any] | None = None,
        history: dict[str, list[Any]] | None = None, graph: Any = None,
        status: str = "complete",
    ) -> RunRecord:
        """Record a run made elsewhere (another tool, another machine).

        Args:
            name: The run's name.
            params: Its settings and hyperparameters, e.g. ``{"learning_rate": 1e-3}``.
            history: Per-epoch metrics ``{key: [values]}`` (``keras.callbacks.History.history``).
            graph: Its architecture: a `Graph`, a ``keras.Model`` or a `Canvas`.
            status: Its final status (default "complete").
        """
        if not isinstance(name, str) or not name:
            raise HubError(f"Expected a non-empty run name. Received: {name!r}.")
        if status not in schema.FINAL_STATUSES:
            raise HubError(f"Expected a final status in {schema.FINAL_STATUSES}. "
                           f"Received: {status!r}.")
        history = _check_history(history)
        from perceptinb.hub.sources import graph_and_params

        graph_obj, count = (None, None) if graph is None else graph_and_params(graph)
        epochs = max((len(v) for v in history.values()), default=0)
        writer = RunWriter.start(
            self._store, name, graph=graph_obj, params=count, settings=dict(params or {}),
            epochs=epochs, status=status, source="log",
        )
        for epoch in range(epochs):
            writer.epoch(epoch, {k: v[epoch] for k, v in history.items() if epoch < len(v)},
                         step=epoch + 1)
        writer.finish(status)
        return self.run(writer.run_id)

    def delete(self, run: Any) -> None:
        """Delete a finished run, its metrics, tests and kept files (exports stay where they are).

        Raises:
            HubError: the run is still training (stop it first).
        """
        rid = self._run_id(run)
        self._store.recover()  # a live-looking run whose process is gone may be deleted
        status = self._store.read("SELECT status FROM runs WHERE id=?", (rid,))[0][0]
        if status in schema.LIVE_STATUSES:
            raise HubError(
                f"Run {rid} is still {status}: stop it (run.stop()) before deleting it."
            )
        with self._store.write() as conn:
            conn.execute("DELETE FROM runs WHERE id=?", (rid,))
        shutil.rmtree(self._store.artifacts_dir / str(rid), ignore_errors=True)

    # -- versions --------------------------------------------------------------------------------
    def versions(self, name: str | None = None) -> list[VersionRecord]:
        """Graph versions, oldest first (optionally only those of the model `name`)."""
        where, params = ("WHERE name = ?", (name,)) if name is not None else ("", ())
        rows = self._store.read(
            f"SELECT {_VERSION_COLUMNS} FROM versions {where} ORDER BY id", params
        )
        return [VersionRecord(*row) for row in rows]  # graph JSON is parsed on use, validated

    def version(self, version: Any) -> VersionRecord:
        """One version by id (int or ``"v12"``), hash prefix (at least 6 hex digits) or record."""
        if isinstance(version, VersionRecord):
            version = version.id
        asked = version
        if isinstance(version, str) and version[:1] == "v" and version[1:].isdigit():
            version = int(version[1:])
        if isinstance(version, int) and not isinstance(version, bool):
            rows = self._store.read(
                f"SELECT {_VERSION_COLUMNS} FROM versions WHERE id = ?", (version,)
            )
        elif isinstance(version, str) and len(version) >= 6 and _is_hex(version):
            rows = self._store.read(
                f"SELECT {_VERSION_COLUMNS} FROM versions WHERE hash LIKE ? LIMIT 2",
                (version.lower() + "%",),
            )
            if len(rows) > 1:
                raise HubLookupError(f"Version prefix {version!r} is ambiguous in {self.path}.")
        else:
            raise HubLookupError(
                "Expected a version id (int or 'v12'), a hash prefix of at least 6 hex digits "
                f"or a VersionRecord. Received: {version!r}."
            )
        if not rows:
            raise HubLookupError(f"No graph version {asked!r} in the hub {self.path}; "
                                 "hub.versions() lists them.")
        return VersionRecord(*rows[0])

    def model(self, run_or_version: Any) -> Any:
        """A ``keras.Model`` of a run (trained weights, when kept) or of a graph version (fresh
        weights). Nothing from the file runs code: `.keras` files load with ``safe_mode`` and
        versions are rebuilt from their validated JSON."""
        source = self.source(run_or_version)
        return source.to_keras() if hasattr(source, "to_keras") else source

    def source(self, run_or_version: Any) -> Any:
        """What a run or version reopens as: a run's kept ``.keras`` model (trained weights,
        loaded with ``safe_mode``), else its version's validated `Graph` (what `pnb.Hub`'s
        ``canvas`` draws; `model` builds it).

        Args:
            run_or_version: A run (id, `Run` or `RunRecord`) or a version (``"v3"``, a hash
                prefix or a `VersionRecord`).
        """
        if _is_version_ref(run_or_version):
            return self.version(run_or_version).graph
        rid = self._run_id(run_or_version)
        weights = self.weights_path(rid)
        if weights is not None:
            import keras

            return keras.saving.load_model(weights, safe_mode=True)
        version = self.run(rid).version
        if version is None:
            raise HubError(f"Run {rid} was logged without a graph: there is no model to open.")
        return self.version(version).graph

    def weights_path(self, run: Any) -> Path | None:
        """The run's kept ``.keras`` file, checked against its recorded SHA-256, or None."""
        rid = self._run_id(run)
        rows = self._store.read(
            "SELECT path, sha256 FROM artifacts WHERE run=? AND kind='weights' "
            "ORDER BY id DESC LIMIT 1", (rid,),
        )
        if not rows:
            return None
        path = resolve(self._store, rows[0][0])
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise HubError(f"The weights of run {rid} are missing: {exc}.") from None
        if digest != rows[0][1]:
            raise HubError(f"The weights file of run {rid} ({path}) was changed or damaged: its "
                           "SHA-256 differs from the one recorded.")
        return path

    # -- helpers ---------------------------------------------------------------------------------
    def _run_id(self, run: Any) -> int:
        rid = getattr(run, "id", run)
        if isinstance(rid, str) and rid.strip().isdigit():
            rid = int(rid)
        if not isinstance(rid, int) or isinstance(rid, bool):
            raise HubLookupError(
                f"Expected a run id (int), a Run or a RunRecord. Received: {run!r:.80}."
            )
        if not self._store.read("SELECT 1 FROM runs WHERE id=?", (rid,)):
            raise HubLookupError(
                f"No run with id {rid} in the hub {self.path}; hub.runs() lists the runs."
            )
        return rid


def _run_record(row: tuple[Any, ...]) -> RunRecord:
    (rid, name, status, started, ended, beat, params, summary, version, epochs, done, settings,
     message, pid, host, progress, kinds, tests) = row
    kinds = kinds.split("\n") if kinds else []
    exported = sorted({k.split(":", 1)[1] for k in kinds if k.startswith("export:")})
    live_end = beat if beat is not None else time.time()
    return RunRecord(
        id=rid, name=name, status=status, started=started, ended=ended,
        duration=max(0.0, (ended if ended is not None else live_end) - started),
        params=params, summary=json.loads(summary), version=version, epochs=epochs,
        epochs_done=done, settings=json.loads(settings), exported=exported,
        tests=json.loads(tests) if tests else [], weights="weights" in kinds, message=message,
        pid=pid, host=host, live_progress=progress,
    )


def _check_history(history: Any) -> dict[str, list[Any]]:
    if history is None:
        return {}
    history = getattr(history, "history", history)  # a keras History object
    if not isinstance(history, dict) or not all(
        isinstance(k, str) and isinstance(v, (list, tuple)) for k, v in history.items()
    ):
        raise HubError(
            "Expected history as {metric: [value per epoch]} (keras History.history). "
            f"Received: {history!r:.80}."
        )
    try:
        summarize(history)
    except (TypeError, ValueError) as exc:
        raise HubError(f"Expected numbers in the history. Received: {exc}.") from None
    return {k: list(v) for k, v in history.items()}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in text)


def _is_version_ref(value: Any) -> bool:
    if isinstance(value, VersionRecord):
        return True
    return isinstance(value, str) and not value.strip().isdigit() and (
        (value[:1] == "v" and value[1:].isdigit()) or (len(value) >= 6 and _is_hex(value))
    )
