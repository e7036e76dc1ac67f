"""A model's version history as a canvas shows it, and the command that restores a version.

Every training snapshots the graph into the hub (see versions.py). `version_history` lists the
versions of one model name, oldest first, each with its diff to the version before it (its
parent, else the previous one of that name). `restore_command` is the ``restore`` command of
`perceptinb.commands`: applied to a canvas it replaces the graph in one undoable step, so
``canvas.apply({"op": "undo"})`` brings back the graph it replaced.

Example:
    >>> for v in version_history(hub, canvas.graph.name):
    ...     print(v["id"], v["summary"])
    >>> canvas.apply(restore_command(hub, 3))
    >>> canvas.apply({"op": "undo"})
"""

from __future__ import annotations

import json
from typing import Any


def version_history(hub: Any, name: str) -> list[dict[str, Any]]:
    """The versions of the model `name`, oldest first, each with its diff to the previous one.

    Args:
        hub: The `Hub`.
        name: The model (graph) name.

    Returns:
        ``[{"id", "hash", "created", "params", "parent", "summary", "diff"}]``; ``diff`` is
        `Graph.diff` from the previous version (None for the first), ``summary`` says it in
        words ("first version", "2 added, 1 changed: dense.units 32 -> 64").
    """
    records = hub.versions(name)
    by_id = {r.id: r for r in records}
    out = []
    for index, record in enumerate(records):
        before = by_id.get(record.parent) or (records[index - 1] if index else None)
        diff = before.graph.diff(record.graph) if before is not None else None
        out.append({
            "id": record.id,
            "hash": record.hash,
            "created": record.created,
            "params": record.params,
            "parent": before.id if before is not None else None,
            "summary": _summary(diff),
            "diff": diff,
        })
    return out


def restore_command(hub: Any, version: Any) -> dict[str, Any]:
    """The command that puts `version` (an id, ``"v12"``, hash prefix or record) into a canvas."""
    record = hub.version(version)
    return {"op": "restore", "graph": json.loads(record.graph_json)}


def _summary(diff: dict[str, Any] | None) -> str:
    if diff is None:
        return "first version"
    parts = [f"{len(diff[k])} {k}" for k in ("added", "removed", "changed") if diff[k]]
    settings = [f"{nid}.{key} {_short(old)} -> {_short(new)}"
                for nid, keys in sorted(diff["changed"].items())
                for key, (old, new) in sorted(keys.items())]
    edges = len(diff["edges_added"]) + len(diff["edges_removed"])
    if edges and not parts:
        parts.append(f"{edges} connections changed")
    text = ", ".join(parts) or "same architecture"
    return f"{text}: {'; '.join(settings[:4])}{' …' if len(settings) > 4 else ''}" \
        if settings else text


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 24 else text[:23] + "…"
