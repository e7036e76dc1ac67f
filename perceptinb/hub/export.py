"""Exporting a trained model: ``.keras``, SavedModel, TFLite (float, dynamic, float16, int8) and
ONNX, each loaded back and checked against Keras on the first samples.

Every export is written whole or not at all: TFLite and ``.keras`` bytes are produced in memory
and written atomically; SavedModel and ONNX are written next to the target under a temporary
name and renamed into place. A model the converter refuses leaves no file, and the error
carries the converter's own reason.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from perceptinb.errors import PerceptinbError
from perceptinb.files import keras_bytes, write_atomic

FORMATS = ("keras", "savedmodel", "tflite", "onnx")
QUANTIZE = (None, "dynamic", "float16", "int8")
_SUFFIX = {"keras": ".keras", "tflite": ".tflite", "onnx": ".onnx"}
CHECK_SAMPLES = 8
REPRESENTATIVE_SAMPLES = 100


class ExportError(PerceptinbError):
    """A model could not be exported (the converter's reason is in the message)."""


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What an export wrote and how closely it reproduces Keras.

    Attributes:
        path: The file (or SavedModel directory).
        format, quantize: As requested.
        bytes: Its size on disk.
        max_abs_diff: Largest absolute difference from Keras' outputs on the checked samples.
        samples: How many samples were checked.
        seconds: Time to export and check.
    """

    path: Path
    format: str
    quantize: str | None
    bytes: int
    max_abs_diff: float
    samples: int
    seconds: float

    def __repr__(self) -> str:
        q = f" {self.quantize}" if self.quantize else ""
        return (f"<Export {self.format}{q} {str(self.path)!r}: {self.bytes / 1024:.1f} KB, "
                f"max |diff| vs Keras {self.max_abs_diff:.3g} on {self.samples} samples>")


def export_model(
    model: Any, path: str | os.PathLike[str], format: str = "keras", quantize: str | None = None,
    *, samples: Any = None, representative: Any = None, select_ops: bool = False,
) -> ExportResult:
    """Export `model` to `path` and check the result against Keras.

    Args:
        model: A built ``keras.Model``.
        path: Target file (``.keras``, ``.tflite``, ``.onnx``) or SavedModel directory.
        format: "keras", "savedmodel", "tflite" or "onnx".
        quantize: TFLite only: None (float32), "dynamic" (int8 weights), "float16" or "int8"
            (full integer, calibrated on `representative`).
        samples: Inputs to compare outputs on (the first `CHECK_SAMPLES` are used). None:
            random inputs of the model's input shape.
        representative: Inputs for int8 calibration (the first `REPRESENTATIVE_SAMPLES`);
            defaults to `samples`.
        select_ops: TFLite: allow TensorFlow (Flex) ops beyond the builtin ones. Off by default,
            because the plain LiteRT runtime cannot run them.

    Raises:
        ValueError: an unknown format or quantization, or a path with the wrong suffix.
        ExportError: the converter refused the model (no file was written).
        ImportError: ONNX export without the optional ``onnx`` extra.
    """
    t0 = time.perf_counter()
    target = _check_request(path, format, quantize)
    check = _inputs(model, samples, CHECK_SAMPLES)
    expected = _predict_keras(model, check)  # also "calls" the model, which ONNX export needs
    if format == "keras":
        write_atomic(target, keras_bytes(model))
    elif format == "tflite":
        calibration = check if representative is None else _inputs(model, representative,
                                                                   REPRESENTATIVE_SAMPLES)
        write_atomic(target, tflite_bytes(model, quantize, calibration, select_ops))
    elif format == "savedmodel":
        _write_via_temp(target, lambda tmp: model.export(str(tmp), format="tf_saved_model",
                                                         verbose=False))
    else:
        _require_onnx()
        _write_via_temp(target, lambda tmp: _export_onnx(model, tmp), suffix=".onnx")
    produced = _LOADERS[format](target, check)
    diff = max(float(np.max(np.abs(np.asarray(a, "float64") - np.asarray(b, "float64"))))
               for a, b in zip(expected, produced))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) if target.is_dir() \
        else target.stat().st_size
    return ExportResult(target, format, quantize, size, diff, len(check[0]),
                        time.perf_counter() - t0)


def _check_request(path: Any, format: str, quantize: str | None) -> Path:
    if format not in FORMATS:
        raise ValueError(f"Expected format in {FORMATS}. Received: format={format!r}.")
    if quantize not in QUANTIZE:
        raise ValueError(f"Expected quantize in {QUANTIZE}. Received: quantize={quantize!r}.")
    if quantize is not None and format != "tflite":
        raise ValueError(f"quantize applies to TFLite exports only. Received: format={format!r},"
                         f" quantize={quantize!r}.")
    target = Path(path).expanduser()
    suffix = _SUFFIX.get(format)
    if suffix and target.suffix != suffix:
        raise ValueError(f"A {format} export must end in {suffix!r}. Received: {str(path)!r}.")
    if not target.parent.is_dir():
        raise ValueError(f"The folder {str(target.parent)!r} does not exist.")
    return target


def _inputs(model: Any, data: Any, limit: int) -> list[np.ndarray]:
    """The model's inputs as a list of float32 arrays (one per model input), first `limit`."""
    import keras

    if data is None:
        rng = np.random.default_rng(0)
        return [rng.random((limit, *[d or 1 for d in tuple(t.shape)[1:]])).astype(t.dtype)
                for t in model.inputs]
    arrays = [np.asarray(a) for a in keras.tree.flatten(data)]
    if len(arrays) != len(model.inputs):
        raise ValueError(f"Expected inputs for {len(model.inputs)} model input(s). "
                         f"Received: {len(arrays)} array(s).")
    return [a[:limit].astype(t.dtype) for a, t in zip(arrays, model.inputs)]


def _predict_keras(model: Any, inputs: list[np.ndarray]) -> list[np.ndarray]:
    import keras

    out = model(inputs[0] if len(inputs) == 1 else inputs, training=False)
    return [np.asarray(keras.ops.convert_to_numpy(o)) for o in keras.tree.flatten(out)]


# -- TFLite ---------------------------------------------------------------------------------------
def tflite_bytes(model: Any, quantize: str | None, representative: list[np.ndarray],
                 select_ops: bool = False) -> bytes:
    """Convert through a SavedModel (Keras 3's supported path) with builtin ops only by default.

    Raises:
        ExportError: the converter's reason, shortened to the lines that name the culprit.
    """
    import keras
    import tensorflow as tf

    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with tempfile.TemporaryDirectory(prefix="perceptinb-export-") as saved:
        archive = keras.export.ExportArchive()
        archive.track(model)
        signature = [tf.TensorSpec(t.shape, t.dtype, name=f"input_{i}")
                     for i, t in enumerate(model.inputs)]
        archive.add_endpoint("serve", functools.partial(model.__call__, training=False),
                             input_signature=[signature[0]] if len(signature) == 1
                             else [signature])
        archive.write_out(saved, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        if quantize is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if quantize == "int8":
            ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            count = len(representative[0])

            def calibration() -> Any:
                for i in range(count):
                    yield [a[i : i + 1] for a in representative]

            converter.representative_dataset = calibration
        if select_ops:
            ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
        converter.target_spec.supported_ops = ops
        try:
            return converter.convert()
        except Exception as exc:  # the converter raises several types; all mean "cannot"
            raise ExportError(
                f"TFLite cannot convert the model {model.name!r}: {_converter_reason(exc)}"
                + ("" if select_ops else " Pass select_ops=True to allow TensorFlow (Flex) ops; "
                   "the plain LiteRT runtime cannot run those.")
            ) from None


def _converter_reason(exc: BaseException) -> str:
    text = str(exc)
    named = re.findall(r"'(tf\.\w+)' op is neither a custom op nor a flex op", text)
    select = re.search(r"TF Select ops: ([^\n]+)", text)
    if named or select:
        ops = sorted(set(named)) or [select.group(1).strip()]
        return f"ops not supported by the builtin TFLite runtime: {', '.join(ops)}."
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    return first[:400]


def _run_tflite(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    details = interpreter.get_input_details()
    for detail, array in zip(details, inputs):
        interpreter.resize_tensor_input(detail["index"], list(array.shape))
    interpreter.allocate_tensors()
    for detail, array in zip(details, inputs):
        scale, zero = detail["quantization"]
        if scale:  # integer input: quantize the float samples the way the model expects
            array = np.round(array / scale + zero)
        interpreter.set_tensor(detail["index"], array.astype(detail["dtype"]))
    interpreter.invoke()
    outputs = []
    for detail in sorted(interpreter.get_output_details(), key=lambda d: d["index"]):
        value = interpreter.get_tensor(detail["index"]).astype("float32")
        scale, zero = detail["quantization"]
        outputs.append((value - zero) * scale if scale else value)
    return outputs


# -- SavedModel, ONNX, .keras --------------------------------------------------------------------
def _write_via_temp(target: Path, write: Any, suffix: str = "") -> None:
    """Let `write` produce a file or directory under a temporary sibling name, then rename it."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp{suffix}")
    try:
        write(temp)
        if target.is_dir():  # replacing an earlier SavedModel: move it aside first
            old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
            os.replace(target, old)
            os.replace(temp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, target)
    finally:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        elif temp.exists():
            temp.unlink()


def _require_onnx() -> None:
    missing = [m for m in ("onnx", "onnxruntime", "tf2onnx") if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(
            f"ONNX export needs the optional onnx extra (missing: {', '.join(missing)}). "
            "Install it with: pip install 'perceptinb[onnx]'."
        )


def _export_onnx(model: Any, temp: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # tf2onnx probes numpy's np.object
        model.export(str(temp), format="onnx", verbose=False)


def _run_onnx(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {i.name: a for i, a in zip(session.get_inputs(), inputs)}
    return session.run(None, feed)


def _run_savedmodel(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    import keras
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    out = loaded.serve(inputs[0] if len(inputs) == 1 else inputs)
    return [np.asarray(o) for o in keras.tree.flatten(out)]


def _run_keras(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    import keras

    return _predict_keras(keras.saving.load_model(path, safe_mode=True), inputs)


_LOADERS = {"keras": _run_keras, "savedmodel": _run_savedmodel, "tflite": _run_tflite,
            "onnx": _run_onnx}


# -- exports of recorded runs ----------------------------------------------------------------------
def default_export_path(hub: Any, run_id: int, format: str, quantize: str | None = None) -> Path:
    """``<hub artifacts>/<run>/exports/model[-quantize].<ext>`` (a folder for SavedModel)."""
    stem = "model" if quantize is None else f"model-{quantize}"
    folder = hub.store.artifacts_dir / str(run_id) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (stem + _SUFFIX.get(format, ""))


def export_recorded(
    hub: Any, run: Any, path: str | os.PathLike[str] | None = None, format: str = "keras",
    quantize: str | None = None, *, model: Any = None, samples: Any = None,
    representative: Any = None, select_ops: bool = False,
) -> ExportResult:
    """Export a run of `hub` (its kept weights, or `model`) and record the export as an
    artifact, so the hub's Exported column shows it. See `export_model` for the arguments."""
    from perceptinb.hub.artifacts import link_file

    record = hub.run(run)
    model = hub.model(record.id) if model is None else model
    target = default_export_path(hub, record.id, format, quantize) if path is None else path
    result = export_model(model, target, format, quantize, samples=samples,
                          representative=representative, select_ops=select_ops)
    link_file(hub.store, record.id, f"export:{format}", result.path,
              {"quantize": quantize, "max_abs_diff": result.max_abs_diff,
               "samples": result.samples})
    return result


def export_run(
    run: Any, path: str | os.PathLike[str], format: str = "keras", quantize: str | None = None,
    **kwargs: Any,
) -> ExportResult:
    """`Run.export`: export the run's trained model, checked on the first training samples; int8
    calibrates on the first `REPRESENTATIVE_SAMPLES` training samples. Recorded in the run's hub
    (the Exported column) when the run was recorded."""
    inputs = _training_inputs(run)
    kwargs.setdefault("samples", inputs)
    kwargs.setdefault("representative", inputs)
    hub = getattr(getattr(run, "hub_recorder", None), "hub", None)
    if hub is not None and getattr(run, "id", None) is not None:
        return export_recorded(hub, run.id, path, format, quantize, model=run.model, **kwargs)
    return export_model(run.model, path, format, quantize, **kwargs)


def _training_inputs(run: Any) -> Any:
    data = getattr(run, "_data", None)
    if data is not None and getattr(data, "kind", None) == "arrays" and data.x is not None:
        return data.x
    probe = getattr(getattr(run, "callback", None), "probe_data", None)
    return probe[0] if probe else None  # a dataset: its probe batch; else random inputs


def export_canvas(
    canvas: Any, path: str | os.PathLike[str], format: str = "keras",
    quantize: str | None = None, **kwargs: Any,
) -> ExportResult:
    """`Canvas.export`: export the canvas' model (its current weights), checked on the canvas'
    sample when it has one. int8 needs ``representative=`` data (one sample cannot calibrate)."""
    if quantize == "int8" and kwargs.get("representative") is None:
        raise ValueError("int8 quantization calibrates on real inputs: pass representative=x "
                         "(for example the training inputs).")
    sample = canvas.sample
    if sample and kwargs.get("samples") is None:
        graph = canvas.graph
        order = [i for i in graph.input_ids if i in sample] or list(sample)
        kwargs["samples"] = [sample[i] for i in order]
    return export_model(canvas.model, path, format, quantize, **kwargs)
