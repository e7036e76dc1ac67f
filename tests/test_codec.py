"""Binary arrays on the wire: one codec, and JS fixtures that cannot go stale."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from perceptinb import codec

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _fixture_maker():
    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "js/dev/make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_js_fixtures_are_current() -> None:
    maker = _fixture_maker()
    for name, text in maker.fixtures().items():
        committed = (maker.FIXTURES / name).read_text()
        assert committed == text, (
            f"js/tests/fixtures/{name} is stale: "
            "run `python js/dev/make_fixtures.py` and commit it."
        )


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(st.sampled_from([np.uint8, np.int16, np.int32, np.float16, np.float32,
                                   np.float64]), hnp.array_shapes(min_dims=0, max_dims=3,
                                                                  min_side=0, max_side=4)))
def test_round_trip_is_exact(array) -> None:
    buffers: list = []
    descriptor = codec.encode(array, buffers)
    back = codec.decode(descriptor, [memoryview(b) for b in buffers])
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_big_endian_input_goes_little_endian() -> None:
    buffers: list = []
    codec.encode(np.array([1], dtype=">i4"), buffers)
    assert buffers[0] == b"\x01\x00\x00\x00"


@pytest.mark.parametrize(
    ("descriptor", "buffers", "culprit"),
    [
        ([1], [b""], "Expected thumb to be {buffer, dtype, shape}"),
        ({"buffer": 1, "dtype": "uint8", "shape": [1]}, [b"a"], "thumb.buffer"),
        ({"buffer": 0, "dtype": "complex64", "shape": [1]}, [b"a"], "thumb.dtype"),
        ({"buffer": 0, "dtype": "uint8", "shape": [-1]}, [b"a"], "thumb.shape"),
        ({"buffer": 0, "dtype": "uint8", "shape": [2]}, [b"a"], "hold 2 bytes"),
    ],
)
def test_bad_descriptors_name_the_field(descriptor, buffers, culprit) -> None:
    with pytest.raises(codec.CodecError, match=culprit.replace("{", r"\{").replace("}", r"\}")):
        codec.decode(descriptor, buffers, name="thumb")


def test_unknown_dtypes_are_refused() -> None:
    with pytest.raises(codec.CodecError, match="Received: complex64"):
        codec.encode(np.zeros(2, np.complex64), [])
