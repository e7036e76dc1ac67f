"""Keep TensorFlow's C++ start-up log lines out of the notebook.

Loading TensorFlow writes C++ log lines straight to file descriptor 2 ("oneDNN custom operations
are on", "Could not find cuda drivers", and on a machine without a GPU "failed call to cuInit").
A Jupyter kernel forwards that descriptor to the cell, so the first cell that imports Keras shows
them in red, although nothing is wrong. Two levers keep them out:

- ``TF_CPP_MIN_LOG_LEVEL=3`` silences what TensorFlow logs once its logging is set up, the
  cuInit error included (it is logged at ERROR level, so level 2 would still show it).
- The lines logged *before* that ("All log messages before absl::InitializeLog() is called are
  written to STDERR") ignore the variable. While ``tensorflow`` itself is imported, descriptor 2
  goes to a temporary file, and everything in it except those log lines is written back.

Both apply only when the user has not set ``TF_CPP_MIN_LOG_LEVEL`` (any value is respected), and
only if perceptinb is imported before TensorFlow: ``import perceptinb`` first in a notebook.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LEVEL = "3"
# "I0000 00:00:1796043656.822658   26763 port.cc:153] ...", absl's banner, and the second line
# of TensorFlow's CPU-instructions note.
_CPP_LOG_LINE = re.compile(
    rb"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ [\w.\-/]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler)"
)


def quiet_tensorflow_logs() -> None:
    """Unless the user chose a log level: quiet TensorFlow's C++ logs, when it loads later."""
    if LEVEL_VARIABLE in os.environ or "tensorflow" in sys.modules:
        return
    os.environ[LEVEL_VARIABLE] = QUIET_LEVEL
    if not any(isinstance(finder, _QuietImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietImport())


@contextlib.contextmanager
def without_cpp_logs() -> Iterator[None]:
    """Capture file descriptor 2 for the block; write back all but C++ log lines afterwards."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2 (pythonw, some services)
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()  # Python's own writes to fd 2 during the block stay in order
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().splitlines(keepends=True)
            kept = b"".join(line for line in lines if not _CPP_LOG_LINE.match(line))
            if kept:
                os.write(2, kept)


class _QuietImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` once, through the other finders, and loads it `without_cpp_logs`."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once: TensorFlow's own submodules load as usual
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        with without_cpp_logs():
            self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # is_package, get_resource_reader, ...
        return getattr(self._loader, name)
