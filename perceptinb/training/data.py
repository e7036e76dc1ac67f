"""Training inputs: numpy arrays, pandas DataFrames, tf.data datasets, Keras PyDatasets.

Everything that can be checked without running the user's data pipeline is checked here, in the
calling thread, so a wrong argument raises at once. Whatever runs the pipeline (the probe batch
of a dataset, then `fit`) runs on the training thread, where an error marks the run failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PROBE_SIZE = 32


@dataclass
class FitData:
    """What `Run` passes to ``model.fit`` plus how to get the probe batch."""

    x: Any
    y: Any
    kwargs: dict[str, Any] = field(default_factory=dict)
    probe: tuple[Any, Any] | None = None
    # For datasets: take the probe on the training thread (it runs the pipeline).
    dataset_probe: Any = None
    batch_size: int | None = None
    kind: str = "arrays"


def is_dataset(x: Any) -> bool:
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover - tensorflow is a dependency
        return False
    return isinstance(x, tf.data.Dataset)


def is_stream(x: Any) -> bool:
    """A dataset, PyDataset or generator: it yields whole batches, targets included."""
    return is_dataset(x) or _is_pydataset(x) or _is_generator(x)


def _is_pandas(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "pandas"


def to_arrays(x: Any) -> Any:
    """numpy for pandas objects and lists; dicts/tuples of those kept as structures."""
    if _is_pandas(x):
        values = x.to_numpy()
        if values.dtype == object:
            raise TypeError(
                "A DataFrame with non-numeric columns cannot be fed to a model. Encode them "
                f"first. Received dtypes: {_dtypes(x, values)}."
            )
        return values.astype(np.float32) if values.dtype.kind == "f" else values
    if isinstance(x, dict):
        return {k: to_arrays(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(to_arrays(v) for v in x)
    if isinstance(x, list) and x and all(hasattr(v, "shape") or _is_pandas(v) for v in x):
        return [to_arrays(v) for v in x]  # one array per model input
    if isinstance(x, list):
        return np.asarray(x)
    return x


def _dtypes(x: Any, values: np.ndarray) -> Any:
    return dict(x.dtypes.astype(str)) if hasattr(x, "dtypes") else values.dtype


def first_rows(x: Any, n: int) -> Any:
    import keras

    return keras.tree.map_structure(lambda a: np.asarray(a[:n]), x)


def prepare(
    x: Any,
    y: Any = None,
    *,
    batch_size: int | None,
    validation_split: float | None,
    validation_data: Any = None,
    probe_size: int = PROBE_SIZE,
) -> FitData:
    """Normalize the inputs and choose the fit arguments.

    Raises:
        TypeError / ValueError: the inputs cannot be trained on as given.
    """
    if x is None:
        raise TypeError("train() needs training data: x (and y), or a dataset.")
    if isinstance(y, str):
        if not _is_pandas(x) or not hasattr(x, "columns"):
            raise TypeError(f"y={y!r} names a column, so x must be a DataFrame.")
        if y not in x.columns:
            raise ValueError(f"y={y!r} is not a column of x. Columns: {list(x.columns)}.")
        x, y = x.drop(columns=[y]), x[y]
    if validation_split is not None and not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be in [0, 1). Received: {validation_split}.")
    if validation_data is not None:
        validation_data = _validation(validation_data)

    if is_stream(x):
        kind = "dataset" if is_dataset(x) else "pydataset" if _is_pydataset(x) else "generator"
        if y is not None:
            raise ValueError(f"With a {kind} as x, the targets come from it: pass y=None.")
        if validation_split:
            raise ValueError(
                f"validation_split needs arrays; with a {kind} pass validation_data instead."
            )
        kwargs: dict[str, Any] = {}
        if validation_data is not None:
            kwargs["validation_data"] = validation_data
        data = FitData(x, None, kwargs, batch_size=None, kind=kind)
        if kind == "dataset":
            data.dataset_probe = x
        elif kind == "pydataset":
            data.dataset_probe = x  # indexable: x[0] is its first batch
        return data

    x, y = to_arrays(x), to_arrays(y)
    if y is None:
        raise TypeError("train() with array inputs needs targets: pass y.")
    n = _num_samples(x)
    if n != _num_samples(y):
        raise ValueError(
            f"x and y must have the same number of samples. Received: {n} and {_num_samples(y)}."
        )
    kwargs = {"batch_size": batch_size or 32}
    if validation_data is not None:
        kwargs["validation_data"] = validation_data
    elif validation_split:
        if int(n * validation_split) < 1:
            raise ValueError(
                f"validation_split={validation_split} of {n} samples leaves no validation sample."
            )
        kwargs["validation_split"] = validation_split
    probe = (first_rows(x, probe_size), first_rows(y, probe_size))
    return FitData(x, y, kwargs, probe=probe, batch_size=kwargs["batch_size"])


def take_probe(data: FitData, probe_size: int = PROBE_SIZE) -> tuple[Any, Any] | None:
    """The probe of a dataset, read once on the training thread (runs the pipeline)."""
    source = data.dataset_probe
    if source is None:
        return data.probe
    if data.kind == "dataset":
        batch = next(iter(source.take(1)))
    else:
        batch = source[0]
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        return None  # no targets in the data: nothing to compare the prediction with
    bx, by = batch[0], batch[1]
    return first_rows(to_numpy_tree(bx), probe_size), first_rows(to_numpy_tree(by), probe_size)


def to_numpy_tree(x: Any) -> Any:
    import keras

    return keras.tree.map_structure(np.asarray, x)


def _validation(data: Any) -> Any:
    if is_dataset(data) or _is_pydataset(data):
        return data
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise TypeError(
            "validation_data must be (x_val, y_val), (x_val, y_val, sample_weight) or a "
            f"dataset. Received: {type(data).__name__}."
        )
    return tuple(to_arrays(v) for v in data)


def _num_samples(x: Any) -> int:
    import keras

    sizes = {int(np.shape(a)[0]) for a in keras.tree.flatten(x)}
    if len(sizes) != 1:
        raise ValueError(f"All inputs must have the same number of samples. Received: {sizes}.")
    return sizes.pop()


def _is_pydataset(x: Any) -> bool:
    import keras

    return isinstance(x, keras.utils.PyDataset)


def _is_generator(x: Any) -> bool:
    import types

    return isinstance(x, types.GeneratorType)


def infer_loss(model: Any, y_probe: Any) -> tuple[Any, list[str]]:
    """A sensible loss and metrics from the model's output and the targets.

    Integer labels and a K-way output: sparse categorical cross-entropy; one-hot targets:
    categorical; one output unit and 0/1 targets: binary; anything else: mean squared error.
    Outputs without softmax/sigmoid are treated as logits.
    """
    import keras

    outputs = keras.tree.flatten(model.outputs)
    if len(outputs) != 1 or y_probe is None:
        return "mse", ["mae"]
    width = outputs[0].shape[-1]
    y = np.asarray(keras.tree.flatten(y_probe)[0])
    activation = _output_activation(model)
    logits = activation not in ("softmax", "sigmoid")
    integer = y.size > 0 and np.all(np.mod(y, 1) == 0)
    if width and width > 1:
        if integer and (y.ndim == 1 or y.shape[-1] == 1) and y.min() >= 0 and y.max() < width:
            return keras.losses.SparseCategoricalCrossentropy(from_logits=logits), ["accuracy"]
        if y.ndim >= 2 and y.shape[-1] == width and integer and set(np.unique(y)) <= {0, 1}:
            return keras.losses.CategoricalCrossentropy(from_logits=logits), ["accuracy"]
    if width == 1 and integer and set(np.unique(y).tolist()) <= {0, 1}:
        return keras.losses.BinaryCrossentropy(from_logits=logits), ["accuracy"]
    return "mse", ["mae"]


def _output_activation(model: Any) -> str | None:
    layer = model.layers[-1] if model.layers else None
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None)
    if name is None and type(layer).__name__ in ("Softmax", "Activation"):
        name = "softmax" if type(layer).__name__ == "Softmax" else str(
            layer.get_config().get("activation")
        )
    return name
