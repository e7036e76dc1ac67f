"""How a run is shown, without training knowing any widget.

Training sits below the widgets: it records numbers into `RunState` and never imports
`perceptinb.widgets`. The widget layer hands the views in as factories (`Views`): a dashboard
built from ``(state, control)`` and a test view built from ``(task, metrics, title)``. Without
them a run is numbers only, and builds no widget at all.

`LiveView` links one callback to its dashboard: it builds the dashboard the first time it is
needed (shown, or read through ``.dashboard``) and runs one `Publisher` per run, so a dashboard
asked for in the middle of a run catches up, and one asked for after it shows the final state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from perceptinb.training.publisher import Publisher, Update
from perceptinb.training.state import RunState


class DashboardView(Protocol):
    """What the publisher needs from a dashboard."""

    def prepare(self, state: RunState) -> int:
        """Reset for a new run; returns the widget messages that sent."""
        ...

    def updates(self, state: RunState, now: float, final: bool = False) -> list[Update]:
        """The pending changes since the last ones applied."""
        ...


DashboardFactory = Callable[[RunState, Any], DashboardView]
TestViewFactory = Callable[[str, dict[str, Any], str], Any]


@dataclass(frozen=True)
class Views:
    """The widget layer's factories for a run's views (None: that view is not drawn).

    Args:
        dashboard: ``dashboard(state, control)`` returns the live dashboard of a run.
        test: ``test(task, metrics, title)`` returns the view of a `Run.test` result.
    """

    dashboard: DashboardFactory | None = None
    test: TestViewFactory | None = None


NO_VIEWS = Views()


class LiveView:
    """One callback's dashboard, built on first use, and the publisher that keeps it current.

    Args:
        factory: Builds the dashboard from ``(state, control)``; None: numbers only.
        state: The run's `RunState`.
        control: The run's `Control` (the dashboard's buttons call it).
        max_per_second: Cap on widget messages per second during a run.
    """

    def __init__(
        self,
        factory: DashboardFactory | None,
        state: RunState,
        control: Any,
        max_per_second: float,
    ) -> None:
        self.factory = factory
        self.state = state
        self.control = control
        self.max_per_second = max_per_second
        self._lock = threading.RLock()
        self._view: DashboardView | None = None
        self._publisher: Publisher | None = None
        self._phase = "idle"  # "running" between begin_run and end_run, then "ended"
        self._alive: Callable[[], bool] | None = None
        self._on_orphaned: Callable[[], None] | None = None
        self._flushed_seconds = 0.0

    @property
    def built(self) -> bool:
        return self._view is not None

    def get(self) -> DashboardView | None:
        """The dashboard, built now if needed (None without a factory)."""
        with self._lock:
            if self._view is None and self.factory is not None:
                self._view = self.factory(self.state, self.control)
                if self._phase != "idle":
                    self._attach()
            return self._view

    def begin_run(self, alive: Callable[[], bool], on_orphaned: Callable[[], None]) -> None:
        """A run begins (its state is set up): publish to the dashboard if there is one.

        Args:
            alive: False once the training thread is gone without ending the run.
            on_orphaned: Called (on the publisher thread) when that happens.
        """
        with self._lock:
            self._phase = "running"
            self._publisher = None
            self._alive, self._on_orphaned = alive, on_orphaned
            if self._view is not None:
                self._attach()

    def end_run(self) -> None:
        """The run ended: send what is pending, the final status last."""
        with self._lock:
            self._phase = "ended"
            if self._publisher is not None:
                self._publisher.finish()
            elif self._view is not None:
                self._attach()  # built before the run could begin (it failed first)

    def join(self, timeout: float) -> bool:
        """Wait until the dashboard shows the ended run (True), or `timeout` seconds passed."""
        publisher = self._publisher
        return publisher.join_finished(timeout) if publisher is not None else True

    @property
    def busy_seconds(self) -> float:
        publisher = self._publisher
        return self._flushed_seconds + (publisher.busy_seconds if publisher else 0.0)

    @property
    def messages(self) -> int:
        publisher = self._publisher
        return publisher.messages if publisher else 0

    def _attach(self) -> None:
        """Bring the dashboard up to this run (call with the lock held)."""
        view = self._view
        assert view is not None
        if self._phase == "ended" and self._publisher is None:
            # Nothing moves any more: draw the final state at once, on this thread, so whoever
            # asked for the dashboard gets it complete.
            t0 = time.perf_counter()
            view.prepare(self.state)
            for update in sorted(view.updates(self.state, t0, final=True),
                                 key=lambda u: u.priority):
                update.apply()
            self._flushed_seconds += time.perf_counter() - t0
            return
        publisher = Publisher(
            self.state, view, max_per_second=self.max_per_second, alive=self._alive,
            on_orphaned=self._on_orphaned,
        )
        sent = view.prepare(self.state)
        publisher.limiter.record(time.perf_counter(), sent)
        self._publisher = publisher
        publisher.start()
