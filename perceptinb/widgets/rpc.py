"""One wire between a widget's kernel side and its browser side: calls with ids, and pushes.

Every perceptinb widget talks to its front end through this module and `js/src/rpc.ts`:
the browser *calls* a named method and gets exactly one reply (a result or an error), and the
kernel *pushes* updates by topic, in order. Methods live in a handler table (a dict from method
name to handler, filled by the `rpc_method` decorator), never in an if/elif chain.

Usage (kernel side)::

    class Hub(RpcWidget, anywidget.AnyWidget):
        @rpc_method("runs")
        def _runs(self, params: Params, buffers: list[bytes]) -> Any:
            limit = params.optional("limit", int, 100)     # bad type: an error reply naming it
            return {"runs": runs[:limit]}                  # JSON result

        @rpc_method("export")
        def _export(self, params: Params, buffers: list[bytes]) -> Reply:
            return Reply({"size": len(data)}, [data])      # a result with binary buffers

        def _changed(self) -> None:
            self.rpc.push("update", {"version": 3})        # ordered, to every view

Browser side: ``const rpc = new Rpc(model); await rpc.call("runs", {limit: 10})`` and
``rpc.on("update", (data, buffers) => ...)`` (see js/src/rpc.ts). Arrays inside results and
pushes use `perceptinb.codec` (dtype, shape, buffer index).

Wire (anywidget custom messages; binary buffers ride along, never base64):

- browser -> kernel ``{"kind": "rpc", "id": int, "method": str, "params": {...}}``
- kernel -> browser ``{"kind": "rpc_reply", "id", "ok": bool, "result", "error": str | None}``,
  exactly one per call, also for malformed calls (the error names the field; ``id`` is None
  when the call had no usable id). A handler's `PerceptinbError` becomes its message; any
  other exception becomes "Internal error: ..." and is logged. The comm never dies.
- kernel -> browser ``{"kind": "rpc_push", "topic": str, "seq": int, "data"}``; ``seq`` counts
  the pushes of one widget, so the browser can tell that it missed none.

Why not anywidget's ``experimental.invoke`` / ``@anywidget.experimental.command`` (anywidget
0.11, checked): (1) the kernel side has no error path: an unknown name raises KeyError and a
failing command sends no reply, so the browser's promise hangs; (2) it has no kernel-initiated
pushes, and we need pushes and replies on ONE channel so that an edit's update reaches the
browser before the edit's reply (ipywidgets triggers custom messages at once but chains trait
updates through a promise, so a reply sent after a trait change can overtake it); (3) it is
marked experimental. This module is the same idea with those three fixed, in ~150 lines.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from perceptinb.errors import PerceptinbError

log = logging.getLogger(__name__)

CALL, REPLY, PUSH = "rpc", "rpc_reply", "rpc_push"
_MISSING = object()
_HANDLER_ATTR = "_rpc_method_name"

Handler = Callable[[Any, "Params", list[Any]], Any]
Send = Callable[[dict[str, Any], list[Any]], None]


class RpcError(PerceptinbError, ValueError):
    """A call from the browser is malformed or was refused; its message goes back as the error."""


@dataclass
class Reply:
    """A handler's result with binary buffers (arrays, files) attached to the reply."""

    result: Any
    buffers: list[Any] = field(default_factory=list)


def rpc_method(name: str) -> Callable[[Handler], Handler]:
    """Registers a method of an `RpcWidget` subclass as the handler of the call `name`.

    The handler is called as ``handler(self, params, buffers)`` and returns a JSON-able result
    or a `Reply`. It raises `RpcError` (or any `PerceptinbError`) to refuse the call.
    """

    def mark(handler: Handler) -> Handler:
        setattr(handler, _HANDLER_ATTR, name)
        return handler

    return mark


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an int", float: "a number", str: "a string", bool: "a boolean",
             dict: "an object", list: "a list", type(None): "null"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Params:
    """The ``params`` object of one call, with typed access that names the culprit on error."""

    def __init__(self, method: str, values: Mapping[str, Any]) -> None:
        self.method = method
        self.values = dict(values)

    def required(self, name: str, kind: type | tuple[type, ...]) -> Any:
        """``params[name]``, which must be present and of `kind`; else `RpcError`."""
        return self._get(name, kind, _MISSING)

    def optional(self, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        """``params[name]`` if present (it must then be of `kind`), else `default`."""
        return self._get(name, kind, default)

    def _get(self, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if name not in self.values:
            if default is _MISSING:
                raise RpcError(
                    f"Call {self.method!r}: expected params.{name}. Received no such field."
                )
            return default
        value = self.values[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int to Python, never to a JSON schema: True is not a page number.
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise RpcError(
                f"Call {self.method!r}: expected params.{name} to be {_kind_name(kind)}. "
                f"Received: {name}={_short(value)}."
            )
        return value


class Rpc:
    """One endpoint: a handler table and a send function. `receive` is the public entry point
    for messages from the browser; it always answers a call once and never raises."""

    def __init__(self, send: Send, handlers: Mapping[str, Callable[[Params, list[Any]], Any]]):
        self._send = send
        self.handlers = dict(handlers)
        self._seq = 0
        self._seq_lock = threading.Lock()

    def receive(self, content: Any, buffers: list[Any] | None = None) -> None:
        """Handles one message from the browser: a call, answered with one reply."""
        call_id = content.get("id") if isinstance(content, dict) else None
        if not isinstance(call_id, int) or isinstance(call_id, bool):
            call_id = None
        try:
            method, params = self._parse(content)
            result = self.handlers[method](params, list(buffers or []))
        except PerceptinbError as exc:
            self._reply(call_id, ok=False, error=str(exc))
            return
        except Exception as exc:  # a bug in a handler must not kill the comm
            log.exception("perceptinb: RPC call failed: %r", _short(content))
            self._reply(call_id, ok=False, error=f"Internal error: {type(exc).__name__}: {exc}")
            return
        if isinstance(result, Reply):
            self._reply(call_id, ok=True, result=result.result, buffers=result.buffers)
        else:
            self._reply(call_id, ok=True, result=result)

    def push(self, topic: str, data: Any, buffers: list[Any] | None = None) -> int:
        """Sends `data` on `topic` to every view; returns its sequence number."""
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
            message = {"kind": PUSH, "topic": topic, "seq": seq, "data": data}
            self._send(message, list(buffers or []))
        return seq

    def _parse(self, content: Any) -> tuple[str, Params]:
        if not isinstance(content, dict):
            raise RpcError(
                f"Expected a message object {{kind: 'rpc', id, method, params}}. "
                f"Received: {_short(content)}."
            )
        if content.get("kind") != CALL:
            raise RpcError(f"Expected kind='rpc'. Received: kind={_short(content.get('kind'))}.")
        call_id = content.get("id")
        if not isinstance(call_id, int) or isinstance(call_id, bool):
            raise RpcError(f"Expected id to be an int. Received: id={_short(call_id)}.")
        method = content.get("method")
        if not isinstance(method, str) or method not in self.handlers:
            known = ", ".join(sorted(self.handlers))
            raise RpcError(
                f"Unknown method. Expected one of: {known}. Received: method={_short(method)}."
            )
        params = content.get("params", {})
        if not isinstance(params, dict):
            raise RpcError(
                f"Call {method!r}: expected params to be an object. Received: {_short(params)}."
            )
        return method, Params(method, params)

    def _reply(
        self,
        call_id: int | None,
        *,
        ok: bool,
        result: Any = None,
        error: str | None = None,
        buffers: list[Any] | None = None,
    ) -> None:
        message = {"kind": REPLY, "id": call_id, "ok": ok, "result": result, "error": error}
        self._send(message, list(buffers or []))


class RpcWidget:
    """Mixin for ``anywidget.AnyWidget`` subclasses: builds `self.rpc` from the class' handler
    table and routes the widget's custom messages to it. Put it first in the bases."""

    _rpc_table: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table: dict[str, str] = {}
        for base in reversed(cls.__mro__):
            for attr_name, attr in vars(base).items():
                method = getattr(attr, _HANDLER_ATTR, None)
                if isinstance(method, str):
                    table[method] = attr_name
        cls._rpc_table = table

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        handlers = {method: getattr(self, attr) for method, attr in self._rpc_table.items()}
        # Looked up at each send, so a test (or a subclass) may replace `send`.
        self.rpc = Rpc(lambda content, buffers: self.send(content, buffers), handlers)
        self.on_msg(lambda _widget, content, buffers: self.rpc.receive(content, buffers))
