"""The canvas' "Copy as code" and "Export .keras" buttons, kernel side.

The browser asks with ``{kind: "export", id, format: "code" | "keras"}``; the answer is
``{kind: "export_result", id, format, ok, error, code?, filename?, size?}``. A ``.keras`` file
travels as one binary buffer (never base64 in JSON), so the browser can offer it as a download.
"""

from __future__ import annotations

import logging
from typing import Any

from perceptinb.errors import PerceptinbError
from perceptinb.files import MAX_DOWNLOAD_BYTES, download_name, keras_bytes

log = logging.getLogger(__name__)
EXPORT_KIND = "export"
FORMATS = ("code", "keras")


def answer_export(canvas: Any, content: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """The reply (and its buffers) to one export request from the browser."""
    fmt = content.get("format")
    reply: dict[str, Any] = {
        "kind": "export_result",
        "id": content.get("id"),
        "format": fmt,
        "ok": False,
        "error": None,
    }
    if fmt not in FORMATS:
        reply["error"] = f"Unknown export format {fmt!r}. Expected one of: {', '.join(FORMATS)}."
        return reply, []
    try:
        if fmt == "code":
            reply.update(ok=True, code=canvas.to_code())
            return reply, []
        data = keras_bytes(canvas.model)
    except PerceptinbError as exc:  # e.g. a block that fails: the model cannot be built
        reply["error"] = str(exc)
        return reply, []
    except Exception as exc:  # Keras saving can fail in many ways; the user must see why
        log.exception("perceptinb: export to .keras failed")
        reply["error"] = f"{type(exc).__name__}: {exc}"
        return reply, []
    if len(data) > MAX_DOWNLOAD_BYTES:
        reply["error"] = (
            f"The .keras file is {len(data) / 2**20:.0f} MB, too big to send to the browser. "
            "Save it from Python: canvas.export_keras('model.keras')."
        )
        return reply, []
    reply.update(ok=True, filename=download_name(canvas.graph.name), size=len(data))
    return reply, [data]
