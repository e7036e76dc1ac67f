"""Per-layer statistics for the dashboard's layer view: weights, biases and gradients.

Once per epoch (never per batch) each layer's variables are summarised as min / mean / max and a
fixed-size histogram. Gradients come from one small probe batch, in the same pass that gives the
output view its first-sample prediction. Everything kept here is bounded: a fixed number of bins,
and at most `max_epochs` histograms per series (older ones are thinned).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perceptinb.preview.summarize import histogram_of, statistics

BINS = 24
KINDS = ("weights", "bias", "gradients")


@dataclass
class Summary:
    """min / mean / max and a histogram (`edges` has `len(counts) + 1` values)."""

    min: float
    mean: float
    max: float
    edges: np.ndarray
    counts: np.ndarray


def summarize(arrays: list[np.ndarray], bins: int = BINS) -> Summary | None:
    """One summary over several arrays (e.g. all kernels of a layer); None when empty.

    The numbers come from the block previews' own `statistics` and `histogram_of`, so a layer's
    values read the same on the canvas and on the dashboard. NaN/Inf are left out.
    """
    flat = [np.asarray(a, np.float32).ravel() for a in arrays if np.size(a)]
    if not flat:
        return None
    values = flat[0] if len(flat) == 1 else np.concatenate(flat)
    counts, edges, _, _ = histogram_of(values, bins)
    with np.errstate(all="ignore"):
        stats = statistics(values)
    if stats["nan"] + stats["inf"] == values.size:  # nothing finite to summarise
        nan = float("nan")
        return Summary(nan, nan, nan, edges, counts)
    return Summary(stats["min"], stats["mean"], stats["max"], edges, counts)


def is_bias(variable: Any) -> bool:
    """Biases (and BatchNorm's beta) are drawn apart from kernels: their scale differs."""
    name = str(getattr(variable, "path", None) or getattr(variable, "name", "")).rsplit("/", 1)[-1]
    return name.split(":")[0] in ("bias", "beta")


@dataclass
class SeriesOverEpochs:
    """One layer's statistic (say, its gradients) across epochs."""

    epochs: list[int] = field(default_factory=list)
    min: list[float] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    max: list[float] = field(default_factory=list)
    histograms: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)

    def add(self, epoch: int, summary: Summary, max_epochs: int) -> None:
        self.epochs.append(epoch)
        self.min.append(summary.min)
        self.mean.append(summary.mean)
        self.max.append(summary.max)
        self.histograms.append((epoch, summary.edges, summary.counts))
        if len(self.histograms) > max_epochs:
            # Thin the middle, keep the first and the newest: memory stays bounded.
            kept = self.histograms[0:-1:2] + [self.histograms[-1]]
            self.histograms = kept


class LayerStats:
    """Statistics per layer name and kind ("weights", "bias", "gradients"), bounded in size.

    Args:
        max_epochs: Histograms kept per layer and kind; older epochs are thinned beyond this.
    """

    def __init__(self, max_epochs: int = 100) -> None:
        self.max_epochs = max_epochs
        self.series: dict[str, dict[str, SeriesOverEpochs]] = {}

    def add(self, layer: str, kind: str, epoch: int, summary: Summary | None) -> None:
        if summary is None:
            return
        per_kind = self.series.setdefault(layer, {})
        per_kind.setdefault(kind, SeriesOverEpochs()).add(epoch, summary, self.max_epochs)

    def get(self, layer: str, kind: str) -> SeriesOverEpochs | None:
        return self.series.get(layer, {}).get(kind)


def weighted_layers(model: Any) -> list[Any]:
    """The model's top-level layers that own variables (a nested model counts as one layer)."""
    return [layer for layer in model.layers if layer.weights]


def weight_summaries(layers: list[Any], bins: int = BINS) -> dict[str, dict[str, Summary]]:
    """{layer: {"weights": Summary, "bias": Summary}} from the layers' current values."""
    out: dict[str, dict[str, Summary]] = {}
    for layer in layers:
        kernels, biases = [], []
        for variable in layer.weights:
            (biases if is_bias(variable) else kernels).append(np.asarray(variable.numpy()))
        entry = {}
        for kind, arrays in (("weights", kernels), ("bias", biases)):
            summary = summarize(arrays, bins)
            if summary is not None:
                entry[kind] = summary
        out[layer.name] = entry
    return out


class Probe:
    """Forward and backward pass on a small fixed batch: the first sample's prediction for the
    output view and the gradients of the loss for the layer view.

    Runs on the training thread between epochs, so it sees one consistent set of weights. Both
    passes are traced once as tf.functions: eagerly, Keras spends ~2 ms per forward and ~6 ms per
    gradient pass on dispatch even for a tiny model; traced they cost ~0.5 and ~1.3 ms, after a
    one-time trace of ~20 and ~40 ms.

    Args:
        model: A compiled Keras model.
        x: Probe inputs (first axis: samples), y: their targets.
    """

    def __init__(self, model: Any, x: Any, y: Any) -> None:
        import keras

        self.model = model
        self.x = x
        self.y = y
        self.first = keras.tree.map_structure(lambda a: a[:1], x)
        self._forward: Any = None
        self._gradients: Any = None
        self._variables: list[Any] = []

    def predict_first(self) -> np.ndarray:
        """The model's output for the first probe sample, as float32 (first output only)."""
        if self._forward is None:
            import tensorflow as tf

            model = self.model
            self._forward = _quiet(tf.function(lambda x: model(x, training=False),
                                               autograph=False))
        return _first_output(self._forward(self.first))

    def gradients(self, layers: list[Any]) -> tuple[np.ndarray, dict[str, list[np.ndarray]]]:
        """(first-sample prediction, {layer name: gradient arrays}) in one pass."""
        if self._gradients is None:
            import tensorflow as tf

            model = self.model
            variables = [v for layer in layers for v in layer.trainable_weights]
            self._variables = variables

            def step(x: Any, y: Any) -> Any:
                with tf.GradientTape() as tape:
                    y_pred = model(x, training=False)
                    # compute_loss also feeds the per-output loss trackers of multi-output
                    # models; harmless here: the epoch's logs are final before on_epoch_end, and
                    # the trackers reset when the next epoch begins.
                    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
                grads = tape.gradient(loss, variables)
                return y_pred, [g if g is not None else tf.zeros_like(v)
                                for g, v in zip(grads, variables)]

            self._gradients = _quiet(tf.function(step, autograph=False))
        y_pred, grads = self._gradients(self.x, self.y)
        by_layer: dict[str, list[np.ndarray]] = {}
        i = 0
        for layer in layers:
            n = len(layer.trainable_weights)
            by_layer[layer.name] = [np.asarray(g) for g in grads[i : i + n]]
            i += n
        return _first_output(y_pred), by_layer


def _quiet(function: Any) -> Any:
    """Each run traces its own probe functions once; TensorFlow would count those traces across
    runs as "frequent retracing" and warn. They are not, so opt out of that warning."""
    function._omit_frequent_tracing_warning = True
    return function


def _first_output(y_pred: Any) -> np.ndarray:
    """Row 0 of the (first) output."""
    import keras

    out = np.asarray(keras.tree.flatten(y_pred)[0])
    return (out[0] if out.ndim else out).astype(np.float32)
