"""The command protocol: the one way a graph changes, from Python and from the browser alike.

`apply_command` is pure: it validates a command against a graph and returns a *new* graph, so a
rejected command cannot leave anything half-changed. `History` adds undo and redo on top by
keeping the graphs before and after each command.

The new graph shares every node the command did not touch with the old one (copy on write:
a handler copies a node before changing it). So an edit costs the change, not the graph, and
comparing two snapshots node by node (`is`) tells what an edit or an undo touched.

Ops: add {type, settings?, id?, pos?} · remove {node} · connect / disconnect {src, dst,
src_port?, dst_port?} · set {node, key, value} · rename {node, name} (``node`` may be a
``"GROUP/CHILD"`` path into a nested model for these two) · move {node, pos} ·
restore {graph} (a whole perceptinb graph document, e.g. a hub version: one undoable step) ·
undo · redo. ``connect`` to a taken input port of a multi-input layer inserts there.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from perceptinb.errors import CommandError, GraphError
from perceptinb.graph import FORBIDDEN_ID_CHARS, INPUT_TYPE, Edge, Graph, Node
from perceptinb.keras_errors import keras_message

_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # op: (required fields, optional fields)
    "add": ({"type"}, {"settings", "id", "pos"}),
    "remove": ({"node"}, set()),
    "connect": ({"src", "dst"}, {"src_port", "dst_port"}),
    "disconnect": ({"src", "dst"}, {"src_port", "dst_port"}),
    "set": ({"node", "key", "value"}, set()),
    "rename": ({"node", "name"}, set()),
    "move": ({"node", "pos"}, set()),
    "restore": ({"graph"}, set()),
    "undo": (set(), set()),
    "redo": (set(), set()),
}
OPS = tuple(_FIELDS)
MAX_HISTORY = 500
_MAX_PORT = 1024


def check_shape(command: Any) -> str:
    """Check a command's envelope (op and field names); return the op."""
    if not isinstance(command, dict):
        raise CommandError(f"A command must be a dict with an 'op'. Received: {_short(command)}.")
    op = command.get("op")
    if op not in _FIELDS:
        raise CommandError(f"Unknown op {_short(op)}. Expected one of: {', '.join(OPS)}.")
    required, optional = _FIELDS[op]
    missing = required - command.keys()
    if missing:
        raise CommandError(f"'{op}' needs field(s) {sorted(missing)}. Received: {_short(command)}.")
    unknown = command.keys() - required - optional - {"op"}
    if unknown:
        raise CommandError(f"'{op}' has unknown field(s) {sorted(map(str, unknown))}.")
    return op


def apply_command(
    graph: Graph, command: dict[str, Any], built: dict[str, Any] | None = None
) -> Graph:
    """Return a new graph with `command` applied; `graph` itself is never modified.

    Args:
        graph: The graph before the command.
        command: The command (see the module docstring).
        built: When given, receives ``{node_id: layer}`` for the Keras layers built while
            judging new settings, so the caller can use them instead of building them again.

    Raises:
        CommandError: naming the node or field at fault. (undo/redo are `History`'s job.)
    """
    op = check_shape(command)
    if op in ("undo", "redo"):
        raise CommandError(f"'{op}' needs a history: use Canvas.apply.")
    new = _shallow_copy(graph)
    layers: dict[str, Any] = {}
    try:
        handler = _HANDLERS[op]
        if op in ("set", "rename") and _is_inner_path(graph, command["node"]):
            handler = _edit_inner
        handler(new, command, layers)
        # Only what the command changed is checked again: the rest was valid before.
        changed = [nid for nid, node in new.nodes.items() if graph.nodes.get(nid) is not node]
        structure = (
            new.edges != graph.edges
            or new.outputs != graph.outputs
            or len(new.nodes) != len(graph.nodes)
        )
        new.validate(changed, structure=structure)
    except GraphError as exc:
        raise CommandError(str(exc)) from None
    if built is not None:
        built.update(layers)
    return new


def _shallow_copy(graph: Graph) -> Graph:
    """A new graph sharing the node objects (handlers copy a node with `_own` before changing
    it): a deep copy of every node made each edit cost O(graph) (120 ms on 800 blocks)."""
    copied = Graph(
        graph.nodes.values(),
        graph.edges,
        name=graph.name,
        model_class=graph.model_class,
        outputs=graph.outputs,
        weights=graph.weights,
        trusted=graph.trusted,
        input_keys=graph.input_keys,
        output_keys=graph.output_keys,
    )
    copied.locked = dict(graph.locked)
    copied.live = dict(graph.live)
    return copied


def _own(graph: Graph, node_id: str) -> Node:
    """Replace `node_id` in `graph` by a private copy, which the handler may then change."""
    node = graph.nodes[node_id]
    mine = Node(
        node.id,
        node.type,
        copy.deepcopy(node.settings),
        node.pos,
        node.shares,
        copy.deepcopy(node.call),
        copy.deepcopy(node.module),
        node.children,  # nested graphs are replaced whole (see `_edit_inner`), never changed
    )
    graph.nodes[node_id] = mine
    return mine


def _add(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    from perceptinb.catalog import default_settings, jsonable, resolve_class

    type_name = _string(cmd, "type")
    node_id = _new_id(graph, cmd["id"] if "id" in cmd else None, type_name)
    settings = cmd.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise CommandError(f"'settings' must be a dict. Received: {_short(settings)}.")
    if type_name == INPUT_TYPE:
        config = _input_config(node_id, settings or {})
    else:
        config = default_settings(type_name, node_id)
        if settings:
            config.update(jsonable(settings))
            config["name"] = node_id
            config = _validated_config(Node(node_id, type_name), config, built)
    resolve_class(Node(node_id, type_name))
    pos = _pos(cmd["pos"]) if "pos" in cmd else None
    graph.nodes[node_id] = Node(node_id, type_name, config, pos)


def _input_config(node_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    import keras

    shape = settings.get("shape")
    batch_shape = settings.get("batch_shape")
    if batch_shape is None:
        if not isinstance(shape, (list, tuple)):
            raise CommandError(
                f"An InputLayer needs settings={{'shape': [...]}}. Received: {_short(settings)}."
            )
        batch_shape = [None, *shape]
    try:
        layer = keras.layers.InputLayer(
            batch_shape=tuple(batch_shape), dtype=settings.get("dtype", "float32"), name=node_id
        )
    except Exception as exc:
        raise CommandError(f"Invalid InputLayer settings: {exc}") from None
    from perceptinb.catalog import jsonable

    return jsonable(layer.get_config())


def _remove(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    node_id = _existing(graph, cmd, "node")
    doomed = {node_id, *graph.sharers_of(node_id)}
    for nid in doomed:
        del graph.nodes[nid]
        graph.weights.pop(nid, None)
    graph.weights = dict(graph.weights)
    graph.edges = [e for e in graph.edges if e.src not in doomed and e.dst not in doomed]
    if graph.outputs is not None:
        graph.outputs = [ref for ref in graph.outputs if ref[0] not in doomed]


def input_refusal(graph: Graph, dst: str, n_inputs: int) -> str:
    """Why node `dst`, which has `n_inputs` inputs now, can take no further one ("" if it can).

    The one source of this rule: `connect` raises it, and the canvas gets it per node in
    ``graph_view`` (``refuses_input``) to mark a block as no drop target while a connection is
    dragged, before any command is sent.
    """
    from perceptinb.catalog import accepts_several_inputs

    target = graph.nodes[dst]
    if target.is_input:
        return f"{dst!r} is an InputLayer: it cannot receive a connection."
    if n_inputs and not accepts_several_inputs(graph.owner(dst)):
        return (
            f"{target.type} {dst!r} takes one input and already has one. "
            "Use a merging layer (Add, Concatenate...) to combine tensors."
        )
    return ""


def _connect(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    src, dst = _existing(graph, cmd, "src"), _existing(graph, cmd, "dst")
    src_port = _port(cmd, "src_port", 0)
    taken = [e.dst_port for e in graph.inputs_of(dst)]
    dst_port = _port(cmd, "dst_port", len(taken))
    # The browser checks in the same order: the node's own refusal (sent to it as
    # `refuses_input`), then a cycle (from the edges it has).
    refusal = input_refusal(graph, dst, len(taken))
    if refusal:
        raise CommandError(refusal)
    if src == dst or graph.would_cycle(src, dst):
        raise CommandError(f"Connecting {src!r} -> {dst!r} would create a cycle.")
    if dst_port > len(taken):
        raise CommandError(
            f"Input port {dst_port} of {dst!r} would leave a gap: expected a port in "
            f"[0, {len(taken)}]. Received: dst_port={dst_port}."
        )
    # Connecting to a taken port inserts there: later inputs move up one port, the mirror of
    # disconnect, so the ports stay contiguous (0..n-1) and the order is the user's choice.
    graph.edges = [
        Edge(e.src, e.dst, e.src_port, e.dst_port + 1)
        if e.dst == dst and e.dst_port >= dst_port
        else e
        for e in graph.edges
    ]
    graph.edges.append(Edge(src, dst, src_port, dst_port))


def _disconnect(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    src, dst = _existing(graph, cmd, "src"), _existing(graph, cmd, "dst")
    matches = [
        e
        for e in graph.edges
        if e.src == src
        and e.dst == dst
        and ("src_port" not in cmd or e.src_port == cmd["src_port"])
        and ("dst_port" not in cmd or e.dst_port == cmd["dst_port"])
    ]
    if not matches:
        raise CommandError(f"There is no edge {src!r} -> {dst!r} to disconnect.")
    if len(matches) > 1:
        raise CommandError(f"Several edges join {src!r} -> {dst!r}: give src_port and dst_port.")
    removed = matches[0]
    # Later inputs move down one port so the ports stay contiguous (0..n-1).
    graph.edges = [
        Edge(e.src, e.dst, e.src_port, e.dst_port - 1)
        if e.dst == dst and e.dst_port > removed.dst_port
        else e
        for e in graph.edges
        if e != removed
    ]


def _set(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    node_id = _existing(graph, cmd, "node")
    _refuse_locked(graph, node_id)
    key, value = cmd["key"], cmd["value"]
    if not isinstance(key, str) or not key:
        raise CommandError(f"'key' must be a setting name. Received: {_short(key)}.")
    if key == "name":
        _rename(graph, {"node": node_id, "name": value}, built)
        return
    _check_json_value(value, f"{node_id}.{key}")
    node = _own(graph, graph.owner(node_id).id)  # a shared call's settings live on the owner
    if node.is_model or node.is_input:
        allowed = {"trainable"} if node.is_model else {"batch_shape", "dtype", "sparse"}
        if key not in allowed:
            raise CommandError(
                f"{node.type} {node.id!r} has settings {sorted(allowed)} here. Received: {key!r}."
            )
    elif key not in node.settings:
        raise CommandError(
            f"{node.type} has no setting {key!r}. "
            f"Expected one of: {', '.join(sorted(node.settings))}."
        )
    config = {**node.settings, key: value}
    node.settings = config if node.is_model else _validated_config(node, config, built)


def _validated_config(
    node: Node, config: dict[str, Any], built: dict[str, Any]
) -> dict[str, Any]:
    """Let Keras itself judge a config: build the layer and read its config back.

    The layer goes into `built` (see `apply_command`), so the canvas uses this one instead of
    building a second one from the same settings.
    """
    from perceptinb.catalog import jsonable, resolve_class

    cls = resolve_class(node)
    try:
        layer = cls.from_config(config)
        settings = jsonable(layer.get_config())
        built[node.id] = layer
        return settings
    except Exception as exc:  # Keras raises ValueError, TypeError and more for bad settings
        raise CommandError(
            f"{node.type} {node.id!r} rejected the settings: {keras_message(exc)}"
        ) from None


def _refuse_locked(graph: Graph, node_id: str) -> None:
    """A block a live import locked runs the model's own layer: new settings would not reach it."""
    owner = graph.owner(node_id).id
    if owner in graph.locked:
        raise CommandError(
            f"Block {node_id!r} is drawn from the live model and cannot be edited: "
            f"{graph.locked[owner]}"
        )


def _rename(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    old = _existing(graph, cmd, "node")
    _refuse_locked(graph, old)
    new = _new_id(graph, cmd["name"], None)
    mapping = {old: new}

    def ren(nid: str) -> str:
        return mapping.get(nid, nid)

    for nid, node in list(graph.nodes.items()):
        if nid == old or node.shares == old:
            _own(graph, nid)
    nodes = {}
    for nid, node in graph.nodes.items():
        if nid == old:
            node.id = new
            if "name" in node.settings:
                node.settings["name"] = new
        if node.shares == old:
            node.shares = new
        nodes[ren(nid)] = node
    graph.nodes = nodes
    graph.edges = [Edge(ren(e.src), ren(e.dst), e.src_port, e.dst_port) for e in graph.edges]
    if graph.outputs is not None:
        graph.outputs = [(ren(nid), port) for nid, port in graph.outputs]
    if old in graph.weights:
        graph.weights = {ren(k): v for k, v in graph.weights.items()}


def _is_inner_path(graph: Graph, node_id: Any) -> bool:
    """``"GROUP/CHILD"`` addresses a block inside a nested model (ids never hold a "/")."""
    return isinstance(node_id, str) and node_id not in graph.nodes and "/" in node_id


def _edit_inner(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    """A `set` or `rename` of a block inside a nested model (``"GROUP/CHILD"``, deeper paths
    too): the command applies to the group's nested graph, through the same checks, and the
    group takes the new nested graph, so the canvas rebuilds the group's model (its layer
    cache keys on the nested graph) and undo gives the old one back."""
    path = cmd["node"]
    group_id, _, rest = path.partition("/")
    group = graph.nodes.get(group_id)
    if group is None or graph.owner(group_id).children is None:
        raise CommandError(
            f"'node' names no node of the graph: {group_id!r} is no nested model. "
            f"Received: {_short(path)}."
        )
    _refuse_locked(graph, group_id)
    owner = graph.owner(group_id).id  # a shared nested model is edited where it is defined
    children = graph.nodes[owner].children
    assert children is not None
    if rest.split("/")[0] not in children.nodes:
        raise CommandError(
            f"'node' names no node of the graph: {group_id!r} has no block "
            f"{rest.split('/')[0]!r}. Received: {_short(path)}."
        )
    try:
        # Layers built while judging inner settings are keyed by inner ids: not offered to
        # the canvas, whose cache primes by top-level id.
        edited = apply_command(children, {**cmd, "node": rest})
    except CommandError as exc:
        raise CommandError(f"In nested model {group_id!r}: {exc}") from None
    _own(graph, owner).children = edited


def _move(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    node_id = _existing(graph, cmd, "node")
    _own(graph, node_id).pos = _pos(cmd["pos"])


def _restore(graph: Graph, cmd: dict[str, Any], built: dict[str, Any]) -> None:
    """Replace the whole graph by the document `cmd["graph"]` (a saved or hub version).

    The canvas' trust is kept, never widened: an untrusted canvas refuses a version with
    Lambda or unregistered layers. Nodes equal to the current ones stay the same objects, and
    keep their weights, so only what the version changes is rebuilt and re-previewed."""
    from perceptinb.schema import graph_from_dict

    try:
        restored = graph_from_dict(cmd["graph"], trusted=graph.trusted)
    except GraphError as exc:
        raise CommandError(f"Cannot restore this graph: {exc}") from None
    kept = {nid for nid, node in restored.nodes.items() if graph.nodes.get(nid) == node}
    graph.nodes = {nid: graph.nodes[nid] if nid in kept else node
                   for nid, node in restored.nodes.items()}
    graph.edges = restored.edges
    graph.outputs = restored.outputs
    graph.model_class = restored.model_class
    graph.input_keys, graph.output_keys = restored.input_keys, restored.output_keys
    graph.weights = {nid: w for nid, w in graph.weights.items() if nid in kept}
    graph.locked = {nid: why for nid, why in graph.locked.items() if nid in kept}
    graph.live = {nid: layer for nid, layer in graph.live.items() if nid in kept}


_HANDLERS = {
    "add": _add,
    "remove": _remove,
    "connect": _connect,
    "disconnect": _disconnect,
    "set": _set,
    "rename": _rename,
    "move": _move,
    "restore": _restore,
}


class History:
    """Undo/redo over immutable graph snapshots.

    Every applied command pushes the graph it replaced, so undo restores the earlier graph
    exactly (byte for byte in JSON). The stack is bounded by `MAX_HISTORY`.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._undo: list[Graph] = []
        self._redo: list[Graph] = []
        # The Keras layers the last command built while judging settings (see apply_command).
        self.built: dict[str, Any] = {}

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def apply(self, command: Any) -> Graph:
        op = check_shape(command)
        self.built = {}
        if op == "undo":
            if not self._undo:
                raise CommandError("Nothing to undo.")
            self._redo.append(self.graph)
            self.graph = self._undo.pop()
        elif op == "redo":
            if not self._redo:
                raise CommandError("Nothing to redo.")
            self._undo.append(self.graph)
            self.graph = self._redo.pop()
        else:
            new = apply_command(self.graph, command, self.built)
            self._undo = [*self._undo[-(MAX_HISTORY - 1) :], self.graph]
            self._redo.clear()
            self.graph = new
        return self.graph


# -- field checks --------------------------------------------------------------------------
def _existing(graph: Graph, cmd: dict[str, Any], field: str) -> str:
    node_id = cmd[field]
    if not isinstance(node_id, str) or node_id not in graph.nodes:
        raise CommandError(f"'{field}' names no node of the graph. Received: {_short(node_id)}.")
    return node_id


def _new_id(graph: Graph, requested: Any, type_name: str | None) -> str:
    if requested is None:
        base = re.sub(r"(?<!^)(?=[A-Z])", "_", type_name or "node").lower()
        n = 1
        while f"{base}_{n}" in graph.nodes:
            n += 1
        return f"{base}_{n}"
    if not isinstance(requested, str) or not requested.strip() or len(requested) > 200:
        raise CommandError(
            f"A node name must be a non-empty string. Received: {_short(requested)}."
        )
    if any(ch in requested for ch in FORBIDDEN_ID_CHARS) or requested != requested.strip():
        raise CommandError(
            f"Invalid name {requested!r}: no {FORBIDDEN_ID_CHARS!r} and no surrounding spaces."
        )
    if requested in graph.nodes:
        raise CommandError(f"A node named {requested!r} already exists.")
    return requested


def _string(cmd: dict[str, Any], field: str) -> str:
    value = cmd[field]
    if not isinstance(value, str) or not value:
        raise CommandError(f"'{field}' must be a non-empty string. Received: {_short(value)}.")
    return value


def _port(cmd: dict[str, Any], field: str, default: int) -> int:
    value = cmd.get(field, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < _MAX_PORT:
        raise CommandError(
            f"'{field}' must be an int in [0, {_MAX_PORT}). Received: {_short(value)}."
        )
    return value


def _pos(value: Any) -> tuple[float, float]:
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)
            and abs(v) < 1e7
            for v in value
        )
    )
    if not ok:
        raise CommandError(f"'pos' must be [x, y] with finite numbers. Received: {_short(value)}.")
    return (float(value[0]), float(value[1]))


def _check_json_value(value: Any, where: str, depth: int = 0) -> None:
    """Settings must stay plain, finite JSON so the graph can always be saved."""
    if depth > 20:
        raise CommandError(f"Value for {where} is nested too deeply.")
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise CommandError(f"Value for {where} must be finite. Received: {value!r}.")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_json_value(item, where, depth + 1)
        return
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        for item in value.values():
            _check_json_value(item, where, depth + 1)
        return
    raise CommandError(f"Value for {where} must be JSON data. Received: {_short(value)}.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
