"""The previews the fake kernel (js/dev/fake-previews.mjs) serves, made by the Python side.

The fake kernel of the JS tests and the dev harness must not encode previews itself (it did, with
its own float16 and uint8 code, which could drift from `perceptinb.preview`). Instead it looks
each block up here: what `summarize` and the channel's `previews_message` / `detail_message` make
of a deterministic activation of that block's shape.

Keys are ``"<node id>@<dims>"`` (``"conv2d@6x6x16"``) for the blocks of the fake kernel's sample
graphs (`digits()` and `sequence()` in fake-previews.mjs, same ids and shapes), and
``"*@<kind>"`` templates for any other block (the harness' ResNet50, 800-block graph...), picked
by the shape's rank, channels and, for feature maps, size. make_fixtures.py writes it into
tests/fixtures/kernel.json.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from perceptinb.preview.channel import detail_message
from perceptinb.preview.summarize import failed, histogram, summarize

Message = Callable[[Any, list[Any]], dict[str, Any]]  # (content, buffers) -> fixture message

# A handwritten-looking 3 in scikit-learn digits' 8x8, 0..16 format (the digits sample's input).
DIGIT = np.array([
    0, 2, 13, 16, 16, 11, 1, 0, 0, 6, 12, 4, 6, 16, 5, 0, 0, 0, 0, 0, 8, 15, 2, 0, 0, 0, 3, 14, 16,
    7, 0, 0, 0, 0, 1, 7, 11, 16, 4, 0, 0, 0, 0, 0, 2, 16, 8, 0, 0, 3, 9, 6, 12, 15, 3, 0, 0, 2, 14,
    16, 13, 4, 0, 0,
], np.float32).reshape(8, 8, 1) / np.float32(16)

RESHAPE_ERROR = ("cannot reshape array of size 6400 into shape (7, 7). Expected 49 values. "
                 "Received: 6400")


# Only exact IEEE arithmetic (no sin, no BLAS): the same bytes on every machine, so the fixture
# staleness test cannot fail for a rounding difference.
def _maps(h: int, w: int, c: int) -> np.ndarray:
    """Feature maps, relu-like (dead units are zeros), a different pattern per channel."""
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    v = ((x * (ch % 5 + 1) + y * (ch % 3 + 2) + ch) % 9).astype(np.float32) / np.float32(8)
    return np.maximum(v - np.float32(0.25), np.float32(0))


def _image(h: int, w: int, c: int) -> np.ndarray:
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return ((x * (ch + 1) + 2 * y) % (h + w)).astype(np.float32) / np.float32(h + w)


def _sequence(t: int, d: int) -> np.ndarray:
    step, feature = np.meshgrid(np.arange(t), np.arange(d), indexing="ij")
    return ((step * (feature + 3)) % 11).astype(np.float32) / np.float32(10)


def _vector(n: int, relu: bool = False) -> np.ndarray:
    v = ((np.arange(n, dtype=np.float32) * 37) % 101 - 50) / np.float32(25)
    return np.maximum(v, np.float32(0)) if relu else v


def _probabilities(n: int) -> np.ndarray:
    weights = (np.arange(n) * 5 % 7 + 1).astype(np.float32)
    return weights / weights.sum()


def _with_nan(n: int) -> np.ndarray:
    v = _vector(n)
    v[v < np.float32(-1.2)] = np.nan  # a log of negatives
    return v


def _tokens(n: int, padding: int) -> np.ndarray:
    ids = (np.arange(n, dtype=np.int64) * 7919 % 9000 + 2).astype(np.int32)
    ids[n - padding:] = 0
    return ids


def _one_hot(n: int, hot: int) -> np.ndarray:
    return (np.arange(n) == hot % n).astype(np.float32)


# key -> (activation without the batch axis, target for an output block, or None).
# Blocks of fake-previews.mjs' `digits()` and `sequence()`, and "conv2d@6x6x80" for paging.
SAMPLE_BLOCKS: dict[str, tuple[np.ndarray, np.ndarray | None]] = {
    "input_layer@8x8x1": (DIGIT, None),
    "conv2d@6x6x16": (_maps(6, 6, 16), None),
    "conv2d@6x6x80": (_maps(6, 6, 80), None),
    "max_pooling2d@3x3x16": (_maps(3, 3, 16), None),
    "flatten@144": (_vector(144, relu=True), None),
    "dense@64": (_vector(64, relu=True), None),
    "dropout@64": (_vector(64, relu=True), None),
    "dense_1@10": (_probabilities(10), _one_hot(10, 3)),
    "tokens@200": (_tokens(200, 40), None),
    "embedding@200x16": (_sequence(200, 16), None),
    "lstm@200x32": (_sequence(200, 32), None),
    "pool@32": (_vector(32), None),
    "dense@128": (_vector(128, relu=True), None),
    "log@128": (_with_nan(128), None),
    "classes@4": (_probabilities(4), _one_hot(4, 3)),
}
# Blocks that fail on the sample: the thumbnail is the error, the inspector has no output.
FAILED_BLOCKS = {"reshape@7x7": ((7, 7), RESHAPE_ERROR)}
# One per kind, sized like real layers so the harness' payloads weigh what real ones do.
TEMPLATES: dict[str, np.ndarray] = {
    "*@gray": _image(32, 32, 1),
    "*@rgb": _image(64, 64, 3),
    # Feature maps by size: a thumbnail tile is at most 24 px, so smaller maps weigh less.
    "*@grid": _maps(24, 24, 48),
    "*@grid14": _maps(14, 14, 48),
    "*@grid7": _maps(7, 7, 48),
    "*@heatmap": _sequence(100, 16),
    "*@bars": _probabilities(16),
    "*@line": _vector(512, relu=True),
    "*@tokens": _tokens(64, 8),
}


def _wire(message: Message, build: Callable[[list[Any]], Any]) -> dict[str, Any]:
    buffers: list[Any] = []
    content = build(buffers)
    return message(content, buffers)


def _entry(activation: np.ndarray, target: np.ndarray | None, message: Message) -> dict[str, Any]:
    batch = activation[None]
    preview = summarize(batch)
    counts = histogram(batch)
    target_item = summarize(target[None], detail=True) if target is not None else None
    first = summarize(batch, detail=True)
    pages = first.grid["pages"] if first.grid else 1  # the inspector's pages, not the thumbnail's
    details = []
    for page in range(pages):
        item = summarize(batch, detail=True, page=page)
        details.append(_wire(message, lambda buffers, item=item: {
            "detail": detail_message("x", item, counts, target_item, buffers)}))
    return {"preview": _wire(message, lambda buffers: preview.to_message("x", buffers)),
            "details": details}


def kernel_fixture(message: Message) -> dict[str, Any]:
    """`previews`: key -> ``{preview, details}``: `preview` is one wire item (node ``"x"``),
    `details` the answer to each inspector page (``[null]``: the block has no output).

    Args:
        message: Turns ``(content, buffers)`` into a fixture message (make_fixtures.py).
    """
    previews: dict[str, Any] = {}
    for key, (activation, target) in SAMPLE_BLOCKS.items():
        previews[key] = _entry(activation, target, message)
    for key, (shape, error) in FAILED_BLOCKS.items():
        preview = failed(shape, error)
        wire = _wire(message, lambda buffers, p=preview: p.to_message("x", buffers))
        previews[key] = {"preview": wire, "details": [None]}
    for key, activation in TEMPLATES.items():
        previews[key] = _entry(activation, None, message)
    return {"previews": previews}
