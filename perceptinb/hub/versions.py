"""Graph versions: one row per distinct architecture, found again by a content hash.

The hash covers the canonical graph JSON (sorted keys, no whitespace) without block positions,
so moving blocks on the canvas is no new version while any change of a layer setting, an edge
or the model name is. A version's parent is the version it was edited from: the caller's
previous version when it knows one (a canvas does), else the latest version of the same name.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from typing import Any

from perceptinb.graph import Graph
from perceptinb.schema import graph_to_dict


def canonical_json(graph: Graph) -> str:
    """The graph's JSON with sorted keys and no positions: equal architectures, equal text."""
    data = graph_to_dict(graph)
    _drop_positions(data)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def graph_hash(graph: Graph) -> str:
    return hashlib.sha256(canonical_json(graph).encode("utf-8")).hexdigest()


def _drop_positions(body: dict[str, Any]) -> None:
    for node in body.get("nodes", ()):
        node.pop("pos", None)
        if isinstance(node.get("children"), dict):
            _drop_positions(node["children"])


def snapshot(
    conn: sqlite3.Connection, graph: Graph, *, params: int | None = None,
    parent: int | None = None,
) -> int:
    """The id of `graph`'s version, inserting it (inside the caller's transaction) when new.

    Args:
        conn: A connection inside a write transaction.
        graph: The architecture to record.
        params: Its parameter count, when known.
        parent: The version it was edited from; None: the latest version with the same name.
    """
    digest = graph_hash(graph)
    row = conn.execute("SELECT id FROM versions WHERE hash=?", (digest,)).fetchone()
    if row is not None:
        return row[0]
    if parent is None:
        latest = conn.execute(
            "SELECT id FROM versions WHERE name=? ORDER BY id DESC LIMIT 1", (graph.name,)
        ).fetchone()
        parent = latest[0] if latest else None
    cursor = conn.execute(
        "INSERT INTO versions (hash, name, parent, params, created, graph) VALUES (?,?,?,?,?,?)",
        (digest, graph.name, parent, params, time.time(), graph.to_json(indent=None)),
    )
    return int(cursor.lastrowid)
