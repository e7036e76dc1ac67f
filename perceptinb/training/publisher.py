"""The publisher thread: turns run state into widget updates, throttled by time.

Training hooks only record numbers; this thread wakes a few times a second, asks the dashboard
which parts changed, and sends them within a message budget (a sliding one-second window), so
the browser gets at most `max_per_second` messages whatever the batch rate. A part that does not
fit in this tick's budget stays pending and goes first next tick.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass
class Update:
    """One pending change: `cost` widget messages when `apply()` runs."""

    key: str
    cost: int
    apply: Callable[[], None]
    priority: int = 50  # lower goes first


class UpdateSource(Protocol):
    def updates(self, state: Any, now: float, final: bool = False) -> list[Update]: ...


class RateLimiter:
    """At most `max_per_second` messages in any one-second window."""

    def __init__(self, max_per_second: float, window: float = 1.0) -> None:
        if max_per_second < 1:
            raise ValueError(f"max_per_second must be >= 1. Received: {max_per_second}.")
        self.capacity = int(max_per_second * window)
        self.window = window
        self._sent: collections.deque[float] = collections.deque()

    def allowance(self, now: float) -> int:
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        return self.capacity - len(self._sent)

    def record(self, now: float, count: int) -> None:
        self._sent.extend([now] * count)


class Publisher(threading.Thread):
    """Sends dashboard updates for one run until `finish()` and everything pending is sent.

    Args:
        state: The run's `RunState`.
        source: Produces the pending `Update`s (the dashboard).
        max_per_second: Message cap.
        interval: Seconds between ticks.
        alive: Returns False once the training thread is gone (then we flush and stop).
        on_orphaned: Called once when that happens before the run ended.
    """

    def __init__(
        self,
        state: Any,
        source: UpdateSource,
        *,
        max_per_second: float = 10.0,
        interval: float = 0.25,
        alive: Callable[[], bool] | None = None,
        on_orphaned: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="perceptinb-publisher", daemon=True)
        self.state = state
        self.source = source
        self.limiter = RateLimiter(max_per_second)
        self.interval = interval
        self.alive = alive or (lambda: True)
        self.on_orphaned = on_orphaned
        self.busy_seconds = 0.0
        self.messages = 0
        self._deferred: dict[str, int] = {}
        self._finishing = threading.Event()
        self._finished = threading.Event()

    def finish(self) -> None:
        """Flush what is pending, then end the thread (returns at once)."""
        self._finishing.set()

    def join_finished(self, timeout: float) -> bool:
        return self._finished.wait(timeout)

    def run(self) -> None:
        try:
            while True:
                finishing = self._finishing.is_set()
                t0 = time.perf_counter()
                pending = self._tick(t0, final=finishing)
                self.busy_seconds += time.perf_counter() - t0
                if finishing and not pending:
                    break
                if not finishing and not self.alive():
                    if self.on_orphaned is not None:
                        self.on_orphaned()
                    self._finishing.set()
                    continue
                self._finishing.wait(self.interval) if not finishing else time.sleep(0.05)
        except Exception:  # a broken widget must not take the kernel's thread list with it
            log.exception("perceptinb: the dashboard publisher stopped")
        finally:
            self._finished.set()

    def _tick(self, now: float, final: bool = False) -> bool:
        """Send what fits in the budget; True if something is still pending."""
        updates = self.source.updates(self.state, now, final)
        if not updates:
            return False
        updates.sort(key=lambda u: (-self._deferred.get(u.key, 0), u.priority))
        pending = False
        for update in updates:
            allowance = self.limiter.allowance(time.perf_counter())
            # An update larger than the whole budget goes alone, into an empty window.
            fits = update.cost <= allowance or allowance == self.limiter.capacity
            if not fits:
                # Wait for room rather than let smaller updates overtake it forever: the
                # deferred update sorts first next tick, so everything gets its turn.
                self._deferred[update.key] = self._deferred.get(update.key, 0) + 1
                pending = True
                break
            update.apply()
            self._deferred.pop(update.key, None)
            self.limiter.record(time.perf_counter(), update.cost)
            self.messages += update.cost
        return pending
