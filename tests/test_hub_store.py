"""The hub's SQLite store: settings, schema versions, refusing bad files, crash recovery."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perceptinb.hub import Hub, HubError, HubLookupError, NetworkFilesystemWarning, schema
from perceptinb.hub import store as store_module
from perceptinb.hub.artifacts import keep_bytes
from perceptinb.hub.writer import RunWriter


def _hub_with_runs(path: Path, runs: int = 3) -> Hub:
    hub = Hub(path)
    for i in range(runs):
        hub.log_run(f"run{i}", {"lr": 0.1 * (i + 1), "units": 8},
                    {"loss": [1.0, 0.5 - i * 0.1], "val_accuracy": [0.2, 0.4 + i * 0.1]})
    return hub


def test_new_hub_uses_wal_foreign_keys_and_versioned_schema(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "sub" / "hub.sqlite")
    read = hub.store.read
    assert read("PRAGMA journal_mode")[0][0] == "wal"
    assert read("PRAGMA foreign_keys")[0][0] == 1
    assert read("PRAGMA synchronous")[0][0] == 1  # NORMAL
    assert read("PRAGMA user_version")[0][0] == schema.SCHEMA_VERSION
    assert read("PRAGMA application_id")[0][0] == schema.APPLICATION_ID
    tables = {r[0] for r in read("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"versions", "runs", "metrics", "artifacts", "tests"} <= tables


def test_default_path_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PERCEPTINB_HUB", str(tmp_path / "env.sqlite"))
    assert Hub().path == (tmp_path / "env.sqlite").resolve()
    monkeypatch.delenv("PERCEPTINB_HUB")
    monkeypatch.chdir(tmp_path)
    assert Hub().path == (tmp_path / ".perceptinb" / "hub.sqlite").resolve()


def test_reopening_keeps_runs_and_history(tmp_path: Path) -> None:
    _hub_with_runs(tmp_path / "h.sqlite").close()
    hub = Hub(tmp_path / "h.sqlite")
    assert [r.name for r in hub.runs()] == ["run0", "run1", "run2"]
    assert hub.history(2) == {"loss": [1.0, 0.4], "val_accuracy": [0.2, 0.5]}
    best = hub.run(3).summary["val_accuracy"]
    assert best["best"] == pytest.approx(0.6) and best["best_epoch"] == 1
    assert best["higher_is_better"]
    assert hub.run(3).summary["loss"]["best"] == pytest.approx(0.3)


def test_forward_migration_keeps_data(tmp_path: Path, monkeypatch) -> None:
    _hub_with_runs(tmp_path / "h.sqlite", runs=2).close()
    extra = "ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT 'migrated'"
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    hub = Hub(tmp_path / "h.sqlite")
    assert hub.store.read("PRAGMA user_version")[0][0] == len(schema.MIGRATIONS)
    assert hub.store.read("SELECT note FROM runs") == [("migrated",), ("migrated",)]
    assert len(hub.runs()) == 2


def test_a_version_1_file_gains_live_progress(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(schema.MIGRATIONS[0])
    conn.execute(f"PRAGMA application_id={schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO runs (name, status, started, ended, epochs, epochs_done) "
                 "VALUES ('old', 'complete', 1, 2, 4, 4)")
    conn.commit()
    conn.close()
    hub = Hub(path)
    assert hub.store.read("PRAGMA user_version")[0][0] == schema.SCHEMA_VERSION >= 2
    (old,) = hub.runs()
    assert old.name == "old" and old.progress == 1.0 and old.live_progress is None
    live = RunWriter.start(hub.store, "live", epochs=4)
    live.beat(progress=0.3)
    assert hub.run(live.run_id).progress == pytest.approx(0.3)
    live.epoch(1, {"loss": 1.0})  # two epochs of four done
    assert hub.run(live.run_id).progress == pytest.approx(0.5)
    live.finish("stopped")


def _write_file(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _hub_with_runs(path, runs=1).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HubError, match=r"newer perceptinb \(hub schema 99") as info:
        Hub(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("version", [-2147483647, 0])
def test_impossible_schema_versions_are_refused_untouched(tmp_path: Path, version: int) -> None:
    path = tmp_path / "h.sqlite"
    _hub_with_runs(path, runs=1).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={version}")  # found by the hypothesis test below
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HubError, match=f"is damaged: its hub schema version reads {version}"):
        Hub(path)
    assert path.read_bytes() == before


def test_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HubError, match="another application.*customers"):
        Hub(path)
    assert path.read_bytes() == before


def test_non_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 10)
    with pytest.raises(HubError, match="notes.sqlite.*not a usable perceptinb hub"):
        Hub(path)
    assert path.read_text().startswith("these are my notes")


def test_directory_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HubError, match="is a directory"):
        Hub(tmp_path)


class _FileBytes(bytes):
    def __repr__(self) -> str:  # keeps hypothesis' failure reports readable
        return f"<{len(self)} bytes of a clean hub file>"


@pytest.fixture(scope="module")
def clean_hub_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("clean") / "hub.sqlite"
    _hub_with_runs(path, runs=4).close()
    return _FileBytes(path.read_bytes())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_files_give_a_clear_error_and_are_never_overwritten(
    clean_hub_bytes: bytes, tmp_path: Path, data: st.DataObject
) -> None:
    raw = bytearray(clean_hub_bytes)
    if data.draw(st.booleans(), label="truncate"):
        raw = raw[: data.draw(st.integers(1, len(raw) - 1), label="length")]
    for _ in range(data.draw(st.integers(1, 24), label="flips")):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / f"c{data.draw(st.integers(0, 10**9))}.sqlite"
    path.write_bytes(bytes(raw))
    try:
        hub = Hub(path)
        for record in hub.runs():
            hub.history(record.id)
        hub.frame()
        hub.versions()
        hub.close()
    except HubError as exc:
        assert str(path) in str(exc)
        assert path.read_bytes() == bytes(raw)  # refused: never rewritten


def test_unknown_run_and_version_give_clear_errors(tmp_path: Path) -> None:
    hub = _hub_with_runs(tmp_path / "h.sqlite", runs=1)
    with pytest.raises(HubLookupError, match="No run with id 42 in the hub"):
        hub.history(42)
    with pytest.raises(HubLookupError, match="Expected a run id"):
        hub.delete(1.5)
    with pytest.raises(HubLookupError, match="No graph version 'v9'"):
        hub.version("v9")
    with pytest.raises(HubLookupError, match="Expected a version id"):
        hub.version("xyz")


def test_delete_removes_rows_and_files_and_refuses_running_runs(tmp_path: Path) -> None:
    hub = _hub_with_runs(tmp_path / "h.sqlite", runs=2)
    keep_bytes(hub.store, 1, "weights", "model.keras", b"weights")
    hub.delete(1)
    assert [r.id for r in hub.runs()] == [2]
    assert hub.store.read("SELECT count(*) FROM metrics WHERE run=1")[0][0] == 0
    assert not (hub.store.artifacts_dir / "1").exists()
    live = RunWriter.start(hub.store, "live", epochs=3)
    with pytest.raises(HubError, match=f"Run {live.run_id} is still running: stop it"):
        hub.delete(live.run_id)
    assert len(hub.runs()) == 2
    live.finish("stopped")
    hub.delete(live.run_id)
    assert [r.id for r in hub.runs()] == [2]


def test_runs_of_dead_processes_become_crashed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    hub = Hub(path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    now = time.time()
    rows = [  # (name, pid, host, heartbeat)
        ("dead-pid", int(dead.stdout), socket.gethostname(), now),
        ("alive-elsewhere", 1, "another-host", now),
        ("stale-elsewhere", 1, "another-host", now - 2 * store_module.STALE_SECONDS),
        ("this-process-no-writer", os.getpid(), socket.gethostname(), now),
    ]
    with hub.store.write() as conn:
        for name, pid, host, beat in rows:
            conn.execute("INSERT INTO runs (name, status, started, heartbeat, pid, host) "
                         "VALUES (?, 'running', ?, ?, ?, ?)", (name, now - 5, beat, pid, host))
    live = RunWriter.start(hub.store, "this-process-live")
    status = {r.name: r.status for r in Hub(path).runs()}
    assert status == {"dead-pid": "crashed", "alive-elsewhere": "running",
                      "stale-elsewhere": "crashed", "this-process-no-writer": "crashed",
                      "this-process-live": "running"}
    crashed = Hub(path).run(1)
    assert "killed or crashed" in crashed.message and crashed.ended is not None
    live.epoch(0, {"loss": 1.0})  # a run wrongly taken for crashed comes back with its beat
    live.finish("complete")


def test_orphaned_temp_files_are_removed_unless_their_writer_lives(tmp_path: Path) -> None:
    hub = _hub_with_runs(tmp_path / "h.sqlite", runs=1)
    folder = hub.store.artifacts_dir / "1"
    folder.mkdir(parents=True)
    orphan = folder / f".model.keras.ab12.{2**22 + 12345}{store_module.TEMP_SUFFIX}"
    mine = folder / f".model.keras.cd34.{os.getpid()}{store_module.TEMP_SUFFIX}"
    orphan.write_bytes(b"half")
    mine.write_bytes(b"in progress")
    Hub(hub.path)
    assert not orphan.exists() and mine.exists()


def test_artifacts_are_written_whole_with_their_hash(tmp_path: Path) -> None:
    hub = _hub_with_runs(tmp_path / "h.sqlite", runs=1)
    target = keep_bytes(hub.store, 1, "weights", "model.keras", b"x" * 1000, {"name": "m"})
    assert target.read_bytes() == b"x" * 1000
    row = hub.store.read("SELECT kind, path, bytes, sha256 FROM artifacts")[0]
    assert row[:3] == ("weights", "1/model.keras", 1000) and len(row[3]) == 64
    assert not list(target.parent.glob(f"*{store_module.TEMP_SUFFIX}"))
    assert hub.run(1).weights


def test_network_filesystem_warns(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "filesystem_type", lambda path: "nfs4")
    with pytest.warns(NetworkFilesystemWarning, match="network file system"):
        Hub(tmp_path / "h.sqlite")
    assert store_module.filesystem_type.__name__  # the real function is restored afterwards


_WRITER = """
import sys
from perceptinb.hub import Hub
hub = Hub(sys.argv[1])
for i in range(25):
    hub.log_run(f"{sys.argv[2]}-{i}", {"i": i}, {"loss": [1.0, 0.5]})
"""


def test_two_processes_write_one_hub_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    Hub(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), tag])
             for tag in ("a", "b")]
    assert [p.wait(120) for p in procs] == [0, 0]
    hub = Hub(path)
    names = sorted(r.name for r in hub.runs())
    assert len(names) == 50 and names[0] == "a-0" and names[-1] == "b-9"
    assert hub.store.read("PRAGMA integrity_check")[0][0] == "ok"
    assert all(len(hub.history(r.id)["loss"]) == 2 for r in hub.runs())
