"""Saving and loading canvases: atomic writes, validation of hostile files, .keras exports."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import keras
import pytest
from browser_stub import BrowserStub
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models import SMALL_MODELS

import perceptinb as pnb
from perceptinb import files

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def saved_doc() -> bytes:
    graph = pnb.Graph.from_keras(SMALL_MODELS["multi_io_shared_nested"]())
    graph.nodes["concat"].pos = (120.0, 40.5)
    # A class named by module, so corruptions also reach the fields that resolve classes.
    graph.nodes["diff"].module = {"module": "keras.src.layers.merging.subtract"}
    return graph.to_json().encode()


def test_canvas_save_and_load_round_trip(tmp_path: Path) -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"]())
    canvas.apply({"op": "move", "node": "dense", "pos": [300, 120]})
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 7})
    path = canvas.save(tmp_path / "cnn.json")
    assert path == (tmp_path / "cnn.json").resolve()
    loaded = pnb.Canvas.load(path, height=300)
    assert loaded.graph.to_json() == canvas.graph.to_json()
    assert loaded.graph.nodes["dense"].pos == (300.0, 120.0)
    assert loaded.height == 300 and loaded.errors == {}
    assert loaded.model.output_shape == (None, 7)
    assert json.loads(path.read_text())["format"] == "perceptinb.graph"
    assert [p.name for p in tmp_path.iterdir()] == ["cnn.json"]  # no temp file left behind


def test_save_keeps_the_file_permissions(tmp_path: Path) -> None:
    canvas = pnb.Canvas(input_shape=(4,))
    path = tmp_path / "g.json"
    canvas.save(path)
    os.chmod(path, 0o640)
    canvas.save(path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_graph_json_cannot_store_is_refused_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text("previous")
    graph = pnb.Graph([pnb.Node("x", "Dense", {"units": float("nan")})])
    with pytest.raises(pnb.GraphError, match="JSON cannot store"):
        files.save_graph(graph, path)
    assert path.read_text() == "previous" and len(list(tmp_path.iterdir())) == 1


@given(stage=st.sampled_from(["write", "fsync", "replace"]), units=st.integers(1, 10**6))
@FUZZ
def test_a_failed_save_never_destroys_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, units: int
) -> None:
    path = tmp_path / "model.json"
    path.write_text("the previous file")
    graph = pnb.Graph([pnb.Node("d", "Dense", {"units": units})])

    def broken(*args, **kwargs):
        raise OSError(28, f"No space left on device ({stage})")

    with monkeypatch.context() as patch:
        if stage == "write":
            patch.setattr(os, "fdopen", lambda fd, mode: _FailingWriter(fd))
        else:
            patch.setattr(os, stage, broken)
        with pytest.raises(OSError, match="No space left"):
            files.save_graph(graph, path)
    assert path.read_text() == "the previous file"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


class _FailingWriter:
    """A file object whose write fails half-way, like a full disk."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _FailingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        os.write(self.fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device (write)")


def test_save_into_a_missing_directory_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        pnb.Canvas(input_shape=(3,)).save(tmp_path / "missing" / "g.json")


# -- loading hostile files ------------------------------------------------------------------
def _check_load(path: Path) -> None:
    """The contract: a valid graph or a GraphError, never any other exception."""
    try:
        graph = files.load_graph(path)
    except pnb.GraphError as exc:
        assert str(path) in str(exc)
        return
    graph.validate()
    pnb.Graph.from_json(graph.to_json())


@given(data=st.data())
@FUZZ
def test_random_byte_corruptions_load_as_graph_or_graph_error(
    tmp_path: Path, saved_doc: bytes, data: st.DataObject
) -> None:
    raw = bytearray(saved_doc)
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        edit = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]), label="edit")
        at = data.draw(st.integers(0, max(0, len(raw) - 1)), label="at")
        if edit == "flip" and raw:
            raw[at] = data.draw(st.integers(0, 255), label="byte")
        elif edit == "cut":
            del raw[at : at + data.draw(st.integers(1, 40), label="n")]
        elif edit == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=12), label="bytes")
        else:
            del raw[at:]
    path = tmp_path / "corrupt.json"
    path.write_bytes(bytes(raw))
    _check_load(path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["Dense", "Lambda", "InputLayer", "concat", "os", "keras.src.layers"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every path into a document, but not inside layer settings: any JSON is a valid setting
    there (Keras judges settings when the graph is built), so the schema is elsewhere."""
    yield prefix
    if prefix and prefix[-1] == "settings":
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


# Fields of a node entry, down to the ones that name classes, so that a few edits reach each.
NODE_FIELDS = [
    ("id",), ("type",), ("settings",), ("pos",), ("pos", 0), ("shares",), ("call",),
    ("call", "args"), ("call", "kwargs"), ("module",), ("module", "module"),
    ("module", "registered_name"), ("children",), ("children", "nodes"), ("children", "edges"),
]  # fmt: skip


def _node_entries(doc):
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict):
            yield node
            yield from _node_entries(node.get("children"))


@given(data=st.data())
@settings(FUZZ, max_examples=400)
def test_random_structural_corruptions_load_as_graph_or_graph_error(
    tmp_path: Path, saved_doc: bytes, data: st.DataObject
) -> None:
    doc = json.loads(saved_doc)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        if data.draw(st.booleans(), label="node field"):
            parent = data.draw(st.sampled_from(list(_node_entries(doc)) or [doc]), label="node")
            where = data.draw(st.sampled_from(NODE_FIELDS), label="field")
            for step in where[:-1]:
                if not isinstance(parent.get(step), dict):
                    parent[step] = {}
                parent = parent[step]
        else:
            path = data.draw(st.sampled_from([p for p in _paths(doc) if p]), label="path")
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            where = path
        if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
            parent.pop(where[-1], None)
        else:
            parent[where[-1]] = data.draw(json_values, label="value")
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(doc))
    _check_load(path)


@pytest.mark.parametrize(
    "text",
    ["", "null", "[]", "{}", "[" * 100_000, '{"format": "perceptinb.graph"}', "\xff\xfe"],
)
def test_degenerate_files_are_graph_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(pnb.GraphError):
        files.load_graph(path)


def test_oversized_files_are_refused_unread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_GRAPH_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text(" " * 101)
    with pytest.raises(pnb.GraphError, match="larger than"):
        files.load_graph(path)


def test_loading_never_imports_modules_named_in_the_file(tmp_path: Path, saved_doc: bytes) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "pnb_evil_layer.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nimport keras\nclass Evil(keras.layers.Layer): pass\n"
    )
    doc = json.loads(saved_doc)
    doc["nodes"][-1]["type"] = "Evil"
    doc["nodes"][-1]["module"] = {"module": "pnb_evil_layer", "registered_name": None}
    lambda_doc = json.loads(saved_doc)
    lambda_doc["nodes"][-1]["type"] = "Lambda"
    sys.path.insert(0, str(tmp_path))
    try:
        for name, body in [("evil.json", doc), ("lambda.json", lambda_doc)]:
            (tmp_path / name).write_text(json.dumps(body))
            with pytest.raises(pnb.GraphError, match="trusted=True"):
                pnb.Canvas.load(tmp_path / name)
        assert not marker.exists()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("pnb_evil_layer", None)


# -- .keras export ----------------------------------------------------------------------------
def test_export_keras_writes_a_safe_loadable_model(tmp_path: Path) -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"]())
    path = canvas.export_keras(tmp_path / "cnn.keras")
    restored = keras.saving.load_model(path, safe_mode=True)
    assert [layer.name for layer in restored.layers] == [
        layer.name for layer in canvas.model.layers
    ]
    assert restored.count_params() == canvas.model.count_params()
    with pytest.raises(ValueError, match="must end in '.keras'"):
        canvas.export_keras(tmp_path / "cnn.h5")


def test_export_calls_answer_code_file_and_errors() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["sequential_cnn"]())
    browser = BrowserStub(canvas)
    reply, buffers = browser.call("export", format="code")
    assert reply["ok"] and "model = " in reply["result"]["code"] and buffers == []

    reply, buffers = browser.call("export", format="keras")
    result = reply["result"]
    assert reply["ok"] and result["filename"] == "cnn.keras" and result["size"] == len(buffers[0])
    assert zipfile.is_zipfile(__import__("io").BytesIO(buffers[0]))

    reply, buffers = browser.call("export", format="exe")
    assert not reply["ok"] and "Unknown export format" in reply["error"] and buffers == []

    canvas.apply({"op": "set", "node": "pool", "key": "pool_size", "value": [9, 9]})
    reply, buffers = browser.call("export", format="keras")
    assert not reply["ok"] and "pool" in reply["error"] and buffers == []


def test_export_requests_from_the_browser_are_answered_with_a_buffer() -> None:
    canvas = pnb.Canvas(input_shape=(3,), name="tiny model")
    canvas.apply({"op": "add", "type": "Dense", "id": "out"})
    canvas.apply({"op": "connect", "src": "input", "dst": "out"})
    reply, buffers = BrowserStub(canvas).call("export", format="keras")
    assert reply["ok"] and reply["result"]["filename"] == "tiny_model.keras" and len(buffers) == 1
