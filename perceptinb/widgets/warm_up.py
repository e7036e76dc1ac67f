"""A new canvas' slow start, off the cell's thread: first paint first, previews after.

`pnb.Canvas(model)` returns as soon as the graph can be drawn (from the shapes an imported model
already has). Once a view has drawn it and asks for the rest (or Python asks for something that
needs it), a background thread builds the canvas' own layers and computes the previews in short
batches, in topological order, each batch pushed to the browser as it finishes. Starting only
then keeps the thread from competing with the first paint for the interpreter.

Why a thread: in Jupyter a busy cell blocks comm message handling, so work done in the cell
would hold back the first paint. Every step runs under the canvas' lock, and the lock is let
go between batches, so an edit or a new sample that arrives mid-stream goes first; the stream
then goes on from the new state (its previews carry later versions, so no stale thumbnail can
land after a newer one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# A batch of previews is pushed about this often while they stream in.
BATCH_SECONDS = 0.08


class WarmUp:
    """Runs `rebuild` once, then `step` until it reports the previews complete.

    Args:
        lock: The canvas' lock, held for each step.
        rebuild: Builds the canvas' own layers, taking the lock itself only to adopt them
            (None: nothing to build).
        step: Computes previews until the `time.perf_counter` deadline it gets (None: all of
            them) and publishes them; returns whether every preview is done.
    """

    def __init__(
        self,
        lock: Any,
        rebuild: Callable[[], None] | None,
        step: Callable[[float | None], bool],
    ) -> None:
        self._lock = lock
        self._rebuild = rebuild
        self._step = step
        self.ready = threading.Event()  # the canvas' own layers exist
        if rebuild is None:
            self.ready.set()
        self.done = threading.Event()  # and every preview is computed
        self._thread = threading.Thread(target=self._run, name="perceptinb-canvas", daemon=True)
        self._started = False
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Starts the thread (once; later calls do nothing)."""
        with self._start_lock:
            if not self._started:
                self._started = True
                self._thread.start()

    def wait_ready(self) -> None:
        """Block until the canvas' own layers exist (starting the work if needed)."""
        self.start()
        self.ready.wait()

    def finish(self) -> None:
        """Block until the layers are built, then compute the previews left, here and now
        (scripts and tests keep the synchronous contract)."""
        self.wait_ready()
        if self.done.is_set():
            return
        with self._lock:
            if not self.done.is_set() and self._step(None):
                self.done.set()

    def _run(self) -> None:
        try:
            if self._rebuild is not None:
                self._rebuild()
        except Exception:  # never leave waiters hanging; the error shows on the blocks
            log.exception("perceptinb: building the canvas' layers failed")
        finally:
            self.ready.set()
        try:
            while not self.done.is_set():
                with self._lock:
                    if not self.done.is_set() and self._step(time.perf_counter() + BATCH_SECONDS):
                        self.done.set()
                time.sleep(0.001)  # let a waiting edit or call take the lock
        except Exception:
            log.exception("perceptinb: computing the previews failed")
            self.done.set()
