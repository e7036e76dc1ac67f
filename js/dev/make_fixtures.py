"""Writes the JS test fixtures from the Python side of the wire, so the two cannot drift.

Run from the repository root: ``python js/dev/make_fixtures.py``. tests/test_codec.py fails when
the committed files under js/tests/fixtures/ differ from what this script makes now.

Buffers are base64 inside the fixture files only (JSON has no bytes); on the real wire they
travel as binary comm buffers.
"""

from __future__ import annotations

import base64
import json
import math
import pathlib
import sys
from typing import Any

import numpy as np

from perceptinb import codec
from perceptinb.catalog import CATEGORIES, palette_entries
from perceptinb.graph import Graph, Node
from perceptinb.preview.channel import detail_message, previews_message
from perceptinb.preview.samples_strip import SampleRows
from perceptinb.preview.summarize import failed, histogram, summarize

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from kernel_fixture import kernel_fixture  # noqa: E402  (a sibling file, not a package)

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def _json_number(value: float | int) -> Any:
    """JSON has no NaN, Inf or -0: spell them as strings the JS test maps back."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == 0 and math.copysign(1, value) < 0:
            return "-0"
    return value


def _stable(value: Any) -> Any:
    """Floats to 6 significant digits: a BLAS sum may differ in its last bit between machines,
    and the staleness test must not fail for that."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    return value


def _message(content: Any, buffers: list[Any]) -> dict[str, Any]:
    return {
        "content": _stable(content),
        "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers],
    }


def codec_cases() -> list[dict[str, Any]]:
    arrays = {
        "uint8 image": np.arange(0, 256, 43, dtype=np.uint8).reshape(2, 3),
        "int8 signs": np.array([-128, -1, 0, 1, 127], np.int8),
        "uint16 extremes": np.array([0, 1, 65535], np.uint16),
        "int16 extremes": np.array([[-32768, 32767]], np.int16),
        "uint32 extremes": np.array([0, 4294967295], np.uint32),
        "int32 tokens": np.array([101, 7, 0, -5, 2147483647], np.int32),
        "float16 specials": np.array(
            [0.0, -0.0, 1.0, -2.0, 0.5, 65504.0, 2.0**-24, 2.0**-14, 1 / 3, np.inf, -np.inf,
             np.nan], np.float16),
        "float32 matrix": np.array([[1.5, -2.25, np.nan], [np.inf, 3.0e-38, 1e30]], np.float32),
        "float64 precise": np.array([math.pi, -1e-300, 1e300], np.float64),
        "empty": np.zeros((0, 4), np.float32),
        "scalar": np.array(7, np.int32),
        "bool as uint8": np.array([True, False, True]),
    }
    cases = []
    for name, array in arrays.items():
        buffers: list[Any] = []
        descriptor = codec.encode(array, buffers)
        values = np.asarray(array, dtype=np.float64 if array.dtype.kind == "f" else np.int64)
        cases.append({
            "name": name,
            **_message(descriptor, buffers),
            "values": [_json_number(v) for v in values.reshape(-1).tolist()],
        })
    return cases


def _activations() -> dict[str, np.ndarray]:
    """Deterministic layer outputs (batch of one) whose previews cover every kind. Only exact
    IEEE arithmetic (no sin, no BLAS), so the pixels are the same on every machine."""
    y, x = np.mgrid[0:16, 0:16].astype(np.float32)
    ramp = (x + 2 * y) / np.float32(46.0)
    vector = ((np.arange(300, dtype=np.float32) * 37) % 101 - 50) / np.float32(25.0)
    with_nan = vector[:20].copy()
    with_nan[3] = np.nan
    return {
        "image": ramp[None, :, :, None],
        "rgb": np.stack([ramp, 1 - ramp, ramp * 0.5], -1)[None],
        "conv": np.stack([(x * c + y) % 7 / np.float32(6.0) for c in range(20)], -1)[None],
        "sequence": np.outer(np.arange(40), np.arange(3)).astype(np.float32)[None],
        "dense": np.maximum(vector[:10], 0)[None],
        "flatten": vector[None],
        "log": with_nan[None],
        "tokens": (np.arange(12, dtype=np.int32) * 7)[None],
    }


def previews_fixture() -> dict[str, Any]:
    """A previews payload with one item of every kind, and one inspector detail."""
    previews = {name: summarize(a) for name, a in _activations().items()}
    previews["reshape"] = failed((7, 7), "cannot reshape array of size 6400 into shape (7, 7)")
    buffers: list[Any] = []
    payload = previews_message(previews, ["gone"], True, False, buffers)
    dense = _activations()["dense"]
    detail_buffers: list[Any] = []
    detail = detail_message(
        "dense", summarize(dense, detail=True), histogram(dense),
        summarize(np.array([[3, 1, 4]], np.int32), detail=True), detail_buffers,
    )
    return {
        "previews": _message({"version": 3, **payload}, buffers),
        "detail": _message({"version": 3, "detail": detail}, detail_buffers),
    }


def text_fixture() -> dict[str, Any]:
    """Previews of a text input (words as `labels`, one with markup that must stay text) and of
    integer token ids (no labels), as the kernel sends them."""
    previews = {
        "text": summarize(np.array([["the <b>cat</b> sat & ran"]])),
        "ids": summarize(np.array([[101, 7, 2048, 0]], np.int32)),
    }
    buffers: list[Any] = []
    payload = previews_message(previews, [], True, False, buffers)
    return {"previews": _message({"version": 1, **payload}, buffers)}


def samples_fixture() -> dict[str, Any]:
    """The reply of the ``samples`` call for three 4x4 gray images with labels and for two
    table rows (see perceptinb/preview/samples_strip.py)."""
    images = np.zeros((3, 4, 4, 1), np.float32)
    for k in range(3):
        images[k, k, :, 0] = 1.0  # a bright bar at row k
    image_graph = Graph([Node("image", "InputLayer", {"batch_shape": [None, 4, 4, 1]})])
    table_graph = Graph([Node("row", "InputLayer", {"batch_shape": [None, 3]})])
    out: dict[str, Any] = {}
    for name, rows in {
        "images": SampleRows(images, np.array([7, 1, 4]), image_graph),
        "table": SampleRows(np.array([[5.1, 3.5, 1.4], [4.9, 3.0, 1.25]]), None, table_graph),
    }.items():
        buffers: list[Any] = []
        items = rows.items(buffers)
        out[name] = _message({"index": 0, "total": rows.count, "items": items}, buffers)
    return out


# The palette the JS tests and the dev harness use: a few layers of every category, as the
# kernel's `palette` trait lists them (category and order from perceptinb.catalog), not the
# whole Keras list, so a Keras release that adds a layer does not make the fixture stale.
PALETTE_TYPES = frozenset({
    "InputLayer", "Dense", "EinsumDense", "Embedding", "Identity",
    "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
    "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "Dropout", "SpatialDropout2D", "GaussianNoise",
    "Activation", "ReLU", "Softmax", "LeakyReLU",
    "LSTM", "GRU", "SimpleRNN", "Bidirectional", "MultiHeadAttention", "Attention",
    "Flatten", "Reshape", "Permute", "ZeroPadding2D", "UpSampling2D",
    "Add", "Concatenate", "Multiply", "Average", "Rescaling", "Normalization", "RandomFlip",
})


def palette_fixture() -> dict[str, Any]:
    """`entries`: the palette trait's entries for `PALETTE_TYPES`; `categories`: every category
    in the kernel's display order."""
    entries = [e for e in palette_entries() if e["type"] in PALETTE_TYPES]
    missing = PALETTE_TYPES - {e["type"] for e in entries}
    if missing:
        raise ValueError(
            f"Expected every PALETTE_TYPES layer in the palette. Missing: {sorted(missing)}"
        )
    return {"categories": list(CATEGORIES), "entries": entries}


def fixtures() -> dict[str, str]:
    """File name -> text of every fixture file."""
    files = {
        "codec.json": {"cases": codec_cases()},
        "kernel.json": kernel_fixture(_message),
        "palette.json": palette_fixture(),
        "previews.json": previews_fixture(),
        "samples.json": samples_fixture(),
        "text.json": text_fixture(),
    }
    return {name: json.dumps(data, indent=1, sort_keys=True) + "\n" for name, data in files.items()}


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, text in fixtures().items():
        (FIXTURES / name).write_text(text)
        print(f"wrote {FIXTURES / name}")


if __name__ == "__main__":
    main()
