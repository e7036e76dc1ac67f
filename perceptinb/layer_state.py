"""State a layer holds beyond its config and weights: carried across an import, or refused.

Keras keeps some learned state outside ``get_weights``: an adapted ``StringLookup`` holds its
vocabulary in a lookup table, and an adapted ``Normalization`` derives its mean from its weights
only in ``finalize_state()``. Rebuilding such a layer from its config and weights alone gives a
layer that computes something else (or fails with "Table not initialized"), so every import goes
through here:

- adapted vocabularies become part of the settings (``vocabulary=[...]``), so the JSON file, the
  generated code and the rebuilt model all carry them;
- weights are restored with ``finalize_state()`` afterwards, as Keras' own loader does;
- any other state Keras would save as assets is refused with an error naming the block.
"""

from __future__ import annotations

import warnings
from typing import Any

from perceptinb.errors import GraphError


def settings_with_state(layer: Any, settings: dict[str, Any], node_id: str) -> dict[str, Any]:
    """`settings` plus the learned state of `layer` that its config leaves out.

    Raises:
        GraphError: naming the node, when the layer holds state that cannot be carried.
    """
    if layer is None:
        return settings
    lookup = _lookup_of(layer)
    if lookup is not None:
        if "vocabulary" in settings and settings.get("vocabulary") is None and _adapted(lookup):
            if getattr(lookup, "output_mode", None) == "tf_idf":
                raise GraphError(
                    f"Cannot import layer {node_id!r} ({type(layer).__name__}): its adapted "
                    "tf-idf weights live outside its config and weights. Expected a vocabulary "
                    "and idf_weights passed to the constructor. Received: an adapted layer."
                )
            settings = {**settings, "vocabulary": _vocabulary(lookup)}
        return settings
    if callable(getattr(layer, "save_assets", None)) and not _is_model(layer):
        raise GraphError(
            f"Cannot import layer {node_id!r} ({type(layer).__name__}): it keeps state in "
            "assets (files Keras saves beside the weights) that a graph cannot carry. Expected "
            "a layer whose config and weights describe it fully."
        )
    return settings


def restore_weights(layer: Any, weights: list[Any], node_id: str, *, warn: bool) -> bool:
    """Set `weights` on a built `layer`, then let it recompute derived state.

    Args:
        layer: The freshly built layer.
        weights: Arrays from ``get_weights()`` of the layer it replaces.
        node_id: The block, named in the warning.
        warn: Warn when the weights do not fit. An edit that changed the shapes (units 32 -> 64)
            expects a fresh initialization, so the canvas passes False.

    Returns:
        Whether the weights were restored.
    """
    current = layer.get_weights()
    if len(current) != len(weights) or any(
        tuple(a.shape) != tuple(b.shape) for a, b in zip(current, weights)
    ):
        if warn:
            warnings.warn(
                f"Layer {node_id!r} ({type(layer).__name__}) was rebuilt with fresh weights: "
                f"its carried weights do not fit. Expected shapes {_shapes(current)}. "
                f"Received: {_shapes(weights)}.",
                stacklevel=3,
            )
        return False
    layer.set_weights(weights)
    finalize = getattr(layer, "finalize_state", None)
    if callable(finalize) and not _is_model(layer):
        finalize()  # Normalization's mean, Discretization's bins: derived from the weights
    return True


def _lookup_of(layer: Any) -> Any:
    """The vocabulary-holding part of `layer` (itself, or TextVectorization's lookup)."""
    inner = getattr(layer, "_lookup_layer", None)
    if inner is not None and callable(getattr(inner, "get_vocabulary", None)):
        return inner
    if callable(getattr(layer, "get_vocabulary", None)) and hasattr(layer, "input_vocabulary"):
        return layer
    return None


def _adapted(lookup: Any) -> bool:
    """A vocabulary learned by ``adapt()`` (a given one is in the config already)."""
    return lookup.input_vocabulary is None and bool(
        lookup.get_vocabulary(include_special_tokens=False)
    )


def _vocabulary(lookup: Any) -> list[Any]:
    words = lookup.get_vocabulary(include_special_tokens=False)
    if str(getattr(lookup, "vocabulary_dtype", "string")) == "string":
        return [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in words]
    return [int(w) for w in words]


def _is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _shapes(arrays: list[Any]) -> list[tuple[int, ...]]:
    return [tuple(a.shape) for a in arrays]
