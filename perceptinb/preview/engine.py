"""Compute every node's output for the first sample, recomputing only what an edit touched.

Each node's result is cached under a key made of its layer config, the identity of the layer
object (so weights count), its call, its inputs' keys and the sample's digest. After an edit
only the nodes whose key changed, the edited node and its descendants, run again. Outputs stay
tensors between layers (no copies); only the summaries are converted to numpy.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from perceptinb.graph import Graph
from perceptinb.keras_bridge import Trace, fill_template
from perceptinb.keras_errors import keras_message
from perceptinb.preview.sample import Sample
from perceptinb.preview.summarize import Preview, failed, histogram, summarize

BLOCKED = "Not computed: an upstream block failed on the sample."


@dataclass
class Refresh:
    """What one refresh did: which previews changed or went away, and what it cost."""

    changed: list[str]
    removed: list[str]
    recomputed: int
    seconds: float
    bytes: int
    # Of `seconds`, the time spent inside the layers themselves: the rest is what previews add
    # on top of a plain forward pass (keys, summaries, encoding).
    layer_seconds: float = 0.0
    # False when the refresh stopped at its deadline or left nodes waiting for upstream ones
    # (previews streaming in): a later refresh goes on.
    complete: bool = True

    def after(self, earlier: Refresh) -> Refresh:
        """This batch of a stream together with the batches before it (stats add up)."""
        return Refresh(
            [*earlier.changed, *self.changed],
            [*earlier.removed, *self.removed],
            earlier.recomputed + self.recomputed,
            earlier.seconds + self.seconds,
            earlier.bytes + self.bytes,
            earlier.layer_seconds + self.layer_seconds,
            self.complete,
        )

    @property
    def stats(self) -> dict[str, float]:
        return {"recomputed": self.recomputed, "seconds": self.seconds, "bytes": self.bytes}


class PreviewEngine:
    """Incremental first-sample evaluation of a graph, layer by layer."""

    def __init__(self) -> None:
        self.previews: dict[str, Preview] = {}
        self._keys: dict[str, str] = {}
        self._outputs: dict[str, list[Any]] = {}
        self._weights_epoch = 0
        self._layers_alive: list[Any] = []
        self._layer_seconds = 0.0

    def invalidate(self) -> None:
        """Forget every result, e.g. after training changed the weights."""
        self._weights_epoch += 1

    def progress(self, graph: Graph) -> tuple[int, int]:
        """``(done, total)``: how many of `graph`'s nodes have a current result."""
        return sum(1 for nid in graph.nodes if nid in self._keys), len(graph.nodes)

    def cached_outputs(self) -> list[Any]:
        """Every cached activation tensor (for measuring what the previews summarize)."""
        return [t for produced in self._outputs.values() for t in produced]

    def refresh(
        self,
        graph: Graph,
        layers: Trace,
        sample: Sample,
        *,
        only: list[str] | None = None,
        incoming_of: dict[str, list[Any]] | None = None,
        until: float | None = None,
    ) -> Refresh:
        """Bring every node's preview up to date with `graph`, its layers and `sample`.

        Args:
            graph: The current graph.
            layers: The symbolic trace of the graph: its layer objects and per-node errors.
            sample: The first sample per input.
            only: The nodes an edit may have changed (the edited ones and their descendants),
                in topological order; the others keep their results. None: check every node.
            incoming_of: `Graph.incoming_index` of `graph`, when the caller has it.
            until: A `time.perf_counter` deadline: stop after the node that passes it, so the
                previews can stream in batches (`Refresh.complete` says whether all are done).
                A later call goes on where this one stopped.
        """
        import keras

        started = time.perf_counter()
        self._layer_seconds = 0.0
        changed: list[str] = []
        recomputed = pending = 0
        stopped = False
        # Results are updated in place, so a refresh stopped at `until` keeps what it did.
        keys, outputs = self._keys, self._outputs
        incoming_of = incoming_of if incoming_of is not None else graph.incoming_index()
        for node_id in only if only is not None else graph.topological_order():
            incoming = incoming_of[node_id]
            if any(e.src not in keys for e in incoming):
                # An upstream block was never computed (previews still streaming in): this
                # one waits for it rather than showing itself as blocked.
                keys.pop(node_id, None)
                pending += 1
                continue
            key = self._key(graph, node_id, layers, sample, [keys[e.src] for e in incoming])
            if keys.get(node_id) == key and node_id in self.previews:
                continue
            keys[node_id] = key
            outputs.pop(node_id, None)  # a node that fails now has none
            recomputed += 1
            changed.append(node_id)
            preview, produced = self._evaluate(
                graph, node_id, incoming, layers, sample, outputs, keras
            )
            self.previews[node_id] = preview
            if produced is not None:
                outputs[node_id] = produced
            if until is not None and time.perf_counter() > until:
                stopped = True
                break
        removed = [nid for nid in self.previews if nid not in graph.nodes]
        for nid in removed:
            del self.previews[nid]
        for gone in [k for k in keys if k not in graph.nodes]:
            keys.pop(gone)
            outputs.pop(gone, None)
        self._layers_alive = list(layers.layers.values())
        seconds = time.perf_counter() - started
        payload = sum(self.previews[nid].nbytes for nid in changed)
        return Refresh(
            changed, removed, recomputed, seconds, payload, self._layer_seconds,
            complete=not stopped and not pending,
        )

    def detail(self, node_id: str, page: int, target: Any = None) -> dict[str, Any] | None:
        """Full-resolution preview, histogram and target for the inspector."""
        produced = self._outputs.get(node_id)
        if not produced:
            return None
        array = keras_to_numpy(produced[0])
        counts, lo, hi = histogram(array)
        return {
            "item": summarize(array, detail=True, page=page),
            "histogram": (counts, lo, hi),
            "target": summarize(target, detail=True) if target is not None else None,
        }

    def _key(
        self, graph: Graph, node_id: str, layers: Trace, sample: Sample, input_keys: list[str]
    ) -> str:
        node = graph.nodes[node_id]
        # The layer object stands for its config: the canvas makes a new layer whenever a
        # node's config or input signature changes. `refresh` keeps every keyed layer alive,
        # so its id cannot be reused by another object while the key is cached.
        parts = [
            str(id(layers.layers.get(node_id))),
            json.dumps(node.call, sort_keys=True) if node.call else "",
            layers.errors.get(node_id, ""),
            str(self._weights_epoch),
            *input_keys,
        ]
        if node.is_input:
            parts.append(sample.digest)
        return hashlib.sha1("\0".join(parts).encode()).hexdigest()

    def _evaluate(
        self,
        graph: Graph,
        node_id: str,
        incoming: list[Any],
        layers: Trace,
        sample: Sample,
        outputs: dict[str, list[Any]],
        keras: Any,
    ) -> tuple[Preview, list[Any] | None]:
        node = graph.nodes[node_id]
        if node.is_input:
            if node_id in sample.errors:
                return failed((), sample.errors[node_id]), None
            array = sample.arrays.get(node_id)
            if array is None:
                return failed((), "No sample for this input."), None
            produced = [keras.ops.convert_to_tensor(array)]
            return summarize(array), produced
        if node_id in layers.errors:
            return failed((), layers.errors[node_id]), None
        layer = layers.layers.get(node_id)
        if layer is None or any(e.src not in outputs for e in incoming):
            return failed((), BLOCKED), None
        inputs = [outputs[e.src][e.src_port] for e in incoming]
        args, kwargs = fill_template(node, inputs)
        try:
            call_started = time.perf_counter()
            result = layer(*args, **kwargs)
            self._layer_seconds += time.perf_counter() - call_started
        except Exception as exc:  # the layer fails on real data: shown on the block
            return failed((), keras_message(exc)), None
        produced = list(keras.tree.flatten(result))
        return summarize(keras_to_numpy(produced[0])), produced


def keras_to_numpy(value: Any) -> Any:
    """A read-only numpy view of a backend tensor. ``np.asarray`` shares TensorFlow's memory,
    where ``tensor.numpy()`` would copy every activation (about 148 MB for ResNet50)."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return np.asarray(value)
    return keras.ops.convert_to_numpy(value)
