"""Kernel interrupts (Ctrl-C, JupyterLab's ■) during a ``fit`` on the main thread.

The first interrupt asks the run to stop after the current batch, so the model is never left
half-way through an optimizer step; a second one interrupts as usual. Only the main thread can
own a SIGINT handler, so background runs do not install one: there, `Run.wait` turns the
interrupt into a stop instead.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from perceptinb.training.control import Control
from perceptinb.training.notebook import after_cell, in_kernel


class InterruptHandler:
    """Installs and restores the stop-on-first-interrupt SIGINT handler for one run.

    Args:
        control: Receives the stop (with ``interrupted`` set).
        on_cell_end: Inside a kernel, called with the cell's result once the cell that ran
            ``fit`` finished: if ``fit`` raised, its ``on_train_end`` never ran, and this is
            the last chance to say how the run ended.
    """

    def __init__(self, control: Control, on_cell_end: Callable[[Any], None]) -> None:
        self.control = control
        self.on_cell_end = on_cell_end
        self._previous: Any = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        control = self.control
        active = True

        def handler(signum: int, frame: Any) -> None:
            nonlocal active
            if active and not control.stop_requested:
                control.interrupted = True
                control.stop()
                return
            active = False
            signal.signal(signal.SIGINT, previous)
            if callable(previous):
                previous(signum, frame)
            else:
                raise KeyboardInterrupt

        self._previous = previous
        signal.signal(signal.SIGINT, handler)
        if in_kernel():
            after_cell(self._after_cell)

    def restore(self) -> None:
        """Put the previous handler back (idempotent; only the main thread can)."""
        previous, self._previous = self._previous, None
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)

    def _after_cell(self, result: Any) -> None:
        self.restore()
        self.on_cell_end(result)
