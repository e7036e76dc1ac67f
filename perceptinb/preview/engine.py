"""Compute every node's output for the first sample, recomputing only what an edit touched.

Each node's result is cached under a key made of its layer config, the identity of the layer
object (so weights count), its call, its inputs' keys and the sample's digest. After an edit
only the nodes whose key changed, the edited node and its descendants, run again. Outputs stay
tensors between layers (no copies); only the summaries are converted to numpy.

Two paths compute a full refresh. The numpy path runs each layer eagerly and summarizes its
output with numpy (`summarize`). The fused path (`perceptinb.preview.fused`) runs the whole
graph as one `tf.function` that also computes the summaries, so activations stay inside
TensorFlow. It is faster per refresh (ResNet50 on 2 shared cores: 0.6-1.1x a plain eager
``model(x)``, against 1.3-1.5x for the numpy path), but tracing it costs about 25-30 ms per
block once (4.4-5 s for ResNet50). So with ``fused="auto"`` the engine rents before it buys:
full recomputes of one graph structure (e.g. `Canvas.refresh_previews` after each training
epoch) stay on the numpy path until their summed time reaches the expected compile time, then
the compiled pass is used for every further one; with a fair compile estimate this costs at
most about twice the best choice made in hindsight. First
paints and edits (incremental) stay on the numpy path. Nodes the fused function cannot
summarize or run fall back to numpy, one by one.
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
from perceptinb.preview.fused import Fused, FusedRunner
from perceptinb.preview.nested import NestedPreviews
from perceptinb.preview.sample import Sample
from perceptinb.preview.summarize import Preview, failed, histogram, summarize

BLOCKED = "Not computed: an upstream block failed on the sample."
# Measured: tracing and first running ResNet50's fused function (177 blocks) took 4.4-5 s on
# 2 cores. Each engine replaces it with its own measurement after its first compile.
COMPILE_SECONDS_PER_NODE = 0.03


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
    # Which path summarized the recomputed nodes: "fused", "numpy", or "mixed" (some of each).
    path: str = "numpy"

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
            _joined_path(earlier, self),
        )

    @property
    def stats(self) -> dict[str, Any]:
        return {
            "recomputed": self.recomputed,
            "seconds": self.seconds,
            "bytes": self.bytes,
            "path": self.path,
        }


def _joined_path(earlier: Refresh, later: Refresh) -> str:
    if not earlier.recomputed:
        return later.path
    if not later.recomputed:
        return earlier.path
    return earlier.path if earlier.path == later.path else "mixed"


class PreviewEngine:
    """Incremental first-sample evaluation of a graph, layer by layer.

    Args:
        fused: When full refreshes use the fused path: "auto" (once it has paid off, see
            the module docstring), "always" (every full recompute) or "never".
    """

    def __init__(self, fused: str = "auto") -> None:
        if fused not in ("auto", "always", "never"):
            raise ValueError(
                f"Expected fused to be 'auto', 'always' or 'never'. Received: fused={fused!r}"
            )
        self.fused = fused
        self.compile_seconds_per_node = COMPILE_SECONDS_PER_NODE
        # The structure that the last full refresh saw, and the seconds full numpy refreshes
        # of it took (what not compiling has cost so far); the compiled runner for it.
        self._full_structure = ""
        self._numpy_spent = 0.0
        self._runner: tuple[str, FusedRunner | None] = ("", None)
        # The fused function's results of the current refresh, with the key each was made for.
        self._fused: dict[str, tuple[str, Fused]] = {}
        self._summaries = {"fused": 0, "numpy": 0}
        self.previews: dict[str, Preview] = {}
        self._keys: dict[str, str] = {}
        self._outputs: dict[str, list[Any]] = {}
        self._weights_epoch = 0
        self._layers_alive: list[Any] = []
        self._layer_seconds = 0.0
        self._nested = NestedPreviews()  # the inner blocks of groups ("GROUP/CHILD")

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
        self._summaries = {"fused": 0, "numpy": 0}
        changed: list[str] = []
        recomputed = pending = 0
        stopped = False
        # Results are updated in place, so a refresh stopped at `until` keeps what it did.
        keys, outputs = self._keys, self._outputs
        incoming_of = incoming_of if incoming_of is not None else graph.incoming_index()
        order = only if only is not None else graph.topological_order()
        if only is None:
            self._run_fused(graph, layers, sample, order, incoming_of)
        for node_id in order:
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
        removed = [
            nid for nid in self.previews if nid not in graph.nodes and not self._nested.owns(nid)
        ]
        for nid in removed:
            del self.previews[nid]
        for gone in [k for k in keys if k not in graph.nodes]:
            keys.pop(gone)
            outputs.pop(gone, None)
        inner_changed, inner_removed, inner_recomputed = self._nested.refresh(
            graph, layers, keys, outputs, incoming_of, self.previews
        )
        changed += inner_changed
        removed += inner_removed
        recomputed += inner_recomputed
        self._layers_alive = list(layers.layers.values())
        if not stopped:
            self._fused = {}  # the activations live on in `outputs` only
        seconds = time.perf_counter() - started
        payload = sum(self.previews[nid].nbytes for nid in changed)
        fused, numpy_ = self._summaries["fused"], self._summaries["numpy"]
        path = "mixed" if fused and numpy_ else ("fused" if fused else "numpy")
        if only is None and not fused:
            self._numpy_spent += seconds
        return Refresh(
            changed, removed, recomputed, seconds, payload, self._layer_seconds,
            complete=not stopped and not pending, path=path,
        )

    def _run_fused(
        self,
        graph: Graph,
        layers: Trace,
        sample: Sample,
        order: list[str],
        incoming_of: dict[str, list[Any]],
    ) -> None:
        """Run the fused function for a full refresh where it pays (see the module docstring).

        Its results wait in `_fused` under each node's key; `_evaluate` takes them. Any
        failure of the function as a whole leaves every node to the numpy path."""
        if self.fused == "never":
            return
        keys: dict[str, str] = {}
        stale = 0
        for nid in order:
            keys[nid] = self._key(graph, nid, layers, sample, [
                keys.get(e.src, "") for e in incoming_of[nid]
            ])
            stale += self._keys.get(nid) != keys[nid] or nid not in self.previews
        structure = self._structure(graph, layers, sample, order, incoming_of)
        if structure != self._full_structure:
            self._full_structure, self._numpy_spent = structure, 0.0
            self._runner = ("", None)  # frees the old graph's function and layers
        if stale < len(order):
            return  # a batch of streaming previews, or nothing to recompute
        name, runner = self._runner
        if name != structure:
            expected = self.compile_seconds_per_node * len(order)
            if self.fused == "auto" and self._numpy_spent < expected:
                return  # compiling would not pay yet
            runner = FusedRunner(graph, layers, order)
            self._runner = (structure, runner)
        if runner is None:
            return  # this structure failed before: no retrying every refresh
        started = time.perf_counter()
        try:
            results = runner.run(sample)
        except Exception:  # noqa: BLE001 - the numpy path gives every node its preview
            self._runner = (structure, None)
            return
        if name != structure:  # the first run traced the function: learn what that costs
            self.compile_seconds_per_node = (time.perf_counter() - started) / len(order)
        self._fused = {nid: (keys[nid], result) for nid, result in results.items()}

    def _structure(
        self,
        graph: Graph,
        layers: Trace,
        sample: Sample,
        order: list[str],
        incoming_of: dict[str, list[Any]],
    ) -> str:
        """A digest of what a compiled forward pass depends on: layers, calls, wiring and the
        sample's shapes (not its values, nor the weights, which the function reads live)."""
        parts = []
        for nid in order:
            node = graph.nodes[nid]
            parts.append(nid)
            parts.append(str(id(layers.layers.get(nid))))
            parts.append(json.dumps(node.call, sort_keys=True) if node.call else "")
            parts.append(layers.errors.get(nid, ""))
            parts.extend(f"{e.src}:{e.src_port}" for e in incoming_of[nid])
            array = sample.arrays.get(nid)
            if array is not None:
                parts.append(f"{np.shape(array)}{getattr(array, 'dtype', '')}")
            parts.append(sample.errors.get(nid, ""))
        return hashlib.sha1("\0".join(parts).encode()).hexdigest()

    def detail(self, node_id: str, page: int, target: Any = None) -> dict[str, Any] | None:
        """Full-resolution preview, histogram and target for the inspector."""
        if node_id not in self._outputs:
            inner, child = self._nested.engine_of(node_id)
            if inner is not None:
                return inner.detail(child, page, target)
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
        fused = self._fused.get(node_id)
        if fused is not None and fused[0] == self._keys.get(node_id):
            result = fused[1]
            if result.preview is not None:
                self._summaries["fused"] += 1
                return result.preview, result.produced
            self._summaries["numpy"] += 1
            node = graph.nodes[node_id]
            # An input's own sample (text stays text), else the output the function computed.
            array = sample.arrays[node_id] if node.is_input else keras_to_numpy(result.produced[0])
            return summarize(array), result.produced
        self._summaries["numpy"] += 1
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
