"""Constants in a functional config's call arguments, as Keras serializes them.

Keras 3 records calls of ``keras.ops`` functions with their non-tensor arguments: ``x[..., 2]``
becomes ``[{"class_name": "__ellipsis__", ...}, 2]`` and ``x + np.array([...])`` a
``{"class_name": "__numpy__", ...}`` operand. A graph keeps them in that JSON form; calling a
layer needs the Python values back. Only these plain data markers are decoded: nothing here
imports a class or runs code named by the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MARKERS = frozenset({"__ellipsis__", "__numpy__", "__tensor__", "__slice__", "__bytes__"})


def is_constant(value: Any) -> bool:
    """Whether `value` is one of Keras' serialized constants (``{"class_name": "__numpy__"...``)."""
    return (
        isinstance(value, dict)
        and value.get("class_name") in _MARKERS
        and isinstance(value.get("config", {}), dict)
    )


def decode(value: Any) -> Any:
    """The Python value of a serialized constant: Ellipsis, a numpy array, a slice or bytes.

    Tensors decode to numpy arrays, which every ``keras.ops`` function accepts alike.
    """
    kind, config = value["class_name"], value.get("config") or {}
    if kind == "__ellipsis__":
        return Ellipsis
    if kind in ("__numpy__", "__tensor__"):
        return np.array(config["value"], dtype=config.get("dtype"))
    if kind == "__slice__":
        return slice(*(_plain(config.get(key)) for key in ("start", "stop", "step")))
    return str(config["value"]).encode("utf-8")


def _plain(value: Any) -> Any:
    return decode(value) if is_constant(value) else value


def source(value: Any, imports: set[str]) -> str | None:
    """Python source for a decoded constant, or None when `value` is none of them.

    Args:
        value: A value `decode` returned (or any other value: then None).
        imports: Import lines the source needs are added here.
    """
    if value is Ellipsis:
        return "..."
    if isinstance(value, np.ndarray):
        imports.add("import numpy as np")
        return f"np.array({value.tolist()!r}, dtype={str(value.dtype)!r})"
    if isinstance(value, slice):
        return f"slice({value.start!r}, {value.stop!r}, {value.step!r})"
    if isinstance(value, bytes):
        return repr(value)
    return None
