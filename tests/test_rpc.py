"""The one wire between widgets and the browser: calls, replies, pushes, malformed input."""

from __future__ import annotations

from typing import Any

import anywidget
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perceptinb.errors import CommandError
from perceptinb.widgets.rpc import Params, Reply, RpcError, RpcWidget, rpc_method


class Echo(RpcWidget, anywidget.AnyWidget):
    _esm = "export default { render() {} };"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []
        self.send = lambda content, buffers=None: self.sent.append((content, buffers or []))  # type: ignore[method-assign]

    @rpc_method("echo")
    def _echo(self, params: Params, buffers: list[Any]) -> Any:
        text = params.required("text", str)
        times = params.optional("times", int, 1)
        return {"text": text * times, "buffers": len(buffers)}

    @rpc_method("blob")
    def _blob(self, params: Params, buffers: list[Any]) -> Reply:
        return Reply({"size": 3}, [b"abc"])

    @rpc_method("refuse")
    def _refuse(self, params: Params, buffers: list[Any]) -> Any:
        raise CommandError("Expected nothing. Received: a refusal.")

    @rpc_method("crash")
    def _crash(self, params: Params, buffers: list[Any]) -> Any:
        return 1 / 0


class Child(Echo):
    @rpc_method("child")
    def _child(self, params: Params, buffers: list[Any]) -> Any:
        return "child"


def call(widget: Echo, content: Any, buffers: list[Any] | None = None) -> tuple[dict, list]:
    """Deliver `content` through the public entry point; return the one reply."""
    before = len(widget.sent)
    widget.rpc.receive(content, buffers or [])
    replies = [m for m in widget.sent[before:] if m[0]["kind"] == "rpc_reply"]
    assert len(replies) == 1, widget.sent[before:]
    return replies[0]


def test_a_call_gets_its_result_with_its_id() -> None:
    w = Echo()
    reply, buffers = call(w, {"kind": "rpc", "id": 7, "method": "echo",
                              "params": {"text": "ab", "times": 2}}, [b"x"])
    assert reply == {"kind": "rpc_reply", "id": 7, "ok": True,
                     "result": {"text": "abab", "buffers": 1}, "error": None}
    assert buffers == []


def test_results_carry_buffers_and_the_table_is_inherited() -> None:
    w = Child()
    reply, buffers = call(w, {"kind": "rpc", "id": 1, "method": "blob", "params": {}})
    assert reply["result"] == {"size": 3} and buffers == [b"abc"]
    assert call(w, {"kind": "rpc", "id": 2, "method": "child"})[0]["result"] == "child"
    assert set(w.rpc.handlers) == {"echo", "blob", "refuse", "crash", "child"}
    assert "child" not in Echo().rpc.handlers


@pytest.mark.parametrize(
    ("content", "culprit"),
    [
        ("garbage", "Expected a message object"),
        ({"kind": "command", "id": 1}, "Expected kind='rpc'. Received: kind='command'"),
        ({"kind": "rpc", "id": "1", "method": "echo"}, "Expected id to be an int"),
        ({"kind": "rpc", "id": True, "method": "echo"}, "Expected id to be an int"),
        ({"kind": "rpc", "id": 1, "method": "nope"}, "Expected one of: blob, crash, echo"),
        ({"kind": "rpc", "id": 1, "method": "echo", "params": [1]}, "expected params to be"),
        ({"kind": "rpc", "id": 1, "method": "echo", "params": {}}, "expected params.text"),
        ({"kind": "rpc", "id": 1, "method": "echo", "params": {"text": 3}},
         "expected params.text to be a string. Received: text=3"),
        ({"kind": "rpc", "id": 1, "method": "echo", "params": {"text": "a", "times": True}},
         "expected params.times to be an int. Received: times=True"),
        ({"kind": "rpc", "id": 1, "method": "refuse"}, "Expected nothing. Received: a refusal."),
        ({"kind": "rpc", "id": 1, "method": "crash"}, "Internal error: ZeroDivisionError"),
    ],
)
def test_malformed_or_failing_calls_get_an_error_naming_the_field(content, culprit) -> None:
    w = Echo()
    reply, _ = call(w, content)
    assert reply["ok"] is False and culprit in reply["error"]
    assert reply["id"] == (content.get("id") if isinstance(content, dict)
                           and type(content.get("id")) is int else None)
    # The endpoint still works after it.
    assert call(w, {"kind": "rpc", "id": 2, "method": "echo", "params": {"text": "x"}})[0]["ok"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(content=json_values | st.fixed_dictionaries(
    {"kind": st.sampled_from(["rpc", "x"]), "id": json_values, "method": st.sampled_from(
        ["echo", "blob", "refuse", "crash", "nope"]) | json_values, "params": json_values}))
def test_any_message_gets_exactly_one_reply_and_never_raises(content) -> None:
    w = Echo()
    reply, _ = call(w, content)
    assert reply["ok"] in (True, False)
    assert reply["ok"] or (isinstance(reply["error"], str) and reply["error"])


def test_pushes_are_numbered_in_order() -> None:
    w = Echo()
    assert [w.rpc.push("update", {"v": i}, [b"z"] if i else None) for i in range(3)] == [1, 2, 3]
    pushes = [m for m in w.sent if m[0]["kind"] == "rpc_push"]
    assert [(m[0]["seq"], m[0]["topic"], m[0]["data"]) for m in pushes] == [
        (1, "update", {"v": 0}), (2, "update", {"v": 1}), (3, "update", {"v": 2})]
    assert pushes[1][1] == [b"z"]


def test_params_accept_ints_for_numbers() -> None:
    params = Params("m", {"x": 3, "y": 2.5})
    assert params.required("x", float) == 3 and params.required("y", float) == 2.5
    with pytest.raises(RpcError, match="expected params.z"):
        params.required("z", float)
