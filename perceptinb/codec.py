"""Binary arrays on the wire, declared once: a JSON descriptor plus one binary buffer.

An array travels as ``{"buffer": i, "dtype": "float16", "shape": [h, w]}`` inside a message,
its bytes as ``buffers[i]`` of the same message (C order, little-endian), never as JSON lists
or base64. `js/src/codec.ts` is the browser's half; `js/tests/fixtures/codec.json` is
generated from this module (``python js/dev/make_fixtures.py``) and a test fails when the
committed fixtures are stale, so the two halves cannot drift.

Usage::

    buffers: list[bytes] = []
    message = {"thumb": encode(image_uint8, buffers), "hist": encode(counts, buffers)}
    widget.send(message, buffers)          # or return Reply(message, buffers) from an RPC
    array = decode(message["thumb"], buffers)   # validates; raises CodecError naming the field

Importable without widgets or Keras (numpy only).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from perceptinb.errors import PerceptinbError

# The dtypes both halves know. float16 halves the bytes of vectors; uint8 carries pixels.
DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float16", "float32", "float64")
MAX_BYTES = 64 * 2**20  # one array; a bigger one is a bug, not a preview


class CodecError(PerceptinbError, ValueError):
    """An array descriptor does not match its buffer, or names an unknown dtype."""


def encode(array: Any, buffers: list[Any]) -> dict[str, Any]:
    """Appends `array`'s bytes to `buffers` and returns its descriptor.

    Args:
        array: Anything ``np.asarray`` takes, of one of `DTYPES` (bool goes as uint8).
        buffers: The message's buffer list; the descriptor points into it.

    Raises:
        CodecError: the dtype is not one of `DTYPES`.
    """
    data = np.asarray(array)
    if data.dtype == np.bool_:
        data = data.astype(np.uint8)
    name = data.dtype.name
    if name not in DTYPES:
        raise CodecError(f"Expected an array of one of {', '.join(DTYPES)}. Received: {name}.")
    little = np.ascontiguousarray(data, dtype=data.dtype.newbyteorder("<"))
    descriptor = {"buffer": len(buffers), "dtype": name, "shape": [int(d) for d in data.shape]}
    buffers.append(little.tobytes())
    return descriptor


def decode(descriptor: Any, buffers: list[Any], *, name: str = "array") -> np.ndarray:
    """The array a descriptor points to (a read-only view of the buffer when aligned).

    Args:
        descriptor: ``{"buffer", "dtype", "shape"}`` as `encode` made it.
        buffers: The message's buffers (bytes, memoryview or bytearray).
        name: What to call the array in error messages (e.g. ``"params.image"``).

    Raises:
        CodecError: a field is missing or wrong, or the buffer is too small; it names which.
    """
    if not isinstance(descriptor, dict):
        raise CodecError(
            f"Expected {name} to be {{buffer, dtype, shape}}. Received: {descriptor!r:.60}."
        )
    index, dtype, shape = (descriptor.get(k) for k in ("buffer", "dtype", "shape"))
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(buffers):
        raise CodecError(
            f"Expected {name}.buffer to index one of {len(buffers)} buffers. Received: {index!r}."
        )
    if dtype not in DTYPES:
        raise CodecError(
            f"Expected {name}.dtype to be one of {', '.join(DTYPES)}. Received: {dtype!r:.40}."
        )
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise CodecError(
            f"Expected {name}.shape to be a list of sizes >= 0. Received: {shape!r:.60}."
        )
    count = math.prod(shape)
    itemsize = np.dtype(dtype).itemsize
    raw = memoryview(buffers[index]).cast("B")
    if count * itemsize > MAX_BYTES or raw.nbytes != count * itemsize:
        raise CodecError(
            f"Expected {name}'s buffer to hold {count * itemsize} bytes (shape {shape}, "
            f"{dtype}). Received: {raw.nbytes} bytes."
        )
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"), count=count).reshape(shape)
