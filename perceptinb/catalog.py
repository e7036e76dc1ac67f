"""Which layer classes exist, which are safe to build from data, and how the palette groups them.

The catalog is derived from ``keras.layers`` itself (plus the Keras serialization registry for
custom layers), so new Keras layers appear without a code change. Keras is imported lazily: the
graph model stays importable without TensorFlow.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from perceptinb.errors import GraphError
from perceptinb.graph import INPUT_TYPE, MODEL_TYPES, Graph, Node

# Layers whose config carries code (Lambda's bytecode) or loads code from disk (TFSMLayer).
UNSAFE_TYPES = frozenset({"Lambda", "TFSMLayer"})
# Keras and keras-hub (the Keras team's model library): importing their modules runs no user code.
# Matched against the "module" a serialized config names: the source path, not an import.
KERAS_MODULES = ("keras.src.", "keras.ops.", "keras_hub.src.")
# Wrappers around other frameworks, and the abstract base: nothing to place on a canvas.
_NOT_PLACEABLE = frozenset({"Layer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper", "TFSMLayer"})
# Keras source package -> palette category.
_CATEGORY_BY_PACKAGE = {
    "core": "core",
    "convolutional": "convolution",
    "pooling": "pooling",
    "rnn": "recurrent",
    "attention": "attention",
    "normalization": "normalization",
    "regularization": "regularization",
    "reshaping": "reshaping",
    "merging": "merging",
    "activations": "activation",
    "preprocessing": "preprocessing",
}
# The palette's display order, the one the canvas shows: it keeps the order of the `palette`
# trait and holds no list of its own.
CATEGORIES = (
    "input",
    "core",
    "convolution",
    "pooling",
    "normalization",
    "regularization",
    "activation",
    "recurrent",
    "attention",
    "reshaping",
    "merging",
    "preprocessing",
    "model",
    "custom",
    "other",
)
# Layers called with several positional tensors, e.g. ``MultiHeadAttention(query, value)``;
# every other multi-input layer takes one list.
POSITIONAL_MULTI_INPUT = frozenset({"MultiHeadAttention", "GroupedQueryAttention"})
# Starting values for constructor arguments that Keras requires, so a palette click can add a
# working block at once. The user edits them afterwards.
REQUIRED_ARG_DEFAULTS: dict[str, Any] = {
    "units": 32,
    "filters": 16,
    "kernel_size": 3,
    "rate": 0.25,
    "num_heads": 2,
    "key_dim": 16,
    "num_query_heads": 2,
    "num_key_value_heads": 1,
    "head_dim": 16,
    "input_dim": 1000,
    "output_dim": 32,
    "target_shape": [-1],
    "dims": [2, 1],
    "n": 2,
    "cropping": 1,
    "padding": 1,
    "axes": -1,
    "height": 32,
    "width": 32,
    "factor": 0.1,
    "scale": 1.0 / 255,
    "stddev": 0.1,
    "num_tokens": 10,
    "num_bins": 10,
    "max_tokens": 1000,
    "pool_size": 2,
    "output_size": 2,
}


@functools.cache
def keras_layer_classes() -> dict[str, type]:
    """Every public layer class in ``keras.layers``, by class name."""
    import keras

    found = {}
    for name in dir(keras.layers):
        obj = getattr(keras.layers, name)
        if isinstance(obj, type) and issubclass(obj, keras.layers.Layer) and obj.__name__ == name:
            found[name] = obj
    return found


def category_of(type_name: str) -> str:
    if type_name == INPUT_TYPE:
        return "input"
    if type_name in MODEL_TYPES:
        return "model"
    cls = keras_layer_classes().get(type_name)
    if cls is None:
        return "other"
    package = cls.__module__.split(".")[3] if cls.__module__.count(".") >= 3 else ""
    return _CATEGORY_BY_PACKAGE.get(package, "other")


def palette_entries() -> list[dict[str, str]]:
    """The layer types a user can add, with their category, in display order: by `CATEGORIES`,
    then by name."""
    entries = [
        {"type": name, "category": category_of(name)}
        for name in keras_layer_classes()
        if name not in _NOT_PLACEABLE and name not in UNSAFE_TYPES
    ]
    entries += [{"type": name, "category": "custom"} for name in _registered_custom_layers()]
    return sorted(
        entries,
        key=lambda e: (
            CATEGORIES.index(e["category"]) if e["category"] in CATEGORIES else len(CATEGORIES),
            e["type"],
        ),
    )


def _registered_custom_layers() -> list[str]:
    import keras

    names = []
    for registered, obj in keras.saving.get_custom_objects().items():
        if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
            names.append(registered)
    return names


def resolve_class(node: Node, *, trusted: bool = False) -> type:
    """The class that builds `node`, refusing anything that would run code from data.

    Raises:
        GraphError: naming the node, for unknown classes, Lambda and unregistered custom layers.
    """
    import keras

    if node.type in MODEL_TYPES:
        return keras.Sequential if node.type == "Sequential" else keras.Model
    if node.type in UNSAFE_TYPES and not trusted:
        raise GraphError(
            f"Node {node.id!r} is a {node.type} layer, which runs code stored in the model "
            "when rebuilt. Refused. Pass trusted=True only if you trust the source."
        )
    registered = (node.module or {}).get("registered_name")
    if registered:
        obj = keras.saving.get_registered_object(registered)
        if isinstance(obj, type) and obj.__name__ == node.type:
            return obj
    module_name = (node.module or {}).get("module") or ""
    if not module_name:
        builtin = keras_layer_classes().get(node.type)
        if builtin is not None:
            return builtin
    # Keras' own modules (keras.ops calls such as ``x + 3.0`` in MobileNetV3, helper layers of
    # keras.applications such as ConvNeXt's LayerScale) import no user code, so they are safe.
    if module_name.startswith(KERAS_MODULES) or (trusted and module_name):
        import importlib

        try:
            obj = getattr(importlib.import_module(module_name), node.type, None)
        except ImportError:
            obj = None
        if isinstance(obj, type) and issubclass(obj, keras.Operation):
            return obj
    raise GraphError(
        f"Node {node.id!r} has unknown layer class {node.type!r}. Expected a keras.layers class "
        "or a custom layer registered with keras.saving.register_keras_serializable "
        "(or pass trusted=True to import its module)."
    )


def check_graph_types(graph: Graph, *, trusted: bool = False) -> None:
    """Resolve every node's class (nested ones included) without building anything."""
    for path, node in graph.walk():
        try:
            resolve_class(node, trusted=trusted)
        except GraphError as exc:
            if path != node.id:
                raise GraphError(f"{exc} (at {path!r})") from None
            raise


def accepts_several_inputs(node: Node) -> bool:
    """Whether `node` may have more than one incoming edge."""
    import keras

    if node.call is not None or node.is_model or node.type in POSITIONAL_MULTI_INPUT:
        return True
    cls = keras_layer_classes().get(node.type)
    return cls is not None and (
        # Private: Keras exports every merging layer but not their base class, and being a
        # Merge is what makes a layer take a list of tensors.
        issubclass(cls, keras.src.layers.merging.base_merge.Merge)
        or node.type in {"Attention", "AdditiveAttention", "Dot"}
    )


def default_settings(type_name: str, name: str) -> dict[str, Any]:
    """A working config for a new `type_name` layer called `name`.

    Raises:
        GraphError: if the class is unknown or cannot be made without more settings.
    """
    if type_name == INPUT_TYPE:
        raise GraphError("Add an InputLayer with settings={'shape': [...]}.")
    cls = resolve_class(Node(name, type_name))
    kwargs = {"name": name}
    for param in inspect.signature(cls.__init__).parameters.values():
        if (
            param.default is inspect.Parameter.empty
            and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)
            and param.name != "self"
        ):
            if param.name not in REQUIRED_ARG_DEFAULTS:
                raise GraphError(
                    f"Cannot add {type_name} without settings: it requires {param.name!r}. "
                    f"Pass settings={{{param.name!r}: ...}}."
                )
            kwargs[param.name] = REQUIRED_ARG_DEFAULTS[param.name]
    try:
        return jsonable(cls(**kwargs).get_config())
    except Exception as exc:  # Keras raises many types for bad arguments
        raise GraphError(f"Cannot add {type_name}: {exc}") from None


def jsonable(value: Any) -> Any:
    """Configs as plain JSON types: tuples become lists, numpy scalars and arrays unwrap."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and callable(value.tolist):
        return jsonable(value.tolist())
    return value
