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
from typing import Any

import numpy as np

from perceptinb import codec

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


def _message(content: Any, buffers: list[Any]) -> dict[str, Any]:
    return {
        "content": content,
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


def fixtures() -> dict[str, str]:
    """File name -> text of every fixture file."""
    files = {"codec.json": {"cases": codec_cases()}}
    return {name: json.dumps(data, indent=1, sort_keys=True) + "\n" for name, data in files.items()}


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, text in fixtures().items():
        (FIXTURES / name).write_text(text)
        print(f"wrote {FIXTURES / name}")


if __name__ == "__main__":
    main()
