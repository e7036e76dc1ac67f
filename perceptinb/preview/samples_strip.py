"""The sample strip: the first samples of a canvas' data, each one pickable as the previews' sample.

The data is whatever `first_sample` understands (arrays, tensors, tf.data datasets of x or
(x, y), dicts keyed by input, lists for several inputs, DataFrames). The strip reads at most
`STRIP_ROWS` samples of it once, as numpy rows with a batch axis, so picking sample k is a slice
and never walks a dataset again. Strip items are small: images at most `THUMB_MAX` pixels a side
(uint8, through the codec), table rows and text as short strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from perceptinb import codec
from perceptinb.graph import Graph

STRIP_ROWS = 16
THUMB_MAX = 32
TEXT_CHARS = 60


class SampleRows:
    """The first `STRIP_ROWS` samples of some data, sliceable one by one.

    Args:
        data: The canvas' data (see `perceptinb.preview.sample.first_sample`), or None.
        target: Labels for `data` (None: the labels a dataset or the data carries, if any).
        graph: The graph whose inputs the data feeds (it tells a batch from a single sample).
    """

    def __init__(self, data: Any, target: Any, graph: Graph) -> None:
        self.x: Any = None
        self.y: np.ndarray | None = None
        self.count = 0
        if data is None:
            return
        x, y = _rows(data, graph)
        if target is not None:
            y = _to_numpy(_head(target))
        self.x = _map(x, lambda a: a[:STRIP_ROWS])
        self.count = min(STRIP_ROWS, min(len(a) for a in _leaves(self.x)))
        self.y = None if y is None or y.ndim == 0 else y[: self.count]

    def pick(self, index: int) -> tuple[Any, Any]:
        """Sample `index` as (x, y), each with a batch axis of one (y None when unknown).

        Raises:
            IndexError: `index` is not one of the strip's samples.
        """
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not 0 <= index < self.count:
            span = f"0..{self.count - 1}" if self.count else "none: the canvas has no data"
            raise IndexError(f"Expected a sample index in {span}. Received: {index!r}.")
        x = _map(self.x, lambda a: a[index:index + 1])
        y = self.y[index:index + 1] if self.y is not None and index < len(self.y) else None
        return x, y

    def items(self, buffers: list[Any]) -> list[dict[str, Any]]:
        """One strip item per sample: ``{index, kind: "image", image}`` (uint8 [h, w] or
        [h, w, 3] through the codec, appended to `buffers`) or ``{index, kind: "text", text}``,
        plus ``target`` (a short string) when known."""
        first = _leaves(self.x)[0] if self.count else None
        out = []
        for k in range(self.count):
            item = _thumbnail(np.asarray(first[k]), buffers)
            item["index"] = k
            if self.y is not None and k < len(self.y):
                item["target"] = _text(np.asarray(self.y[k]))
            out.append(item)
        return out


def _rows(data: Any, graph: Graph) -> tuple[Any, np.ndarray | None]:
    """(x, y) as numpy with a batch axis; datasets read up to `STRIP_ROWS` samples."""
    if _is_dataset(data):
        return _dataset_rows(data, graph)
    if type(data).__name__ == "DataFrame":
        return _batched(data, graph), None
    if isinstance(data, (list, tuple)) and len(graph.input_ids) > 1:
        return [_batched(v, graph, nid) for v, nid in zip(data, graph.input_ids)], None
    if isinstance(data, (list, tuple)) and len(data) == 1:
        data = data[0]
    if isinstance(data, dict):
        keys = {k: n for n, k in graph.input_keys.items()} if graph.input_keys else {}
        return {k: _batched(v, graph, keys.get(k, k)) for k, v in data.items()}, None
    return _batched(data, graph), None


def _dataset_rows(data: Any, graph: Graph) -> tuple[Any, np.ndarray | None]:
    xs: list[Any] = []
    ys: list[np.ndarray] = []
    taken = 0
    for element in data:
        x, y = (element[0], element[1]) if isinstance(element, tuple) and len(element) >= 2 \
            else (element, None)
        x = _map(x, lambda v: v, convert=True)
        batched = _map(x, lambda a: _batched(a, graph), convert=False)
        xs.append(batched)
        if y is not None:
            y = _to_numpy(y)
            ys.append(y if len(_leaves(batched)[0]) == len(y) and y.ndim else y.reshape(1, -1))
        taken += len(_leaves(batched)[0])
        if taken >= STRIP_ROWS:
            break
    if not xs:
        raise ValueError("Expected a dataset with at least one element. Received: an empty one.")
    x = _map_many(xs)
    y = np.concatenate(ys) if len(ys) == len(xs) else None
    return x, y


def _batched(value: Any, graph: Graph, node_id: str | None = None) -> np.ndarray:
    """The first `STRIP_ROWS` of `value` with a batch axis: a single sample (rank of the input)
    gains one. A batch is cut before it is converted, so a big tensor is never copied whole."""
    nid = node_id if node_id in graph.nodes else (graph.input_ids[0] if graph.input_ids else None)
    rank = len(list(graph.nodes[nid].settings.get("batch_shape") or [None])[1:]) if nid else 0
    if len(getattr(value, "shape", ())) == rank + 1:
        value = _head(value)
    array = _to_numpy(value)
    return array[None] if array.ndim == rank else array


def _head(value: Any) -> Any:
    """The first `STRIP_ROWS` along the first axis (numpy, tensors, DataFrames, Series)."""
    if len(getattr(value, "shape", ())) < 1:
        return value
    return value.iloc[:STRIP_ROWS] if hasattr(value, "iloc") else value[:STRIP_ROWS]


def _thumbnail(row: np.ndarray, buffers: list[Any]) -> dict[str, Any]:
    squeezed = row[..., 0] if row.ndim == 3 and row.shape[-1] == 1 else row
    is_image = row.dtype.kind in "biuf" and (
        squeezed.ndim == 2 and min(squeezed.shape) >= 4
        or squeezed.ndim == 3 and squeezed.shape[-1] == 3
    )
    if not is_image:
        return {"kind": "text", "text": _text(row)}
    step = max(1, -(-max(squeezed.shape[:2]) // THUMB_MAX))  # ceil: at most THUMB_MAX a side
    pixels = squeezed[::step, ::step]
    return {"kind": "image", "image": codec.encode(_to_uint8(pixels), buffers)}


def _to_uint8(values: np.ndarray) -> np.ndarray:
    if values.dtype == np.uint8:
        return np.ascontiguousarray(values)
    v = np.nan_to_num(values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(v.min()), float(v.max())
    scaled = (v - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(v)
    return np.ascontiguousarray(np.round(scaled).astype(np.uint8))


def _text(value: np.ndarray) -> str:
    """A short string: text as a snippet, numbers as a compact row."""
    flat = value.reshape(-1).tolist()
    parts = [
        v.decode("utf-8", "replace") if isinstance(v, bytes)
        else f"{v:.3g}" if isinstance(v, float) else str(v)
        for v in flat[:TEXT_CHARS]
    ]
    text = (" " if value.dtype.kind in "USO" else ", ").join(parts)
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    elif hasattr(value, "to_numpy") and callable(value.to_numpy):
        value = value.to_numpy()
    return np.asarray(value)


def _is_dataset(data: Any) -> bool:
    return (type(data).__module__.startswith("tensorflow") and hasattr(data, "take")
            and hasattr(data, "element_spec"))


def _leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, dict):
        return list(x.values())
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _map(x: Any, fn: Any, convert: bool = False) -> Any:
    """`fn` on every array of x (an array, a dict or a list of them)."""
    leaf = (lambda v: fn(_to_numpy(v))) if convert else fn
    if isinstance(x, dict):
        return {k: leaf(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [leaf(v) for v in x]
    return leaf(x)


def _map_many(xs: list[Any]) -> Any:
    """Concatenates the batches of a dataset along the batch axis, structure by structure."""
    first = xs[0]
    if isinstance(first, dict):
        return {k: np.concatenate([x[k] for x in xs]) for k in first}
    if isinstance(first, list):
        return [np.concatenate([x[i] for x in xs]) for i in range(len(first))]
    return np.concatenate(xs)
