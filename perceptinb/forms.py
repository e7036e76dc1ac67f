"""Settings-form metadata: what kind of input each setting of a layer gets in the canvas.

A node's settings are its Keras ``get_config()``. This module reads that config together with the
layer's constructor signature and docstring and describes one form field per setting::

    {"key": "units", "kind": "int", "value": 32, "nullable": False, "editable": True,
     "help": "Positive integer, dimensionality of the output space."}

Kinds: ``int``, ``float``, ``bool``, ``str``, ``tuple`` (a flat list such as ``kernel_size``, with
``item`` "int" or "float"), ``enum`` (``choices`` of ``{"label", "value"}``; a choice whose value is
a serialized Keras object such as an initializer also gets ``params``: fields for its config) and
``json`` (anything else, edited as JSON text). An ``enum`` says which choice is current in
``selected`` (an index into ``choices``). The browser only draws these fields and sends ``set``
commands: Keras, through `Canvas.apply`, stays the judge of what a valid value is.

Keras is imported lazily, as everywhere in perceptinb; the choice lists are built once.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any

from perceptinb.graph import Node

# Config keys that every layer has; they go last so a layer's own settings come first.
_COMMON_KEYS = ("trainable", "dtype")
# What the `set` op accepts on inputs and nested models (see commands._set).
_INPUT_EDITABLE = frozenset({"batch_shape", "dtype", "sparse"})
_MODEL_EDITABLE = frozenset({"trainable"})
# A keras.DTypePolicy name is all a user picks; plain dtypes are what an InputLayer takes.
_POLICY_NAMES = ("float32", "float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16")
_INPUT_DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "uint8", "bool")
_DATA_FORMATS = ("channels_last", "channels_first")
_HELP_CHARS = 240
_NONE_IS_A_NAMED_CHOICE = frozenset({"activation", "recurrent_activation", "data_format", "dtype"})


def setting_fields(node: Node, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """One field per setting of `node` (``name`` excluded: renaming is its own command).

    Args:
        node: The node (its type and module tell which class documents the settings).
        settings: The settings to describe: the node's own, or its owner's for a shared call.
    """
    cls = _layer_class(node)
    params = _signature_defaults(cls)
    docs = _arg_docs(cls)
    if node.is_model:
        editable: frozenset[str] | None = _MODEL_EDITABLE
    elif node.is_input:
        editable = _INPUT_EDITABLE
    else:
        editable = None  # every key: Keras judges the value
    keys = [k for k in params if k in settings]
    keys += [k for k in settings if k not in params and k not in _COMMON_KEYS]
    keys += [k for k in _COMMON_KEYS if k in settings and k not in keys]
    fields = []
    for key in keys:
        if key == "name":
            continue
        field = describe(
            key, settings[key], params.get(key, inspect.Parameter.empty), docs.get(key, "")
        )
        field["editable"] = editable is None or key in editable
        fields.append(field)
    return fields


def describe(key: str, value: Any, default: Any = inspect.Parameter.empty, doc: str = "") -> dict:
    """The field for one setting, from its current value, constructor default and docstring."""
    nullable = value is None or default is None
    field: dict[str, Any] = {"key": key, "value": value, "nullable": nullable}
    if doc:
        field["help"] = _first_sentences(doc)
    choices = _known_choices(key, value, doc)
    if choices is not None:
        # None means "linear" for activations and "the Keras default" for data_format and dtype:
        # all listed by name, so None is only offered where it is the current value.
        offer_none = field["nullable"] and key not in _NONE_IS_A_NAMED_CHOICE
        field["kind"] = "enum"
        field["choices"] = _with_current(choices, value, offer_none)
        # The browser selects this index as it is: which choice a value "is" (an initializer
        # with a seed is still that initializer) is decided here only.
        field["selected"] = _choice_index(field["choices"], value)
        return field
    if key == "seed" and (value is None or isinstance(value, int)):
        field["kind"] = "int"  # documented as "a Python integer or a SeedGenerator"
        return field
    field.update(_value_kind(value, default, doc))
    return field


# -- kinds -----------------------------------------------------------------------------------
def _value_kind(value: Any, default: Any, doc: str) -> dict[str, Any]:
    hint = _doc_kind(doc)
    if isinstance(value, bool):
        return {"kind": "bool"}
    if isinstance(value, int):
        floaty = hint == "float" or (isinstance(default, float) and not isinstance(default, bool))
        return {"kind": "float" if floaty else "int"}
    if isinstance(value, float):
        return {"kind": "float"}
    if isinstance(value, str):
        return {"kind": "str"}
    if isinstance(value, list) and all(_is_number_or_none(v) for v in value):
        # "int or tuple" settings (kernel_size) also take one number, repeated per axis.
        return {"kind": "tuple", "item": _item_kind(value, hint), "scalar": hint == "int|tuple"}
    if value is None:
        # Nothing to read the kind from but the default and the docstring.
        if isinstance(default, bool) or hint == "bool":
            return {"kind": "bool"}
        if hint in ("int", "float", "str"):
            return {"kind": hint}
        if hint in ("tuple", "int|tuple"):
            return {"kind": "tuple", "item": "int", "scalar": hint == "int|tuple"}
    return {"kind": "json"}


def _item_kind(items: list[Any], hint: str) -> str:
    return "float" if hint == "float" or any(isinstance(v, float) for v in items) else "int"


def _is_number_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _doc_kind(doc: str) -> str:
    """The type a Keras docstring names first ("int or tuple of 2 integers" -> "int|tuple")."""
    head = doc.lower()[:60]
    if re.match(r"^(an? )?(int|integer|positive int\w*)[, ]+(or )?(an? )?(tuple|list)", head):
        return "int|tuple"
    if re.match(r"^(an? )?(tuple|list) ", head):
        return "tuple"
    if re.match(r"^(an? )?(python )?(float|floating)", head):
        return "float"
    if re.match(r"^(an? )?(python )?(positive |non-negative )?(int|integer)\b", head):
        return "int"
    if re.match(r"^(an? )?(python )?(bool|boolean)\b", head):
        return "bool"
    if re.match(r"^(an? )?(python )?(string|str)\b", head):
        return "str"
    return ""


# -- enums -----------------------------------------------------------------------------------
def _known_choices(key: str, value: Any, doc: str) -> list[dict[str, Any]] | None:
    if key.endswith("_initializer"):
        return _initializer_choices()
    if key.endswith("_regularizer"):
        return _regularizer_choices()
    if key.endswith("_constraint"):
        return _constraint_choices()
    if (key == "activation" or key.endswith("_activation")) and (
        value is None or isinstance(value, str)
    ):
        return _activation_choices()
    if key == "dtype":
        if isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
            return _policy_choices()
        if isinstance(value, str):
            return [_choice(name, name) for name in _INPUT_DTYPES]
        return None
    if key == "data_format" and (value is None or isinstance(value, str)):
        return [_choice(name, name) for name in _DATA_FORMATS]
    if isinstance(value, str):
        quoted = _quoted_choices(doc)
        if len(quoted) >= 2 and value in quoted:
            return [_choice(name, name) for name in quoted]
    return None


def _with_current(
    choices: list[dict[str, Any]], value: Any, offer_none: bool
) -> list[dict[str, Any]]:
    """Add the current value (a custom class, an unlisted name) and None where they apply."""
    out = list(choices)
    if (offer_none or value is None) and not any(c["value"] is None for c in out):
        out.insert(0, _choice("None", None))
    if _choice_index(out, value) < 0:
        out.append(_choice(_label_of(value), value))
    index = _choice_index(out, value)
    if isinstance(value, dict) and _keras_object_class(value) is not None:
        # The current choice carries the value itself, so its params show what is set now.
        out[index] = {**out[index], "value": value, "params": _object_params(value)}
    return out


def _choice_index(choices: list[dict[str, Any]], value: Any) -> int:
    """Which choice `value` is: equal values, or the same class of a serialized object."""
    for i, choice in enumerate(choices):
        if choice["value"] == value:
            return i
    if isinstance(value, dict):
        for i, choice in enumerate(choices):
            other = choice["value"]
            if isinstance(other, dict) and _identity(other) == _identity(value):
                return i
    return -1


def _identity(serialized: dict[str, Any]) -> tuple[Any, ...]:
    """What names a serialized object: its class, or for a dtype policy its policy name."""
    if serialized.get("class_name") == "DTypePolicy":
        return ("DTypePolicy", (serialized.get("config") or {}).get("name"))
    return (serialized.get("module"), serialized.get("class_name"))


def _label_of(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        return value["class_name"]
    return "None" if value is None else str(value)


def _choice(label: str, value: Any) -> dict[str, Any]:
    return {"label": label, "value": value}


def _object_params(serialized: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields for the config of a serialized Keras object (an initializer's seed, L2's factor)."""
    cls = _keras_object_class(serialized)
    defaults = _signature_defaults(cls)
    docs = _arg_docs(cls)
    return [
        {
            **describe(k, v, defaults.get(k, inspect.Parameter.empty), docs.get(k, "")),
            "editable": True,
        }
        for k, v in serialized["config"].items()
    ]


@functools.cache
def _activation_choices() -> list[dict[str, Any]]:
    import keras

    names = []
    for name in dir(keras.activations):
        if name.startswith("_") or name in ("get", "serialize", "deserialize"):
            continue
        fn = getattr(keras.activations, name)
        if callable(fn) and not isinstance(fn, type):
            try:
                if keras.activations.serialize(fn) == name:
                    names.append(name)
            except Exception:  # not a serializable activation: leave it out of the list
                continue
    # The common ones first, then the rest alphabetically.
    first = [n for n in ("linear", "relu", "sigmoid", "softmax", "tanh", "gelu") if n in names]
    return [_choice(n, n) for n in first + sorted(set(names) - set(first))]


@functools.cache
def _initializer_choices() -> list[dict[str, Any]]:
    import keras

    return _class_choices(
        keras.initializers, keras.initializers.Initializer, keras.initializers.serialize
    )


@functools.cache
def _regularizer_choices() -> list[dict[str, Any]]:
    import keras

    return _class_choices(
        keras.regularizers, keras.regularizers.Regularizer, keras.regularizers.serialize
    )


@functools.cache
def _constraint_choices() -> list[dict[str, Any]]:
    import keras

    return _class_choices(
        keras.constraints, keras.constraints.Constraint, keras.constraints.serialize
    )


def _class_choices(module: Any, base: type, serialize: Any) -> list[dict[str, Any]]:
    """Every public class of `module` that builds without arguments, serialized by Keras."""
    out = []
    for name in sorted(dir(module)):
        cls = getattr(module, name)
        # Aliases (IdentityInitializer = Identity) share the class: list it once, by its name.
        if not isinstance(cls, type) or cls is base or cls.__name__ != name:
            continue
        if not issubclass(cls, base):
            continue
        try:
            serialized = serialize(cls())
        except Exception:  # needs arguments (or is abstract): nothing sensible to offer
            continue
        from perceptinb.catalog import jsonable

        out.append(_choice(name, jsonable(serialized)))
    return out


@functools.cache
def _policy_choices() -> list[dict[str, Any]]:
    import keras

    from perceptinb.catalog import jsonable

    return [
        _choice(name, jsonable(keras.dtype_policies.serialize(keras.DTypePolicy(name))))
        for name in _POLICY_NAMES
    ]


def _quoted_choices(doc: str) -> list[str]:
    """The string options a Keras docstring lists: "either `"valid"` or `"same"`"."""
    return list(dict.fromkeys(re.findall(r'`"([A-Za-z0-9_]+)"`', doc)))


# -- introspection ---------------------------------------------------------------------------
def _layer_class(node: Node) -> type | None:
    from perceptinb.catalog import resolve_class
    from perceptinb.errors import GraphError

    try:
        # Resolving only names the class (trusted graphs may import a module); it builds nothing.
        return resolve_class(node, trusted=False)
    except GraphError:
        return None


def _keras_object_class(serialized: dict[str, Any]) -> type | None:
    import keras

    module = {
        "keras.initializers": keras.initializers,
        "keras.regularizers": keras.regularizers,
        "keras.constraints": keras.constraints,
    }.get(serialized.get("module"))
    cls = getattr(module, str(serialized.get("class_name")), None) if module else None
    return cls if isinstance(cls, type) else None


@functools.cache
def _signature_defaults(cls: type | None) -> dict[str, Any]:
    """Constructor parameters in order, with their defaults (``Parameter.empty`` if required)."""
    if cls is None:
        return {}
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {
        p.name: p.default
        for p in params
        if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


@functools.cache
def _arg_docs(cls: type | None) -> dict[str, str]:
    """The ``Args:`` (or ``Arguments:``) section of a class docstring: name -> description."""
    doc = inspect.getdoc(cls) if cls is not None else None
    if not doc:
        return {}
    lines = doc.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"^(Args|Arguments):\s*$", ln)), -1)
    if start < 0:
        return {}
    found: dict[str, list[str]] = {}
    indent, current = None, None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        width = len(line) - len(line.lstrip())
        if indent is None:
            indent = width
        if width < indent:
            break  # the section ended
        match = re.match(r"^\*{0,2}(\w+):\s*(.*)$", line.strip()) if width == indent else None
        if match:
            current = match.group(1)
            found[current] = [match.group(2)]
        elif current is not None:
            found[current].append(line.strip())
    return {k: " ".join(v).strip() for k, v in found.items()}


def _first_sentences(doc: str) -> str:
    text = re.sub(r"\s+", " ", doc).strip()
    if len(text) <= _HELP_CHARS:
        return text
    cut = text.rfind(". ", 0, _HELP_CHARS)
    return text[: cut + 1] if cut > 40 else text[: _HELP_CHARS - 1] + "…"
