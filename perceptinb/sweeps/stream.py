"""The client end of the metric stream: Dask event topics in, ordered messages out.

`Client.subscribe_topic` calls its handler on the client's IO-loop thread, which must never
block (it also carries results and heartbeats). The handler only stamps the arrival time and
puts the message on a thread-safe queue; one consumer thread hands messages to the sweep in
arrival order, where locks may be taken and the hub written.

Each attempt of a trial numbers its messages (`seq`). The consumer drops repeats and counts
gaps and reorderings, which the benchmark reports (expected: none).
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
_CLOSE = object()

# A Client keeps ONE handler per topic, so two sweeps subscribing to the scheduler's "all" topic
# would replace each other, and the first to finish would unsubscribe both. One fan-out handler
# per (client, topic) serves every inbox instead.
_fan_outs: dict[tuple[int, str], list[Callable[[Any], None]]] = {}
_fan_lock = threading.Lock()


def subscribe(client: Any, topic: str, handler: Callable[[Any], None]) -> None:
    """Add `handler` to `topic` on `client`, beside any other subscriber of ours."""
    key = (id(client), topic)
    with _fan_lock:
        handlers = _fan_outs.get(key)
        if handlers is None:
            handlers = _fan_outs[key] = []

            def fan_out(event: Any, handlers: list[Callable[[Any], None]] = handlers) -> None:
                for each in list(handlers):
                    each(event)

            client.subscribe_topic(topic, fan_out)
        handlers.append(handler)


def unsubscribe(client: Any, topic: str, handler: Callable[[Any], None]) -> None:
    """Remove `handler`; the topic is unsubscribed when no handler of ours is left."""
    key = (id(client), topic)
    with _fan_lock:
        handlers = _fan_outs.get(key, [])
        if handler in handlers:
            handlers.remove(handler)
        if handlers or key not in _fan_outs:
            return
        del _fan_outs[key]
    client.unsubscribe_topic(topic)


def forget_client(client: Any) -> None:
    """Drop every subscription record of `client` (it is closing; its handlers go with it)."""
    with _fan_lock:
        for key in [k for k in _fan_outs if k[0] == id(client)]:
            del _fan_outs[key]


class TopicInbox:
    """Subscribes to Dask event topics and feeds their messages to `deliver` on one thread.

    Args:
        client: The ``distributed.Client``.
        topics: ``{topic: kind}``; `deliver(kind, message, received)` gets each message.
        deliver: Called on the inbox's thread, in arrival order.
    """

    def __init__(
        self, client: Any, topics: dict[str, str], deliver: Callable[[str, Any, float], None]
    ) -> None:
        self._client = client
        self._topics = dict(topics)
        self._deliver = deliver
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._last_seq: dict[str, int] = {}
        self.stats = {"messages": 0, "duplicates": 0, "gaps": 0, "reordered": 0}
        # Seconds from the worker's send to delivery here (bounded: the latest ones).
        self.latencies: collections.deque[float] = collections.deque(maxlen=50_000)
        self._thread = threading.Thread(target=self._consume, name="pnb-sweep-inbox", daemon=True)
        self._thread.start()
        self._handlers = {topic: self._handler(kind) for topic, kind in self._topics.items()}
        for topic, handler in self._handlers.items():
            subscribe(client, topic, handler)

    def _handler(self, kind: str) -> Callable[[Any], None]:
        put = self._queue.put

        def on_event(event: Any) -> None:  # runs on the client's IO loop: enqueue, nothing else
            put((kind, event[1], time.time()))

        return on_event

    def close(self, drain_s: float = 0.0) -> None:
        """Unsubscribe; deliver what already arrived (waiting up to `drain_s`), then stop."""
        for topic, handler in self._handlers.items():
            try:
                unsubscribe(self._client, topic, handler)
            except Exception:  # the client may be closing
                log.debug("unsubscribe %s failed", topic, exc_info=True)
        self._queue.put(_CLOSE)
        self._thread.join(timeout=max(drain_s, 0.1))

    def _consume(self) -> None:
        while True:
            item = self._queue.get()
            if item is _CLOSE:
                return
            kind, message, received = item
            if isinstance(message, dict) and "token" in message and not self._in_order(message):
                continue
            if isinstance(message, dict) and "t" in message:
                self.latencies.append(received - float(message["t"]))
            try:
                self._deliver(kind, message, received)
            except Exception:  # a bug in one update must not end the stream
                log.exception("sweep: handling a %s message failed", kind)

    def _in_order(self, message: dict[str, Any]) -> bool:
        token, seq = message["token"], int(message.get("seq", 0))
        last = self._last_seq.get(token, 0)
        self.stats["messages"] += 1
        if seq <= last:
            self.stats["duplicates" if seq == last else "reordered"] += 1
            return False
        if seq > last + 1:
            self.stats["gaps"] += seq - last - 1
        self._last_seq[token] = seq
        return True
