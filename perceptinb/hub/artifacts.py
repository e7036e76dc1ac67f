"""Files the hub keeps for runs (trained weights) or points at (exports).

A kept file is written crash-safely before its row exists: bytes go to a temporary file named
after the writing process, are fsync'ed, renamed into place with ``os.replace``, and only then
is the row inserted. A kill at any moment leaves either no row (and at most a temporary file,
removed by the next `Store.recover` once its writer is gone) or a row whose file is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from perceptinb.files import _fsync_directory
from perceptinb.hub.store import TEMP_SUFFIX, Store


def keep_bytes(
    store: Store, run_id: int, kind: str, name: str, data: bytes,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Store `data` as ``<artifacts>/<run_id>/<name>`` and record it. Returns the file path."""
    directory = store.artifacts_dir / str(run_id)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    temp = directory / f".{name}.{secrets.token_hex(4)}.{os.getpid()}{TEMP_SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    relative = target.relative_to(store.artifacts_dir).as_posix()
    digest = hashlib.sha256(data).hexdigest()
    with store.write() as conn:
        conn.execute("DELETE FROM artifacts WHERE run=? AND path=?", (run_id, relative))
        _insert(conn, run_id, kind, relative, digest, len(data), meta)
    return target


def link_file(
    store: Store, run_id: int | None, kind: str, path: str | os.PathLike[str],
    meta: dict[str, Any] | None = None,
) -> None:
    """Record a file written elsewhere (an export); a directory is hashed file by file."""
    target = Path(path).resolve()
    digest, size = _digest(target)
    with store.write() as conn:
        _insert(conn, run_id, kind, str(target), digest, size, meta)


def resolve(store: Store, relative_or_absolute: str) -> Path:
    path = Path(relative_or_absolute)
    return path if path.is_absolute() else store.artifacts_dir / path


def _insert(
    conn: sqlite3.Connection, run_id: int | None, kind: str, path: str, digest: str, size: int,
    meta: dict[str, Any] | None,
) -> None:
    conn.execute(
        "INSERT INTO artifacts (run, kind, path, sha256, bytes, created, meta) "
        "VALUES (?,?,?,?,?,?,?)",
        (run_id, kind, path, digest, size, time.time(), json.dumps(meta or {}, default=str)),
    )


def _digest(path: Path) -> tuple[str, int]:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    sha, size = hashlib.sha256(), 0
    for file in files:
        if path.is_dir():
            sha.update(file.relative_to(path).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                sha.update(chunk)
                size += len(chunk)
    return sha.hexdigest(), size
