"""The canvas' "Copy as code" and "Export .keras" buttons, kernel side.

The browser calls ``export`` with ``{format: "code" | "keras"}`` (see `perceptinb.widgets.rpc`).
The result is ``{format, code}`` or ``{format, filename, size}``; a ``.keras`` file travels as
the reply's one binary buffer (never base64 in JSON), so the browser can offer it as a download.
"""

from __future__ import annotations

import logging
from typing import Any

from perceptinb.errors import PerceptinbError
from perceptinb.files import MAX_DOWNLOAD_BYTES, download_name, keras_bytes
from perceptinb.widgets.rpc import Reply, RpcError

log = logging.getLogger(__name__)
FORMATS = ("code", "keras")


def export_reply(canvas: Any, fmt: str) -> Reply:
    """The reply to one export call.

    Raises:
        RpcError: an unknown format, a model that cannot be built or saved, or a file too big
            to send; the message says which.
    """
    if fmt not in FORMATS:
        raise RpcError(f"Unknown export format {fmt!r}. Expected one of: {', '.join(FORMATS)}.")
    try:
        if fmt == "code":
            return Reply({"format": fmt, "code": canvas.to_code()})
        data = keras_bytes(canvas.model)
    except PerceptinbError:  # e.g. a block that fails: the model cannot be built
        raise
    except Exception as exc:  # Keras saving can fail in many ways; the user must see why
        log.exception("perceptinb: export to .keras failed")
        raise RpcError(f"{type(exc).__name__}: {exc}") from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise RpcError(
            f"The .keras file is {len(data) / 2**20:.0f} MB, too big to send to the browser. "
            "Save it from Python: canvas.export_keras('model.keras')."
        )
    return Reply(
        {"format": fmt, "filename": download_name(canvas.graph.name), "size": len(data)}, [data]
    )
