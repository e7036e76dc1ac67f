"""Previews summarized inside the compiled forward pass (the fused path).

The numpy path (`perceptinb.preview.summarize`) runs each layer eagerly and reads every
activation on the host: about 148 MB for ResNet50. Here one `tf.function` runs the whole graph
and computes, next to each layer, its first sample's statistics and its strided-pooling
thumbnail, so TensorFlow can overlap them with the following layers and only small summaries
(stats plus a thumbnail of at most 64×64×3 or 24×24×16 floats) are turned into numpy.

The thumbnails follow `summarize` to the pixel: the same kind for the same shape, the same
area average (``avg_pool`` over the cropped image is `_shrink`'s strided sum), and the final
layout and uint8 scaling are `summarize`'s own functions. A node the function cannot summarize
(integer or text outputs, long vectors, a layer that cannot run in a graph) gets no fused
summary: the engine summarizes its output with numpy, or runs it eagerly, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from perceptinb.graph import Graph
from perceptinb.keras_bridge import Trace, fill_template
from perceptinb.preview import summarize as summ
from perceptinb.preview.sample import Sample
from perceptinb.preview.summarize import Preview

# A vector up to this many values leaves the function as it is (16 KB of float32) and is
# drawn by `summarize`; longer ones are left to the numpy path.
SMALL_VECTOR = 4096
_FLOATS = ("float16", "bfloat16", "float32", "float64")


@dataclass
class Fused:
    """One node's result from the fused function.

    Attributes:
        produced: The node's output tensors (kept for its descendants and the inspector).
        preview: Its preview, or None where the numpy path must summarize `produced[0]`.
    """

    produced: list[Any]
    preview: Preview | None


class FusedRunner:
    """The compiled forward pass of one graph structure, with its summaries.

    Args:
        graph: The graph.
        layers: Its trace (layer objects and per-node errors).
        order: The graph's nodes in topological order.
    """

    def __init__(self, graph: Graph, layers: Trace, order: list[str]) -> None:
        import tensorflow as tf

        self._graph, self._layers, self._order = graph, layers, order
        self._incoming = graph.incoming_index()
        # Filled while tracing: which nodes the function computes and which it summarizes.
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._kinds: dict[str, tuple[str, int]] = {}
        self._function = tf.function(self._forward, reduce_retracing=True)

    def run(self, sample: Sample) -> dict[str, Fused]:
        """Every node the function could compute, by id (the others are left to the caller)."""
        feeds = {
            nid: sample.arrays[nid]
            for nid in self._graph.input_ids
            if nid in sample.arrays and nid not in sample.errors
        }
        results = self._function(feeds)
        fused: dict[str, Fused] = {}
        for nid, result in results.items():
            produced = list(result["outputs"])
            preview = None
            if "stats" in result:
                try:
                    preview = self._preview(nid, result["stats"].numpy(), result["thumb"].numpy())
                except Exception:  # noqa: BLE001 - this node alone goes to the numpy path
                    preview = None
            fused[nid] = Fused(produced, preview)
        return fused

    def _forward(self, feeds: dict[str, Any]) -> dict[str, dict[str, Any]]:
        import keras

        env: dict[str, list[Any]] = {}
        results: dict[str, dict[str, Any]] = {}
        for nid in self._order:
            node = self._graph.nodes[nid]
            incoming = self._incoming[nid]
            if node.is_input:
                if nid not in feeds:
                    continue
                produced = [feeds[nid]]
            else:
                layer = self._layers.layers.get(nid)
                if nid in self._layers.errors or layer is None:
                    continue
                if any(e.src not in env for e in incoming):
                    continue
                args, kwargs = fill_template(node, [env[e.src][e.src_port] for e in incoming])
                try:
                    produced = list(keras.tree.flatten(layer(*args, **kwargs)))
                except Exception:  # noqa: BLE001 - e.g. a layer that needs eager tensors:
                    continue  # it and its descendants run on the eager path instead
            env[nid] = produced
            result: dict[str, Any] = {"outputs": produced}
            try:
                summary = self._summary(nid, produced[0])
            except Exception:  # noqa: BLE001 - an output this path cannot summarize
                summary = None  # goes to the numpy path
            if summary is not None:
                result["stats"], result["thumb"] = summary
            results[nid] = result
        return results

    def _summary(self, nid: str, output: Any) -> tuple[Any, Any] | None:
        """The in-graph stats vector and thumbnail of `output`'s first sample, or None."""
        import tensorflow as tf

        if output.dtype.name not in _FLOATS or output.shape.rank < 1:
            return None
        shape = tuple(output.shape[1:])
        if any(d is None for d in shape) or math.prod(shape) == 0:
            return None
        sample = tf.cast(output[0], tf.float32)
        plan = _plan(shape)
        if plan is None:
            return None
        kind, channels = plan
        self._shapes[nid], self._kinds[nid] = shape, plan
        return _statistics(tf.reshape(sample, [-1])), _thumbnail(sample, kind, channels)

    def _preview(self, nid: str, raw: np.ndarray, thumb: np.ndarray) -> Preview | None:
        shape, (kind, channels) = self._shapes[nid], self._kinds[nid]
        stats = _stats_dict(raw, math.prod(shape))
        if stats is None:
            return None
        with np.errstate(all="ignore"):
            if kind == "vector":
                return summ._vector(thumb.reshape(-1), shape, stats, False)
            if kind == "grid":
                return summ._grid(thumb, shape, stats, False, 0, channels=channels)
            return summ._image(thumb, kind, shape, stats, False)


def _plan(shape: tuple[int, ...]) -> tuple[str, int] | None:
    """The preview kind `summarize` gives a float sample of `shape`, and its channel count.

    Mirrors `summarize._summarize` (the fused tests compare the two on every kind)."""
    if len(shape) <= 1:
        return ("vector", 0) if math.prod(shape) <= SMALL_VECTOR else None
    if len(shape) == 2:
        square = 0.25 <= shape[0] / max(shape[1], 1) <= 4
        return ("gray" if square else "heatmap"), 0
    if len(shape) == 3 and shape[-1] in (1, 3):
        return ("gray" if shape[-1] == 1 else "rgb"), shape[-1]
    return "grid", math.prod(shape[2:])


def _statistics(flat: Any) -> Any:
    """``[min, max, sum, sum of squares, zeros]`` of a float vector.

    NaN and ±Inf poison the sum, so a finite sum proves every value finite; for the rare
    other case `_stats_dict` says None and the numpy path (NaN-aware) summarizes the node.
    Branch-free on purpose: a ``tf.cond`` per layer tripled the trace time."""
    import tensorflow as tf

    # Measured on ResNet50: a dot product (no squared copy) and counting zeros in float32
    # (count_nonzero goes through int64) cut the summaries' cost by about a third.
    return tf.stack([
        tf.reduce_min(flat),
        tf.reduce_max(flat),
        tf.reduce_sum(flat),
        tf.tensordot(flat, flat, 1),
        tf.reduce_sum(tf.cast(tf.equal(flat, 0.0), tf.float32)),
    ])


def _stats_dict(raw: np.ndarray, n: int) -> dict[str, float] | None:
    """`summarize.statistics`' dict from the function's stats vector of `n` values, or None
    where non-finite values need the numpy path's NaN-aware statistics."""
    lo, hi, total, square, zeros = (float(v) for v in raw)
    if not math.isfinite(total):
        return None
    mean = total / n
    return {
        "min": lo,
        "mean": mean,
        "max": hi,
        "std": math.sqrt(max(square / n - mean * mean, 0.0)),
        "zero_frac": zeros / n,
        "nan": 0,
        "inf": 0,
    }


def _thumbnail(sample: Any, kind: str, channels: int) -> Any:
    """The float thumbnail `summarize` would lay out and scale, before its layout."""
    import tensorflow as tf

    if kind == "vector":
        return sample
    if kind == "grid":
        h, w = sample.shape[0], sample.shape[1]
        maps = tf.reshape(sample, [h, w, -1])[..., : summ.THUMB_CHANNELS]
        return _shrink(maps, summ.THUMB_TILE, keep_aspect=True)
    if kind == "gray" and sample.shape.rank == 3:
        sample = sample[..., 0]
    planes = sample if kind == "rgb" else sample[..., None]
    small = _shrink(planes, summ.THUMB_SIDE, keep_aspect=kind != "heatmap")
    return small if kind == "rgb" else small[..., 0]


def _shrink(image: Any, side: int, keep_aspect: bool) -> Any:
    """`summarize._shrink` of an H×W×C tensor: the mean of each fh×fw block, edges cropped."""
    import tensorflow as tf

    h, w = image.shape[0], image.shape[1]
    fh, fw = max(1, math.ceil(h / side)), max(1, math.ceil(w / side))
    if keep_aspect:
        fh = fw = max(fh, fw)
    if fh == fw == 1:
        return image
    cropped = image[None, : (h // fh) * fh, : (w // fw) * fw]
    return tf.nn.avg_pool2d(cropped, (fh, fw), (fh, fw), "VALID")[0]
