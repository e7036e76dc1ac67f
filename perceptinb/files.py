"""Saving and loading canvases: the versioned JSON graph format, and ``.keras`` exports.

Writes are atomic: the bytes go to a temporary file in the target's own directory (so the final
rename never crosses a file system), are flushed to disk, and then replace the target in one
``os.replace``. A save that fails at any point leaves the previous file as it was.

Loading validates the whole document (`perceptinb.schema`) and resolves every layer class without
building anything, so a file can never run code: Lambda and unregistered custom layers are refused
unless ``trusted=True``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from perceptinb.errors import GraphError
from perceptinb.graph import Graph

# Far above any real architecture (ResNet50 is about 200 KB of JSON); it keeps a wrong or hostile
# file from being read into memory whole.
MAX_GRAPH_BYTES = 64 * 1024 * 1024
# The browser receives an exported model in one message; past this, save it from Python instead.
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024


def save_graph(graph: Graph, path: str | os.PathLike[str]) -> Path:
    """Write `graph` as versioned JSON to `path`, atomically. Returns the resolved path.

    The architecture and block positions are saved; weights are not (use `export_keras`).

    Raises:
        GraphError: the graph holds a value JSON cannot store (nothing is written).
        OSError: the directory is not writable (the previous file is untouched).
    """
    text = graph.to_json()  # fails before anything touches the disk
    target = Path(path).expanduser()
    write_atomic(target, text.encode("utf-8"))
    return target.resolve()


def load_graph(path: str | os.PathLike[str], *, trusted: bool = False) -> Graph:
    """Read and validate a graph saved by `save_graph`. Never executes code from the file.

    Raises:
        GraphError: the file is not a valid perceptinb graph (the message says where).
        OSError: the file cannot be read.
    """
    source = Path(path).expanduser()
    with open(source, "rb") as handle:
        data = handle.read(MAX_GRAPH_BYTES + 1)
    if len(data) > MAX_GRAPH_BYTES:
        raise GraphError(
            f"{source} is larger than {MAX_GRAPH_BYTES // 2**20} MB: not a perceptinb graph."
        )
    try:
        return Graph.from_json(data, trusted=trusted)
    except RecursionError:
        # json and the schema walk nested values recursively; absurd nesting is a bad file.
        raise GraphError(f"{source}: the JSON is nested too deeply.") from None
    except GraphError as exc:
        raise GraphError(f"{source}: {exc}") from None


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` so that readers see the old or the new file, never a part."""
    directory = target.parent
    temp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    # Created like any new file (0666 less the umask); O_EXCL never follows a planted link.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)  # keep the permissions it had
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def export_keras(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save a ``keras.Model`` (architecture and weights) as a ``.keras`` file, atomically.

    Raises:
        ValueError: `path` does not end in ``.keras``.
    """
    target = Path(path).expanduser()
    if target.suffix != ".keras":
        raise ValueError(f"A Keras model file must end in '.keras'. Received: {str(path)!r}.")
    write_atomic(target, keras_bytes(model))
    return target.resolve()


def keras_bytes(model: Any) -> bytes:
    """The ``.keras`` file of `model` as bytes (Keras writes zip files to paths only)."""
    with tempfile.TemporaryDirectory(prefix="perceptinb-") as tmp:
        file = Path(tmp) / "model.keras"
        model.save(file)
        return file.read_bytes()


def download_name(model_name: str) -> str:
    """A safe file name for a browser download of the model called `model_name`."""
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model_name).strip("._")
    return f"{stem or 'model'}.keras"


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open directories. The new file is
    # already in place, so a file system that refuses this (EINVAL on some) is no failed save.
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
