"""Pick the first sample out of whatever the user has, for every input of the graph.

Accepted: numpy arrays, tensors, tf.data datasets (of x or (x, y)), dicts keyed by input name,
lists/tuples for multi-input models, and pandas DataFrames. Without a sample, a deterministic
synthetic one is made (and marked as such). A sample that does not fit an input becomes one
clear error on that input block, saying what was expected and what was received.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perceptinb.graph import Graph


@dataclass
class Sample:
    """The first sample per input node, batch of one.

    Attributes:
        arrays: Input node id -> array of shape (1, ...).
        errors: Input node id -> why the given data does not fit that input.
        synthetic: True when no sample was given and one was generated.
        target: The first sample's label, when known (for display next to the output).
        digest: A hash of the arrays, part of every preview cache key.
    """

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    target: np.ndarray | None = None
    digest: str = ""


def first_sample(data: Any, graph: Graph, target: Any = None) -> Sample:
    """The first sample of `data` for each InputLayer of `graph` (synthetic if data is None)."""
    inputs = graph.input_ids
    if data is None:
        sample = Sample({nid: _synthetic(graph, nid) for nid in inputs}, synthetic=True)
    else:
        data, found_target = _unwrap(data)
        target = target if target is not None else found_target
        sample = Sample()
        if isinstance(data, dict) and graph.input_keys:
            # A dict-input model is fed by its keys ({"age": ...}), which may differ from ids.
            data = {**data, **{n: data[k] for n, k in graph.input_keys.items() if k in data}}
        for nid, value in _per_input(data, inputs).items():
            try:
                sample.arrays[nid] = _fit(value, graph, nid)
            except ValueError as exc:
                sample.errors[nid] = str(exc)
    if target is not None:
        sample.target = _first_row(_to_numpy(target))
    sample.digest = _digest(sample)
    return sample


def _unwrap(data: Any) -> tuple[Any, Any]:
    """(x, y) from datasets and DataFrames; other data passes through."""
    if _is_dataset(data):
        element = next(iter(data.take(1)))
        if isinstance(element, tuple) and len(element) >= 2:
            return element[0], element[1]
        return element, None
    if type(data).__name__ == "DataFrame":
        return data.to_numpy(), None
    return data, None


def _is_dataset(data: Any) -> bool:
    return (
        type(data).__module__.startswith("tensorflow")
        and hasattr(data, "take")
        and hasattr(data, "element_spec")
    )


def _per_input(data: Any, inputs: list[str]) -> dict[str, Any]:
    if isinstance(data, dict):
        missing = [nid for nid in inputs if nid not in data]
        if missing:
            raise ValueError(
                f"The sample dict has no entry for input(s) {missing}. "
                f"Received keys: {sorted(map(str, data))}."
            )
        return {nid: data[nid] for nid in inputs}
    if isinstance(data, (list, tuple)) and len(inputs) > 1:
        if len(data) != len(inputs):
            raise ValueError(
                f"The model has {len(inputs)} inputs {inputs}; the sample has {len(data)} parts."
            )
        return dict(zip(inputs, data))
    if isinstance(data, (list, tuple)) and len(data) == 1 and len(inputs) == 1:
        return {inputs[0]: data[0]}  # [x] for a one-input model, as Keras accepts it
    if len(inputs) != 1:
        raise ValueError(
            f"The model has {len(inputs)} inputs {inputs}: pass a list or a dict keyed by name."
        )
    return {inputs[0]: data}


def _fit(value: Any, graph: Graph, node_id: str) -> np.ndarray:
    settings = graph.nodes[node_id].settings
    expected = list(settings.get("batch_shape") or [None])[1:]
    dtype = _numpy_dtype(settings)
    array = _to_numpy(value)
    dims = ["?" if d is None else str(d) for d in expected]
    want = f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(dims) + ")"
    if dtype.kind == "U":
        if array.dtype.kind not in "USO":
            raise ValueError(
                f"Input {node_id!r} expected text (dtype string). Received dtype {array.dtype}."
            )
        array = _as_text(array)
    elif array.dtype.kind not in "biuf":
        raise ValueError(
            f"Input {node_id!r} expected numbers ({dtype}). Received dtype {array.dtype}."
        )
    if array.ndim == len(expected):
        array = array[None]
    elif array.ndim == len(expected) + 1 and array.shape[0] >= 1:
        array = array[:1]
    else:
        raise ValueError(
            f"Input {node_id!r} expected a sample of shape {want} or a batch (N, ...). "
            f"Received shape {tuple(array.shape)}."
        )
    if any(e is not None and e != a for e, a in zip(expected, array.shape[1:])):
        raise ValueError(
            f"Input {node_id!r} expected a sample of shape {want}. "
            f"Received shape {tuple(array.shape[1:])}."
        )
    if dtype.kind in "iu" and array.dtype.kind == "f" and not np.all(np.mod(array, 1) == 0):
        raise ValueError(
            f"Input {node_id!r} expected integer ids ({dtype}). Received fractional floats."
        )
    return array if dtype.kind == "U" else array.astype(dtype, copy=False)


def _numpy_dtype(settings: dict[str, Any]) -> np.dtype:
    """The numpy dtype of an input; Keras' ``"string"`` inputs hold unicode text."""
    name = str(settings.get("dtype") or "float32")
    return np.dtype(str) if name == "string" else np.dtype(name)


def _as_text(array: np.ndarray) -> np.ndarray:
    """Bytes (as tf.data yields them) or objects as a unicode array, which hashes and prints."""
    if array.dtype.kind == "U":
        return array
    flat = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in array.flat]
    return np.array(flat, dtype=str).reshape(array.shape)


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    elif hasattr(value, "to_numpy") and callable(value.to_numpy):
        value = value.to_numpy()
    return np.asarray(value)


def _first_row(array: np.ndarray) -> np.ndarray:
    return array[:1] if array.ndim >= 1 else array.reshape(1)


def _synthetic(graph: Graph, node_id: str) -> np.ndarray:
    """A deterministic sample: smooth patterns for images (so filters show structure), small
    token ids for integer inputs, seeded noise otherwise."""
    settings = graph.nodes[node_id].settings
    shape = [d or 8 for d in list(settings.get("batch_shape") or [None])[1:]]
    dtype = _numpy_dtype(settings)
    if dtype.kind == "U":
        words = _SYNTHETIC_TEXT.split()
        size = int(np.prod(shape))
        if size == 1:  # one text per sample: a sentence, as text models are fed
            return np.array([_SYNTHETIC_TEXT], dtype=str).reshape(1, *shape)
        return np.array([words[i % len(words)] for i in range(size)]).reshape(1, *shape)
    if dtype.kind in "iu":
        ids = np.arange(int(np.prod(shape))) % _token_range(graph, node_id)
        return ids.reshape(1, *shape).astype(dtype)
    if len(shape) == 3:
        h, w, c = shape
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        channels = [
            0.5 + 0.5 * np.sin(xx / max(w / 6, 1) + k) * np.cos(yy / max(h / 5, 1) - k)
            for k in range(c)
        ]
        return np.stack(channels, axis=-1)[None].astype(dtype)
    rng = np.random.default_rng(0)
    return rng.standard_normal((1, *shape)).astype(dtype)


_SYNTHETIC_TEXT = "the quick brown fox jumps over the lazy dog"
_TOKEN_IDS = 10


def _token_range(graph: Graph, node_id: str) -> int:
    """How many distinct ids a synthetic integer sample may use: 10, or fewer when the input
    feeds an Embedding or a one-hot encoding with fewer rows (larger ids would fail there)."""
    limits = [_TOKEN_IDS]
    for edge in graph.outputs_of(node_id):
        settings = graph.owner(edge.dst).settings
        for key in ("input_dim", "num_tokens"):
            if isinstance(settings.get(key), int) and settings[key] > 0:
                limits.append(settings[key])
    return min(limits)


def _digest(sample: Sample) -> str:
    h = hashlib.sha1()
    for nid in sorted(sample.arrays):
        array = np.ascontiguousarray(sample.arrays[nid])
        h.update(nid.encode())
        h.update(str((array.shape, array.dtype.str)).encode())
        h.update(array.tobytes())
    h.update(repr(sorted(sample.errors.items())).encode())
    return h.hexdigest()
