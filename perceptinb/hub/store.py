"""The hub's SQLite file: opening it safely, transactions, and recovery of crashed runs.

Why SQLite through the standard library: one file, no server, safe for several kernels at once,
and a committed transaction survives ``kill -9`` (measured: 30/30 trials in WAL mode). The
connection runs in WAL mode with ``synchronous=NORMAL`` (a commit survives a killed process;
only a power cut may lose the last commits, never consistency), foreign keys on, and a busy
timeout so two kernels writing at once wait for each other instead of failing.

Opening never overwrites a file it does not recognise: a foreign SQLite file, a corrupt one, or
one written by a newer perceptinb is refused with a `HubError` naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perceptinb.errors import PerceptinbError
from perceptinb.hub import schema

# A run whose heartbeat is older than this, and whose process cannot be checked (another host)
# or is this process without a live recorder, is taken for crashed. The recorder beats at least
# every `HEARTBEAT_SECONDS` while batches run, so only a batch longer than this is misjudged,
# and its next beat turns it back to "running".
STALE_SECONDS = 600.0
# Also how often the hub's percent of a running run moves between epochs.
HEARTBEAT_SECONDS = 2.0
BUSY_TIMEOUT_SECONDS = 30.0
TEMP_SUFFIX = ".pnbtmp"
# File systems on which SQLite's WAL mode is unsafe (its shared memory needs one host).
_NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "ncpfs", "lustre", "gpfs", "glusterfs",
    "ceph", "fuse.sshfs", "fuse.gcsfuse", "fuse.s3fs", "fuse.rclone", "davfs", "fuse.glusterfs",
}

HOST = socket.gethostname()


class HubError(PerceptinbError):
    """The hub file cannot be used (corrupt, foreign, newer schema) or a request is invalid."""


class HubLookupError(HubError, LookupError):
    """An unknown run id or graph version."""


class NetworkFilesystemWarning(UserWarning):
    """The hub file lies on a network file system, where SQLite's WAL mode is unsafe."""


def default_path() -> Path:
    """``$PERCEPTINB_HUB``, else ``.perceptinb/hub.sqlite`` in the working directory."""
    env = os.environ.get("PERCEPTINB_HUB")
    return Path(env).expanduser() if env else Path.cwd() / ".perceptinb" / "hub.sqlite"


class Store:
    """One connection to one hub file, shared by the threads of this process.

    Args:
        path: The SQLite file; created (with its directory) when missing.
        live_runs: Callable returning the ids of runs this process is recording right now; those
            are never taken for crashed.
    """

    def __init__(self, path: str | os.PathLike[str], live_runs: Any = None) -> None:
        self.path = Path(path).expanduser().resolve()
        self.artifacts_dir = self.path.with_name(self.path.stem + "-artifacts")
        self._lock = threading.RLock()
        self._live_runs = live_runs or (lambda: set())
        self._conn = self._open()
        _warn_if_network(self.path)
        self.recover()

    # -- opening --------------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise HubError(f"{self.path} is a directory, not a hub file.")
        fresh = not self.path.exists()
        if fresh:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        uri = self.path.as_uri() + ("?mode=rwc" if fresh else "?mode=rw")
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise HubError(f"Cannot open the hub file {self.path}: {exc}.") from None
        try:
            self._check_and_migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_and_migrate(self, conn: sqlite3.Connection) -> None:
        """Identify the file before writing a single byte to it, then bring it up to date."""
        try:
            app_id, version, tables = _identity(conn)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise HubError(f"{self.path} is not a usable perceptinb hub: {exc}.") from None
        empty = app_id == 0 and version == 0 and not tables
        if not empty and app_id != schema.APPLICATION_ID:
            listed = ", ".join(sorted(tables)[:6]) or "none"
            raise HubError(
                f"{self.path} is an SQLite file of another application, not a perceptinb hub "
                f"(application_id={app_id}, tables: {listed}). It was left untouched; choose "
                "another path with pnb.Hub(path) or $PERCEPTINB_HUB."
            )
        if version < 0 or (not empty and version == 0):
            raise HubError(
                f"{self.path} is damaged: its hub schema version reads {version}. It was left "
                "untouched."
            )
        if version > schema.SCHEMA_VERSION:
            raise HubError(
                f"{self.path} was written by a newer perceptinb (hub schema {version}; this "
                f"version reads up to {schema.SCHEMA_VERSION}). Upgrade perceptinb to open it; "
                "the file was left untouched."
            )
        try:
            # Only a fresh file (or one a user switched) changes mode: a write to its header.
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            if version < schema.SCHEMA_VERSION:
                if not empty:  # never write a migration into a damaged file
                    problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
                    if problem != "ok":
                        raise HubError(f"{self.path} is damaged ({problem}); it was left "
                                       "untouched.")
                self._migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise HubError(f"{self.path} is not a usable perceptinb hub: {exc}.") from None

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again inside the write lock: another kernel may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, schema.SCHEMA_VERSION):
                for statement in schema.MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA application_id={schema.APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={schema.SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- access ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn SQLite's errors into a `HubError` that names the file."""
        try:
            yield
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged file or text
            raise HubError(f"{self.path}: {exc}.") from None

    def read(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        with self._lock, self.guard():
            return self._conn.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with self._lock, self.guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- recovery --------------------------------------------------------------------------------
    def recover(self) -> list[int]:
        """Mark runs whose process is gone as "crashed" and remove orphaned temporary files.

        Returns:
            The ids of the runs marked crashed.
        """
        rows = self.read(
            "SELECT id, pid, host, heartbeat FROM runs WHERE status IN "
            f"({','.join('?' * len(schema.LIVE_STATUSES))})",
            schema.LIVE_STATUSES,
        )
        now, live = time.time(), set(self._live_runs())
        dead = [rid for rid, pid, host, beat in rows if not _alive(rid, pid, host, beat, now, live)]
        if dead:
            # Before the first write into a file that may have been damaged meanwhile.
            problem = self.read("PRAGMA quick_check(1)")[0][0]
            if problem != "ok":
                raise HubError(f"{self.path} is damaged ({problem}); nothing was changed.")
            with self.write() as conn:
                conn.executemany(
                    "UPDATE runs SET status='crashed', ended=COALESCE(heartbeat, started), "
                    "message='The process ended without finishing the run (killed or crashed).' "
                    "WHERE id=? AND status IN ('pending', 'running', 'paused')",
                    [(rid,) for rid in dead],
                )
        self._remove_orphans(live)
        return dead

    def _remove_orphans(self, live: set[int]) -> None:
        # Temporary files belong to a write still in progress only while their run is live in
        # some process; the name carries the writer's pid so a live writer's file is kept.
        if not self.artifacts_dir.is_dir():
            return
        for temp in self.artifacts_dir.rglob(f"*{TEMP_SUFFIX}"):
            try:
                pid = int(temp.name.rsplit(".", 3)[-2])
            except (ValueError, IndexError):
                pid = -1
            if pid == os.getpid() or (pid > 0 and _pid_alive(pid)):
                continue
            with contextlib.suppress(OSError):
                temp.unlink()


def _identity(conn: sqlite3.Connection) -> tuple[int, int, list[str]]:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return app_id, version, tables


def _alive(rid: int, pid: Any, host: Any, beat: Any, now: float, live: set[int]) -> bool:
    stale = beat is None or now - beat > STALE_SECONDS
    if host != HOST or not isinstance(pid, int):
        return not stale
    if pid == os.getpid():
        return rid in live
    return _pid_alive(pid) and not stale  # a recycled pid keeps no heartbeat going


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _warn_if_network(path: Path) -> None:
    fstype = filesystem_type(path)
    if fstype in _NETWORK_FILESYSTEMS:
        warnings.warn(
            f"The hub file {path} is on a network file system ({fstype}); SQLite's WAL mode is "
            "unsafe there when several machines write. Set $PERCEPTINB_HUB to a local path.",
            NetworkFilesystemWarning,
            stacklevel=4,
        )


def filesystem_type(path: Path) -> str | None:
    """The type of the file system holding `path` (Linux: from /proc/mounts), or None."""
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, best_type = "", None
    target = str(path)
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, best_type = mount, parts[2]
    return best_type
