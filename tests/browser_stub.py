"""A stand-in for a widget's front end in kernel-side tests: it talks through the public RPC
entry point (`widget.rpc.receive`), as the browser's js/src/rpc.ts does, and records what the
kernel sends back."""

from __future__ import annotations

import itertools
from typing import Any


class BrowserStub:
    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []
        self._ids = itertools.count(1)
        widget.send = lambda content, buffers=None: self.sent.append((content, list(buffers or [])))

    def call(self, method: str, **params: Any) -> tuple[dict[str, Any], list[Any]]:
        """Calls `method`; returns its one reply and the reply's buffers."""
        return self.deliver({"kind": "rpc", "id": next(self._ids), "method": method,
                             "params": params})

    def deliver(self, content: Any, buffers: list[Any] | None = None) -> tuple[dict, list]:
        """Delivers any message as the browser would; returns the one reply it got."""
        before = len(self.sent)
        self.widget.rpc.receive(content, buffers or [])
        replies = [m for m in self.sent[before:] if m[0]["kind"] == "rpc_reply"]
        assert len(replies) == 1, self.sent[before:]
        return replies[0]

    def pushes(self, topic: str = "update") -> list[tuple[dict[str, Any], list[Any]]]:
        """The pushes on `topic` so far, as (data, buffers), oldest first."""
        return [(m["data"], b) for m, b in self.sent
                if m["kind"] == "rpc_push" and m["topic"] == topic]
