"""Previews of the inner blocks of nested models (groups), keyed ``"GROUP/CHILD"``.

A group node (a node with `children`, such as a ``keras.applications`` backbone under a new
head) runs its nested model as one layer. Its inner blocks get their previews from the nested
model's own layers (the group's child trace, so the weights are the group's), run on the group's
input activation: the same sample flowing through. Each group has its own `PreviewEngine`, whose
sample digest is made of the keys of what flows into the group: an unchanged group reuses its
inner previews, and a changed one recomputes only the inner blocks whose layers (the layer cache
keeps the unchanged ones) or inputs changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perceptinb.graph import Graph
from perceptinb.keras_bridge import Trace
from perceptinb.preview.sample import Sample
from perceptinb.preview.summarize import Preview

if TYPE_CHECKING:
    from perceptinb.preview.engine import PreviewEngine

SEPARATOR = "/"


def inner_id(group_id: str, child_id: str) -> str:
    """The id of an inner block, as the browser draws it (``"GROUP/CHILD"``)."""
    return f"{group_id}{SEPARATOR}{child_id}"


class NestedPreviews:
    """The inner previews of every group of one graph, kept in the outer engine's `previews`."""

    def __init__(self) -> None:
        self._engines: dict[str, PreviewEngine] = {}
        self._keys: dict[str, str] = {}  # the group key each group's inner previews were made for

    def engine_of(self, node_id: str) -> tuple[PreviewEngine | None, str]:
        """The inner engine holding ``"GROUP/CHILD"`` and the child id (None if no such one)."""
        group, _, child = node_id.partition(SEPARATOR)
        return self._engines.get(group), child

    def owns(self, node_id: str) -> bool:
        engine, child = self.engine_of(node_id)
        return engine is not None and child in engine.previews

    def refresh(
        self,
        graph: Graph,
        layers: Trace,
        keys: dict[str, str],
        outputs: dict[str, list[Any]],
        incoming_of: dict[str, list[Any]],
        previews: dict[str, Preview],
    ) -> tuple[list[str], list[str], int]:
        """Bring the inner previews of `graph`'s groups up to date, in `previews`.

        Args:
            graph: The outer graph.
            layers: Its trace; ``layers.children`` holds each group's child trace.
            keys: The outer engine's current key per node.
            outputs: The outer engine's activations per node.
            incoming_of: `Graph.incoming_index` of `graph`.
            previews: The outer engine's previews, updated in place.

        Returns:
            ``(changed, removed, recomputed)``: inner ids whose preview changed or went away, and
            how many inner blocks ran.
        """
        from perceptinb.preview.engine import PreviewEngine, keras_to_numpy

        changed: list[str] = []
        removed: list[str] = []
        recomputed = 0
        stale: list[str] = []
        for group_id in list(self._engines):
            node = graph.nodes.get(group_id)
            if node is None or node.children is None or group_id not in layers.children:
                stale.append(group_id)
        for group_id, node in graph.nodes.items():
            child_trace = layers.children.get(group_id)
            if node.children is None or node.shares is not None or child_trace is None:
                continue
            key = keys.get(group_id)
            if key is None:
                continue  # not computed yet (previews streaming in): keep what it showed
            incoming = sorted(incoming_of[group_id], key=lambda e: e.dst_port)
            input_ids = node.children.input_ids
            if len(incoming) != len(input_ids) or any(e.src not in outputs for e in incoming):
                stale.append(group_id)  # blocked upstream, or inputs this cannot pair up
                continue
            if self._keys.get(group_id) == key:
                continue
            engine = self._engines.setdefault(group_id, PreviewEngine(fused="never"))
            sample = Sample(
                arrays={
                    cid: keras_to_numpy(outputs[e.src][e.src_port])
                    for cid, e in zip(input_ids, incoming)
                },
                # What flows in, not the group's own key: an edit inside the group then
                # recomputes only the edited inner blocks and what follows them.
                digest="\0".join(f"{keys[e.src]}:{e.src_port}" for e in incoming),
            )
            result = engine.refresh(node.children, child_trace, sample)
            self._keys[group_id] = key
            recomputed += result.recomputed
            for cid in result.changed:
                previews[inner_id(group_id, cid)] = engine.previews[cid]
                changed.append(inner_id(group_id, cid))
            for cid in result.removed:
                previews.pop(inner_id(group_id, cid), None)
                removed.append(inner_id(group_id, cid))
        for group_id in stale:
            engine = self._engines.pop(group_id, None)
            self._keys.pop(group_id, None)
            for cid in engine.previews if engine is not None else ():
                if previews.pop(inner_id(group_id, cid), None) is not None:
                    removed.append(inner_id(group_id, cid))
        return changed, removed, recomputed
