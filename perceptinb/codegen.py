"""Readable Keras functional-API code for a graph.

Only settings that differ from the layer's defaults are written, so the code reads like code a
person would write. Executing the code binds the rebuilt model to ``model``.
"""

from __future__ import annotations

import inspect
import json
import keyword
import re
from typing import Any

import keras

from perceptinb import call_constants
from perceptinb.catalog import KERAS_MODULES, jsonable, keras_layer_classes, resolve_class
from perceptinb.errors import GraphError
from perceptinb.graph import Graph, Node
from perceptinb.keras_bridge import fill_template, fresh_layer, is_chain, trace

_LINE = 88
_INDENT = "    "


def graph_to_code(graph: Graph, *, trusted: bool = False) -> str:
    """Python source that rebuilds `graph`; ``exec`` binds the model to ``model``.

    Args:
        graph: The graph to write.
        trusted: Write Lambda layers (their stored bytecode runs when the script runs).
    """
    writer = _Writer(trusted)
    if graph.model_class == "Sequential" and is_chain(graph):
        result = writer.sequential(graph, "model")  # a Sequential model reads best as one
    else:
        result = writer.model(graph, "model")
    lines = ["import keras", "from keras import layers", *sorted(writer.imports), "", *writer.lines]
    if result != "model":
        lines.append(f"model = {result}")
    return "\n".join(lines) + "\n"


class _Writer:
    def __init__(self, trusted: bool) -> None:
        self.lines: list[str] = []
        self.taken: set[str] = {"keras", "layers", "model", "np"}
        self.imports: set[str] = set()
        self.trusted = trusted

    def name_for(self, text: str, suffix: str = "") -> str:
        base = re.sub(r"\W", "_", text).strip("_").lower() or "x"
        base = (f"_{base}" if base[0].isdigit() else base) + suffix
        if keyword.iskeyword(base):
            base += "_"
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name

    def model(self, graph: Graph, model_var: str) -> str:
        """Write the statements building `graph`; return the variable holding the model."""
        tensors: dict[str, str] = {}
        layer_vars: dict[str, str] = {}
        packed = _packed_outputs(graph, self.trusted)

        def read(node_id: str, port: int) -> str:
            """The expression of output `port` of `node_id` (``lstm[1]`` of a multi-output)."""
            kind = packed.get(node_id)
            if kind is None:  # not traced (it failed): judge by the ports in use
                kind = "sequence" if _multi_output(graph, node_id) else ""
            if kind == "sequence":
                return f"{tensors[node_id]}[{port}]"
            if kind == "nested":
                return f"keras.tree.flatten({tensors[node_id]})[{port}]"
            return tensors[node_id]

        for node_id in graph.topological_order():
            node = graph.nodes[node_id]
            var = self.name_for(node_id)
            if node.is_input:
                self.emit(f"{var} = ", "keras.Input", _input_kwargs(node.settings))
                tensors[node_id] = var
                continue
            owner = graph.owner(node_id)
            if owner.id not in layer_vars and (graph.sharers_of(owner.id) or owner.is_model):
                layer_vars[owner.id] = self.layer_object(owner)
            inputs = [read(e.src, e.src_port) for e in graph.inputs_of(node_id)]
            args, kwargs = fill_template(node, [_Raw(v) for v in inputs])
            call_args = [_literal(a, self.imports) for a in args] + [
                f"{k}={_literal(v, self.imports)}" for k, v in kwargs.items()
            ]
            if owner.id in layer_vars:
                self.lines.append(f"{var} = {layer_vars[owner.id]}({', '.join(call_args)})")
            elif _is_operation(node):
                self.emit(f"{var} = ", _operation(node, call_args, self.imports), None)
            else:
                func, kw = _constructor(node, self.imports, self.trusted)
                self.emit(f"{var} = ", func, kw, call=call_args)
            tensors[node_id] = var
        inputs = [tensors[i] for i in graph.input_ids]
        outputs = [read(nid, port) for nid, port in graph.output_refs]
        model_var = (
            self.name_for(model_var)
            if model_var in self.taken and model_var != "model"
            else model_var
        )
        self.emit(
            f"{model_var} = ",
            "keras.Model",
            {
                "inputs": _Raw(_structure(inputs, graph.input_ids, graph.input_keys)),
                "outputs": _Raw(_structure(outputs, graph.output_refs, graph.output_keys)),
                "name": graph.name,
            },
        )
        return model_var

    def layer_object(self, node: Node) -> str:
        if node.children is not None:
            self.lines.append(f"# nested model {node.id!r}")
            if node.children.model_class == "Sequential" and is_chain(node.children):
                var = self.sequential(node.children, self.name_for(node.id, "_model"))
            else:
                var = self.model(node.children, self.name_for(node.id, "_model"))
            if node.settings.get("trainable") is False:
                self.lines.append(f"{var}.trainable = False")
            return var
        var = self.name_for(node.id, "_layer")
        func, kw = _constructor(node, self.imports, self.trusted)
        self.emit(f"{var} = ", func, kw)
        return var

    def sequential(self, graph: Graph, var: str) -> str:
        items = []
        for node_id in graph.topological_order():
            node = graph.nodes[node_id]
            if node.is_input:
                func, kwargs = "keras.Input", _input_kwargs(node.settings)
            else:
                func, kwargs = _constructor(node, self.imports, self.trusted)
            items.extend(_call_lines(f"{_INDENT * 2}", func, kwargs, suffix=","))
        self.lines.append(f"{var} = keras.Sequential(")
        self.lines.append(f"{_INDENT}[")
        self.lines.extend(items)
        self.lines.append(f"{_INDENT}],")
        self.lines.append(f"{_INDENT}name={_literal(graph.name)},")
        self.lines.append(")")
        return var

    def emit(
        self,
        prefix: str,
        func: str,
        kwargs: dict[str, Any] | None,
        call: list[str] | None = None,
    ) -> None:
        if kwargs is None:  # `func` is the whole expression already
            self.lines.append(f"{prefix}{func}")
            return
        suffix = f"({', '.join(call)})" if call is not None else ""
        self.lines.extend(_call_lines("", func, kwargs, head=prefix, suffix=suffix))


def _call_lines(
    indent: str, func: str, kwargs: dict[str, Any], *, head: str = "", suffix: str = ""
) -> list[str]:
    """``func(k=v, ...)`` on one line, or one argument per line when it would be too long."""
    parts = [f"{k}={_literal(v)}" for k, v in kwargs.items()]
    one_line = f"{indent}{head}{func}({', '.join(parts)}){suffix}"
    if len(one_line) <= _LINE:
        return [one_line]
    return [
        f"{indent}{head}{func}(",
        *(f"{indent}{_INDENT}{p}," for p in parts),
        f"{indent}){suffix}",
    ]


class _Raw(str):
    """Text already written as Python source (a variable name), emitted without quoting."""


def _literal(value: Any, imports: set[str] | None = None) -> str:
    if isinstance(value, _Raw):
        return str(value)
    constant = call_constants.source(value, imports if imports is not None else set())
    if constant is not None:
        return constant
    if call_constants.is_constant(value):
        return _literal(call_constants.decode(value), imports)
    if _is_serialized_layer(value):
        # Wrappers (Bidirectional, TimeDistributed) take a layer object, not its config.
        func, kwargs = _constructor(
            Node(value["config"].get("name", ""), value["class_name"], value["config"]), None
        )
        return f"{func}({', '.join(f'{k}={_literal(v)}' for k, v in kwargs.items())})"
    keras_object = _keras_object(value)
    if keras_object is not None:
        args = ", ".join(f"{k}={_literal(v, imports)}" for k, v in value["config"].items())
        return f"{keras_object}({args})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v, imports) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v, imports)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


# Serialized Keras objects written as the call that makes them: keras.initializers.HeNormal().
_OBJECT_MODULES = ("keras", "keras.initializers", "keras.regularizers", "keras.constraints")


def _keras_object(value: Any) -> str | None:
    """``keras.initializers.TruncatedNormal`` for a serialized initializer, regularizer,
    constraint or dtype policy in a config; None for anything else."""
    if not (
        isinstance(value, dict)
        and value.get("module") in _OBJECT_MODULES
        and isinstance(value.get("class_name"), str)
        and isinstance(value.get("config"), dict)
        and not value.get("registered_name")
    ):
        return None
    module = keras
    for part in value["module"].split(".")[1:]:
        module = getattr(module, part)
    if not isinstance(getattr(module, value["class_name"], None), type):
        return None
    return f"{value['module']}.{value['class_name']}"


def _is_serialized_layer(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("module") == "keras.layers"
        and value.get("class_name") in keras_layer_classes()
        and isinstance(value.get("config"), dict)
    )


def _structure(items: list[str], refs: list[Any], keys: Any) -> str:
    """A model's inputs or outputs: one name, a list, or a dict (see `Graph.input_keys`)."""
    if isinstance(keys, dict):
        pairs = [(keys.get(ref, ref), item) for ref, item in zip(refs, items)]
    elif keys is not None and len(keys) == len(items):
        pairs = list(zip(keys, items))
    else:
        return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in pairs) + "}"


def _packed_outputs(graph: Graph, trusted: bool) -> dict[str, str]:
    """Which nodes return several tensors, found by tracing the graph: an LSTM with
    ``return_state=True`` returns three even when only the first is used."""
    traced = graph.copy()
    traced.trusted = trusted or graph.trusted
    traced.weights = {}
    try:
        result = trace(traced, fresh_layer)
    except GraphError:
        return {}
    return {nid: result.packed.get(nid, "") for nid in result.outputs}


def _multi_output(graph: Graph, node_id: str) -> bool:
    return any(e.src_port > 0 for e in graph.outputs_of(node_id)) or any(
        nid == node_id and port > 0 for nid, port in graph.output_refs
    )


def _is_operation(node: Node) -> bool:
    """Whether `node` is a ``keras.ops`` call Keras recorded (``x + 3.0``, ``x[..., 2]``)."""
    # The "module" Keras writes into a serialized op is its source path; nothing is imported.
    return ((node.module or {}).get("module") or "").startswith("keras.src.ops.")


def _operation(node: Node, call_args: list[str], imports: set[str]) -> str:
    """``keras.ops.expand_dims(x, axis=-1)`` for an operation node, with its settings.

    The operation's settings (``axis`` of ``Stack``) are the arguments of its ``keras.ops``
    function. When the function does not take them all, the operation class itself is written.
    """
    settings = {k: v for k, v in node.settings.items() if k != "name"}
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", node.type).lower()
    function = getattr(keras.ops, name, None)
    if function is not None:
        params = inspect.signature(function).parameters
        if all(k in params for k in settings):
            parts = call_args + [f"{k}={_literal(v, imports)}" for k, v in settings.items()]
            return f"keras.ops.{name}({', '.join(parts)})"
    cls = resolve_class(node)
    imports.add(f"from {node.module['module']} import {cls.__name__}")
    kwargs = {**settings, "name": node.settings.get("name")}
    parts = ", ".join(f"{k}={_literal(v, imports)}" for k, v in kwargs.items())
    return f"{cls.__name__}({parts})({', '.join(call_args)})"


def _input_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    batch_shape = list(settings.get("batch_shape") or [None])
    kwargs: dict[str, Any] = {"shape": _Raw(_tuple(batch_shape[1:]))}
    if batch_shape[0] is not None:
        kwargs["batch_size"] = batch_shape[0]
    if settings.get("dtype", "float32") != "float32":
        kwargs["dtype"] = settings["dtype"]
    if settings.get("sparse"):
        kwargs["sparse"] = True
    kwargs["name"] = settings.get("name")
    return kwargs


def _tuple(values: list[Any]) -> str:
    inner = ", ".join(repr(v) for v in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"


def _constructor(
    node: Node, imports: set[str] | None = None, trusted: bool = False
) -> tuple[str, dict[str, Any]]:
    """The callable that makes `node`'s layer and the keyword arguments it needs."""
    cls = resolve_class(node, trusted=trusted)
    module = (node.module or {}).get("module") or ""
    if node.type == "Lambda" and not node.module:
        # Its function is stored as Python bytecode: only Keras can turn it back into code.
        return "layers.Lambda.from_config", {"config": node.settings, "safe_mode": False}
    if node.type in keras_layer_classes() and not node.module:
        func = f"layers.{node.type}"
    elif imports is not None and _public_keras_hub_layer(cls):
        imports.add(f"from keras_hub.layers import {cls.__name__}")
        func = cls.__name__
    elif (node.module or {}).get("registered_name") and keras.saving.get_registered_object(
        node.module["registered_name"]
    ) is cls:
        func = f"keras.saving.get_registered_object({node.module['registered_name']!r})"
    elif module.startswith(KERAS_MODULES) and imports is not None:
        # A helper layer of Keras or keras-hub (ConvNeXt's LayerScale, Gemma's decoder block):
        # import it by path.
        imports.add(f"from {module} import {cls.__name__}")
        func = cls.__name__
    else:
        raise GraphError(
            f"Cannot write code for node {node.id!r}: {cls.__name__} is not importable."
        )
    return func, _needed_kwargs(cls, node.settings)


def _public_keras_hub_layer(cls: type) -> bool:
    """Whether `cls` is exported as ``keras_hub.layers.<name>`` (TransformerEncoder...)."""
    import sys

    hub = sys.modules.get("keras_hub")  # loaded already when one of its layers is in a graph
    return hub is not None and getattr(hub.layers, cls.__name__, None) is cls


def _needed_kwargs(cls: type, settings: dict[str, Any]) -> dict[str, Any]:
    """The smallest set of settings that rebuilds the same config, name last.

    Defaults can depend on other arguments (MaxPooling2D's strides default to pool_size), so
    instead of comparing with a default instance, rebuild with the candidate arguments and add
    back whatever still differs.
    """
    target = jsonable(settings)
    required = [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.name != "self"
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    kwargs = {k: settings[k] for k in required if k in settings}
    for _ in range(len(settings) + 1):
        try:
            built = jsonable(cls.from_config({**kwargs, "name": settings.get("name")}).get_config())
        except Exception:  # a required argument we did not know: fall back to everything
            kwargs = {k: v for k, v in settings.items() if k != "name"}
            break
        missing = {k: target[k] for k in target if k != "name" and built.get(k) != target[k]}
        if not missing:
            break
        kwargs.update({k: settings[k] for k in missing})
    kwargs = {k: settings[k] for k in settings if k in kwargs}
    kwargs["name"] = settings.get("name")
    return kwargs
