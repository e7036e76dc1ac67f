"""Stop and pause requests: made from any thread, honoured by the training thread between
batches (a batch is never torn in the middle)."""

from __future__ import annotations

import threading

from perceptinb.training import state as st
from perceptinb.training.state import RunState


class Control:
    """Stop / pause requests from any thread (buttons, `Run.stop`, a kernel interrupt)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self.interrupted = False  # the stop came from a kernel interrupt (Ctrl-C, ■)

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()  # a paused run wakes up to stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        return not self._resume.is_set()

    def wait_resumed(self, timeout: float) -> bool:
        return self._resume.wait(timeout)

    def reset(self) -> None:
        self._stop.clear()
        self._resume.set()
        self.interrupted = False


def hold_while_paused(state: RunState, control: Control) -> None:
    """On the training thread: stay "paused" until resumed or stopped, then run on.

    A stop while paused resumes the run first; it then ends "stopped" at the end of training,
    like any stop.
    """
    state.transition(st.PAUSED)
    while control.pause_requested and not control.stop_requested:
        control.wait_resumed(0.1)
    with state.lock:
        if state.status == st.PAUSED:  # unless the run failed meanwhile (its thread vanished)
            state.transition(st.RUNNING)
