"""A canvas' version history (a mixin of `Canvas`): the hub's versions of this model name, each
with its diff to the previous one, and restoring one as ONE undoable command (``restore``, see
`perceptinb.commands`), from Python and from the browser alike.

Calls (see `perceptinb.widgets.rpc`): ``versions {}`` -> ``{"name", "versions": [{id, created,
params, parent, summary, current}]}`` newest first; ``restore_version {id}`` -> the command's
result, like ``command``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perceptinb.hub.canvas_versions import restore_command, version_history
from perceptinb.hub.recorder import resolve_hub
from perceptinb.hub.versions import graph_hash
from perceptinb.widgets.rpc import Params, RpcError, rpc_method


class CanvasVersions:
    """`Canvas.versions` and `Canvas.restore`, and the browser's calls for them.

    Attributes:
        version_hub: The hub the history reads when none is given: None, the default hub
            (where trainings record unless told otherwise), or a `Hub` or path; set it when
            this canvas trains into another hub (``canvas.version_hub = "runs.sqlite"``).
    """

    version_hub: Any = None

    if TYPE_CHECKING:  # what this uses of `Canvas`
        read_only: bool
        graph: Any

        def apply(self, command: Any) -> None: ...
        def _apply(self, command: Any) -> dict[str, Any]: ...

    def versions(self, hub: Any = None) -> list[dict[str, Any]]:
        """This model's versions in `hub` (default: the default hub), oldest first, each with
        its diff to the previous one (see `perceptinb.hub.canvas_versions.version_history`)."""
        found = resolve_hub(hub if hub is not None else self.version_hub)
        return version_history(found, self.graph.name) if found is not None else []

    def restore(self, version: Any, hub: Any = None) -> None:
        """Put `version` (an id, ``"v12"``, a hash prefix or a record) into the canvas as one
        command: ``canvas.apply({"op": "undo"})`` brings the graph back.

        Raises:
            HubLookupError: no such version. CommandError: the version cannot be restored.
        """
        found = resolve_hub(hub if hub is not None else self.version_hub)
        if found is None:
            raise ValueError("restore needs a hub. Received: hub=False.")
        self.apply(restore_command(found, version))

    @rpc_method("versions")
    def _call_versions(self, params: Params, buffers: list[Any]) -> dict[str, Any]:
        current = graph_hash(self.graph)
        rows = [{k: v[k] for k in ("id", "created", "params", "parent", "summary")}
                | {"current": v["hash"] == current} for v in self.versions()]
        return {"name": self.graph.name, "versions": rows[::-1]}

    @rpc_method("restore_version")
    def _call_restore_version(self, params: Params, buffers: list[Any]) -> dict[str, Any]:
        if self.read_only:
            raise RpcError("This canvas is read-only.")
        found = resolve_hub(self.version_hub)
        if found is None:
            raise RpcError("This canvas has no hub to restore from (version_hub=False).")
        return self._apply(restore_command(found, params.required("id", int)))
