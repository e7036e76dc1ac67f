"""The graph model: plain Python data describing a Keras model as layer blocks and edges.

Nothing here imports TensorFlow or Keras. A node's settings *are* the Keras layer config, so the
graph can describe every layer Keras can serialize. `keras_import` turns models into graphs,
`keras_bridge` graphs into models; `schema` turns them into versioned JSON and back.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from perceptinb.errors import GraphError

INPUT_TYPE = "InputLayer"
MODEL_TYPES = frozenset({"Sequential", "Functional", "Model"})
# A node id becomes a Keras layer name, and "/" separates a group from its children in the
# canvas, so it may not appear in ids.
FORBIDDEN_ID_CHARS = "/"


@dataclass
class Node:
    """One layer call drawn as a block.

    Args:
        id: Unique id; equals the Keras layer name for imported and built models.
        type: The Keras class name, e.g. ``"Conv2D"`` (or a registered name for custom layers).
        settings: The layer config, exactly as ``layer.get_config()`` returns it.
        pos: Position the user placed the block at, or None for automatic layout.
        shares: For the second and later calls of a shared layer: the id of the node that owns
            the layer (and its settings and weights). None for ordinary nodes.
        call: How the incoming tensors are passed to the layer when it is not the default
            (one tensor, or a list for several): ``{"args": [...], "kwargs": {...}}`` with
            ``{"__input__": i}`` where incoming tensor ``i`` goes.
        module: For layers outside ``keras.layers``: ``{"module": ..., "registered_name": ...}``.
        children: The inner graph of a nested model.
    """

    id: str
    type: str
    settings: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] | None = None
    shares: str | None = None
    call: dict[str, Any] | None = None
    module: dict[str, Any] | None = None
    children: Graph | None = None

    @property
    def is_input(self) -> bool:
        return self.type == INPUT_TYPE

    @property
    def is_model(self) -> bool:
        return self.children is not None


@dataclass(frozen=True)
class Edge:
    """Output ``src_port`` of node ``src`` feeds input ``dst_port`` of node ``dst``."""

    src: str
    dst: str
    src_port: int = 0
    dst_port: int = 0


class Graph:
    """A directed acyclic graph of layer calls.

    Args:
        nodes: Nodes in insertion order (the order Keras listed the layers in).
        edges: Connections between node ports.
        name: The model name.
        model_class: ``"Functional"`` or ``"Sequential"``: what `to_keras` rebuilds.
        outputs: The model outputs as ``(node_id, port)`` in order; None means every node
            without outgoing edges, in node order.
        weights: Weight arrays per node id, carried from an imported model. Kept in memory
            only: JSON files hold the architecture.
        trusted: Set when the graph was loaded with ``trusted=True``: building it may then run
            code (Lambda layers, importing custom layers' modules). Never saved to JSON.
        input_keys: For a model that takes a dict (``keras.Model(inputs={"age": ...})``): the
            key of each input node, ``{node_id: key}``. None for a tensor or a list.
        output_keys: For a model that returns a dict: the key of each entry of `outputs`.

    Attributes:
        locked: For a live import (``Graph.from_keras(model, live=True)``): why each block that
            cannot be rebuilt from its settings is locked, ``{node_id: reason}``. Memory only.
        live: The model's own layer object for each locked block, used to build and preview
            it. Memory only.
    """

    def __init__(
        self,
        nodes: Iterable[Node] = (),
        edges: Iterable[Edge] = (),
        *,
        name: str = "model",
        model_class: str = "Functional",
        outputs: list[tuple[str, int]] | None = None,
        weights: dict[str, list[Any]] | None = None,
        trusted: bool = False,
        input_keys: dict[str, str] | None = None,
        output_keys: list[str] | None = None,
    ) -> None:
        self.nodes: dict[str, Node] = {}
        for node in nodes:
            if node.id in self.nodes:
                raise GraphError(f"Duplicate node id {node.id!r}: node ids must be unique.")
            self.nodes[node.id] = node
        self.edges: list[Edge] = list(edges)
        self.name = name
        self.model_class = model_class
        self.outputs = list(outputs) if outputs is not None else None
        self.weights: dict[str, list[Any]] = dict(weights or {})
        self.trusted = trusted
        self.input_keys = dict(input_keys) if input_keys is not None else None
        self.output_keys = list(output_keys) if output_keys is not None else None
        self.locked: dict[str, str] = {}
        self.live: dict[str, Any] = {}

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_keras(cls, model: Any, *, trusted: bool = False, live: bool = False) -> Graph:
        """Import a Keras model: Sequential, Functional, nested, shared layers, multi-in/out.

        Args:
            model: A built ``keras.Model``.
            trusted: Allow Lambda and unregistered custom layers, whose rebuilding runs code.
            live: To look at the model rather than rebuild it: blocks that cannot be rebuilt
                from their settings are locked (see `locked`) instead of refused, and use the
                model's own layers.

        Raises:
            GraphError: naming the block that cannot be imported, and why.
        """
        from perceptinb.keras_import import graph_from_keras

        return graph_from_keras(model, trusted=trusted, live=live)

    @classmethod
    def from_json(cls, text: str | bytes, *, trusted: bool = False) -> Graph:
        """Parse and validate a graph saved by `to_json`. Never executes code from the file."""
        from perceptinb.schema import graph_from_json

        return graph_from_json(text, trusted=trusted)

    def to_json(self, *, indent: int | None = 1) -> str:
        """Serialize the architecture (not the weights) to versioned JSON."""
        from perceptinb.schema import graph_to_json

        return graph_to_json(self, indent=indent)

    def to_keras(self) -> Any:
        """Build an equivalent ``keras.Model``; weights carried from an import are restored."""
        from perceptinb.keras_bridge import graph_to_keras

        return graph_to_keras(self)

    def to_code(self, *, trusted: bool | None = None) -> str:
        """Readable Keras functional-API code; ``exec`` of it binds the model to ``model``.

        Args:
            trusted: Write Lambda layers, whose code runs when the script does. None: as the
                graph was loaded (``Graph.from_keras(model, trusted=True)``).
        """
        from perceptinb.codegen import graph_to_code

        return graph_to_code(self, trusted=self.trusted if trusted is None else trusted)

    def copy(self) -> Graph:
        """A deep copy of the structure; weight arrays and live layers are shared."""
        copied = Graph(
            (
                Node(
                    n.id,
                    n.type,
                    copy.deepcopy(n.settings),
                    n.pos,
                    n.shares,
                    copy.deepcopy(n.call),
                    copy.deepcopy(n.module),
                    n.children.copy() if n.children is not None else None,
                )
                for n in self.nodes.values()
            ),
            self.edges,
            name=self.name,
            model_class=self.model_class,
            outputs=self.outputs,
            weights=self.weights,
            trusted=self.trusted,
            input_keys=self.input_keys,
            output_keys=self.output_keys,
        )
        copied.locked = dict(self.locked)
        copied.live = dict(self.live)
        return copied

    # -- queries ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"Unknown node {node_id!r}.") from None

    def inputs_of(self, node_id: str) -> list[Edge]:
        """Incoming edges of a node, ordered by input port."""
        return sorted((e for e in self.edges if e.dst == node_id), key=lambda e: e.dst_port)

    def incoming_index(self) -> dict[str, list[Edge]]:
        """`inputs_of` for every node at once: one pass over the edges instead of one per node."""
        index: dict[str, list[Edge]] = {nid: [] for nid in self.nodes}
        for e in self.edges:
            index[e.dst].append(e)
        for edges in index.values():
            edges.sort(key=lambda e: e.dst_port)
        return index

    def outputs_of(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id]

    @property
    def input_ids(self) -> list[str]:
        return [n.id for n in self.nodes.values() if n.is_input]

    @property
    def output_refs(self) -> list[tuple[str, int]]:
        """The model outputs: the explicit list, or every node nothing consumes."""
        if self.outputs is not None:
            return list(self.outputs)
        consumed = {e.src for e in self.edges}
        return [(nid, 0) for nid in self.nodes if nid not in consumed]

    def sharers_of(self, node_id: str) -> list[str]:
        return [n.id for n in self.nodes.values() if n.shares == node_id]

    def owner(self, node_id: str) -> Node:
        """The node that owns the layer this node calls (itself unless it is a shared call)."""
        node = self.node(node_id)
        return self.node(node.shares) if node.shares else node

    def topological_order(self) -> list[str]:
        """Node ids so that every edge goes forward; ties keep insertion order.

        Raises:
            GraphError: naming the nodes on a cycle.
        """
        indegree = {nid: 0 for nid in self.nodes}
        children: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for e in self.edges:
            indegree[e.dst] += 1
            children[e.src].append(e.dst)
        position = {nid: i for i, nid in enumerate(self.nodes)}
        ready = [nid for nid, d in indegree.items() if d == 0]
        order: list[str] = []
        while ready:
            ready.sort(key=position.__getitem__, reverse=True)
            nid = ready.pop()
            order.append(nid)
            for child in children[nid]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        if len(order) != len(self.nodes):
            stuck = [nid for nid, d in indegree.items() if d > 0]
            raise GraphError(f"The graph has a cycle through nodes {self._cycle_through(stuck)}.")
        return order

    def _cycle_through(self, candidates: list[str]) -> list[str]:
        """One concrete cycle among `candidates`, for an error message a user can act on."""
        succ: dict[str, list[str]] = {}
        for e in self.edges:
            succ.setdefault(e.src, []).append(e.dst)
        start = candidates[0]
        path, seen = [start], {start: 0}
        while True:
            nxt = next((d for d in succ.get(path[-1], []) if d in candidates), None)
            if nxt is None:
                return candidates
            if nxt in seen:
                return path[seen[nxt] :] + [nxt]
            seen[nxt] = len(path)
            path.append(nxt)

    def descendants(self, node_ids: Iterable[str]) -> set[str]:
        """Every node reachable from `node_ids` (inclusive)."""
        succ: dict[str, list[str]] = {}
        for e in self.edges:
            succ.setdefault(e.src, []).append(e.dst)
        seen: set[str] = set()
        stack = list(node_ids)
        while stack:
            nid = stack.pop()
            if nid in seen:
                continue
            seen.add(nid)
            stack.extend(succ.get(nid, ()))
        return seen

    def would_cycle(self, src: str, dst: str) -> bool:
        return src in self.descendants([dst])

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """Every node, nested ones included, with its path id (``group/child``)."""
        for node in self.nodes.values():
            yield prefix + node.id, node
            if node.children is not None:
                yield from node.children.walk(prefix + node.id + "/")

    # -- checks ------------------------------------------------------------------------
    def validate(self, nodes: Iterable[str] | None = None, *, structure: bool = True) -> None:
        """Check the structure; raise `GraphError` naming the node or edge at fault.

        Args:
            nodes: Check only these nodes (the ones a command changed); None: every node.
            structure: Also check the edges, the outputs and that there is no cycle (a
                command that changed none of them may skip this O(graph) part).
        """
        for nid in self.nodes if nodes is None else nodes:
            node = self.nodes[nid]
            where = f"node {nid!r}"
            if not isinstance(nid, str) or not nid or nid != node.id:
                raise GraphError(f"Invalid node id {nid!r}: expected a non-empty string.")
            if any(ch in nid for ch in FORBIDDEN_ID_CHARS):
                raise GraphError(f"Invalid {where}: ids may not contain {FORBIDDEN_ID_CHARS!r}.")
            if not isinstance(node.type, str) or not node.type:
                raise GraphError(f"Invalid {where}: 'type' must be a layer class name.")
            if not isinstance(node.settings, dict):
                raise GraphError(f"Invalid {where}: 'settings' must be a dict.")
            if node.pos is not None and not (
                len(node.pos) == 2 and all(_finite_number(v) for v in node.pos)
            ):
                raise GraphError(f"Invalid {where}: 'pos' must be two finite numbers.")
            if node.shares is not None:
                owner = self.nodes.get(node.shares)
                if owner is None or owner.shares is not None or owner.type != node.type:
                    raise GraphError(
                        f"Invalid {where}: 'shares' must name a node of the same type that "
                        f"owns its layer. Received: shares={node.shares!r}."
                    )
            if node.is_input and any(e.dst == nid for e in self.edges):
                raise GraphError(f"Invalid {where}: an InputLayer cannot have incoming edges.")
            if node.children is not None:
                try:
                    node.children.validate()
                except GraphError as exc:
                    raise GraphError(f"In nested model {nid!r}: {exc}") from None
        if not structure:
            return
        slots: set[tuple[str, int]] = set()
        for i, e in enumerate(self.edges):
            for end in (e.src, e.dst):
                if end not in self.nodes:
                    raise GraphError(
                        f"Dangling edge {i} ({e.src!r} -> {e.dst!r}): node {end!r} does not exist."
                    )
            for port_name in ("src_port", "dst_port"):
                port = getattr(e, port_name)
                if not isinstance(port, int) or isinstance(port, bool) or port < 0:
                    raise GraphError(f"Edge {i} ({e.src!r} -> {e.dst!r}): invalid {port_name}.")
            if (e.dst, e.dst_port) in slots:
                raise GraphError(
                    f"Edge {i}: input port {e.dst_port} of node {e.dst!r} is fed twice."
                )
            slots.add((e.dst, e.dst_port))
        for ref in self.outputs or ():
            if ref[0] not in self.nodes:
                raise GraphError(f"Model output {ref[0]!r} is not a node of the graph.")
        if self.input_keys is not None and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.input_keys.items()
        ):
            raise GraphError(
                f"Invalid input_keys: expected {{node_id: key}} strings. "
                f"Received: {self.input_keys!r}."
            )
        if self.output_keys is not None and not all(isinstance(k, str) for k in self.output_keys):
            raise GraphError(
                f"Invalid output_keys: expected a list of strings. Received: {self.output_keys!r}."
            )
        self.topological_order()

    def diff(self, other: Graph) -> dict[str, Any]:
        """What changed from this graph to `other`: added, removed and changed nodes.

        Returns:
            ``{"added": [ids], "removed": [ids], "changed": {id: {key: (old, new)}},
            "edges_added": [...], "edges_removed": [...]}``.
        """
        changed: dict[str, dict[str, tuple[Any, Any]]] = {}
        for nid in self.nodes.keys() & other.nodes.keys():
            a, b = self.nodes[nid], other.nodes[nid]
            delta = {
                key: (a.settings.get(key), b.settings.get(key))
                for key in a.settings.keys() | b.settings.keys()
                if a.settings.get(key) != b.settings.get(key)
            }
            if a.type != b.type:
                delta["type"] = (a.type, b.type)
            if delta:
                changed[nid] = delta
        return {
            "added": [nid for nid in other.nodes if nid not in self.nodes],
            "removed": [nid for nid in self.nodes if nid not in other.nodes],
            "changed": changed,
            "edges_added": [e for e in other.edges if e not in self.edges],
            "edges_removed": [e for e in self.edges if e not in other.edges],
        }


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
