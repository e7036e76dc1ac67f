"""Exports: every format is written whole, loaded back and compared with Keras."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from perceptinb.hub import export as export_module
from perceptinb.hub.export import ExportError, export_model


def _conv() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
         keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")], name="conv")


def _samples() -> np.ndarray:
    return np.random.default_rng(1).random((32, 8, 8, 1)).astype("float32")


@pytest.mark.parametrize(
    ("format", "quantize", "name", "tolerance"),
    [("keras", None, "m.keras", 1e-6), ("savedmodel", None, "saved", 1e-5),
     ("tflite", None, "m.tflite", 1e-5), ("tflite", "dynamic", "d.tflite", 0.05),
     ("tflite", "float16", "h.tflite", 0.01), ("tflite", "int8", "i.tflite", 0.1)],
)
def test_export_writes_loads_back_and_matches_keras(
    tmp_path: Path, format: str, quantize: str | None, name: str, tolerance: float
) -> None:
    result = export_model(_conv(), tmp_path / name, format, quantize, samples=_samples())
    assert result.path.exists() and result.bytes > 0 and result.samples == 8
    assert 0 <= result.max_abs_diff <= tolerance
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary left behind


def test_quantized_tflite_is_smaller_than_float(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256), keras.layers.Dense(4)])
    plain = export_model(model, tmp_path / "f.tflite", "tflite")
    dynamic = export_model(model, tmp_path / "d.tflite", "tflite", "dynamic")
    assert dynamic.bytes < plain.bytes / 2


def test_savedmodel_export_replaces_an_earlier_one(tmp_path: Path) -> None:
    model = _conv()
    export_model(model, tmp_path / "saved", "savedmodel")
    again = export_model(model, tmp_path / "saved", "savedmodel")
    assert again.max_abs_diff <= 1e-5
    assert [p.name for p in tmp_path.iterdir()] == ["saved"]


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None
                    or importlib.util.find_spec("tf2onnx") is None,
                    reason="the optional onnx extra is not installed")
def test_onnx_export_matches_keras(tmp_path: Path) -> None:
    result = export_model(_conv(), tmp_path / "m.onnx", "onnx", samples=_samples())
    assert result.max_abs_diff <= 1e-5
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_onnx_without_the_extra_gives_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(export_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "tf2onnx" else real(name, *a))
    with pytest.raises(ImportError, match=r"missing: [^)]*tf2onnx.*perceptinb\[onnx\]"):
        export_model(_conv(), tmp_path / "m.onnx", "onnx")
    assert not list(tmp_path.iterdir())


class _Determinant(keras.layers.Layer):
    def call(self, x):
        return tf.linalg.det(tf.reshape(x, (-1, 2, 2)))


def test_unconvertible_model_gives_the_converters_reason_and_no_file(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), _Determinant()], name="det")
    with pytest.raises(ExportError, match=r"'det'.*tf\.MatrixDeterminant.*select_ops=True"):
        export_model(model, tmp_path / "det.tflite", "tflite")
    assert not list(tmp_path.iterdir())


def test_bad_requests_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    model = _conv()
    with pytest.raises(ValueError, match="Expected format in"):
        export_model(model, tmp_path / "m.x", "pickle")
    with pytest.raises(ValueError, match="Expected quantize in"):
        export_model(model, tmp_path / "m.tflite", "tflite", "int4")
    with pytest.raises(ValueError, match="quantize applies to TFLite exports only"):
        export_model(model, tmp_path / "m.keras", "keras", "int8")
    with pytest.raises(ValueError, match="must end in '.tflite'"):
        export_model(model, tmp_path / "m.bin", "tflite")
    with pytest.raises(ValueError, match="does not exist"):
        export_model(model, tmp_path / "no" / "m.keras")
    with pytest.raises(ValueError, match="Expected inputs for 1 model input"):
        export_model(model, tmp_path / "m.keras", samples=[_samples(), _samples()])
    assert not list(tmp_path.iterdir())


def test_canvas_export_checks_on_the_canvas_sample(tmp_path: Path) -> None:
    from perceptinb.widgets.canvas import Canvas

    canvas = Canvas(_conv(), sample=_samples())
    result = canvas.export(tmp_path / "c.tflite", "tflite")
    assert result.samples == 1 and result.max_abs_diff <= 1e-5
    with pytest.raises(ValueError, match="pass representative=x"):
        canvas.export(tmp_path / "q.tflite", "tflite", "int8")
    int8 = canvas.export(tmp_path / "q.tflite", "tflite", "int8", representative=_samples())
    assert int8.max_abs_diff <= 0.1
