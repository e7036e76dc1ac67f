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

from perceptinb.catalog import jsonable, keras_layer_classes, resolve_class
from perceptinb.errors import GraphError
from perceptinb.graph import Graph, Node
from perceptinb.keras_bridge import fill_template, is_chain

_LINE = 88
_INDENT = "    "


def graph_to_code(graph: Graph) -> str:
    """Python source that rebuilds `graph`; ``exec`` binds the model to ``model``."""
    writer = _Writer()
    if graph.model_class == "Sequential" and is_chain(graph):
        result = writer.sequential(graph, "model")  # a Sequential model reads best as one
    else:
        result = writer.model(graph, "model")
    lines = ["import keras", "from keras import layers", *sorted(writer.imports), "", *writer.lines]
    if result != "model":
        lines.append(f"model = {result}")
    return "\n".join(lines) + "\n"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.taken: set[str] = {"keras", "layers", "model"}
        self.imports: set[str] = set()

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
            inputs = [
                tensors[e.src] + (f"[{e.src_port}]" if _multi_output(graph, e.src) else "")
                for e in graph.inputs_of(node_id)
            ]
            args, kwargs = fill_template(node, [_Raw(v) for v in inputs])
            call_args = [_literal(a) for a in args] + [
                f"{k}={_literal(v)}" for k, v in kwargs.items()
            ]
            if owner.id in layer_vars:
                self.lines.append(f"{var} = {layer_vars[owner.id]}({', '.join(call_args)})")
            elif _ops_function(node):
                self.lines.append(f"{var} = {_ops_function(node)}({', '.join(call_args)})")
            else:
                func, kw = _constructor(node, self.imports)
                self.emit(f"{var} = ", func, kw, call=call_args)
            tensors[node_id] = var
        inputs = [tensors[i] for i in graph.input_ids]
        outputs = [
            tensors[nid] + (f"[{port}]" if _multi_output(graph, nid) else "")
            for nid, port in graph.output_refs
        ]
        model_var = (
            self.name_for(model_var)
            if model_var in self.taken and model_var != "model"
            else model_var
        )
        self.emit(
            f"{model_var} = ",
            "keras.Model",
            {
                "inputs": _Raw(_seq(inputs)),
                "outputs": _Raw(_seq(outputs)),
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
        func, kw = _constructor(node, self.imports)
        self.emit(f"{var} = ", func, kw)
        return var

    def sequential(self, graph: Graph, var: str) -> str:
        items = []
        for node_id in graph.topological_order():
            node = graph.nodes[node_id]
            if node.is_input:
                func, kwargs = "keras.Input", _input_kwargs(node.settings)
            else:
                func, kwargs = _constructor(node, self.imports)
            items.extend(_call_lines(f"{_INDENT * 2}", func, kwargs, suffix=","))
        self.lines.append(f"{var} = keras.Sequential(")
        self.lines.append(f"{_INDENT}[")
        self.lines.extend(items)
        self.lines.append(f"{_INDENT}],")
        self.lines.append(f"{_INDENT}name={_literal(graph.name)},")
        self.lines.append(")")
        return var

    def emit(
        self, prefix: str, func: str, kwargs: dict[str, Any], call: list[str] | None = None
    ) -> None:
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


def _literal(value: Any) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if _is_serialized_layer(value):
        # Wrappers (Bidirectional, TimeDistributed) take a layer object, not its config.
        func, kwargs = _constructor(
            Node(value["config"].get("name", ""), value["class_name"], value["config"]), None
        )
        return f"{func}({', '.join(f'{k}={_literal(v)}' for k, v in kwargs.items())})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _is_serialized_layer(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("module") == "keras.layers"
        and value.get("class_name") in keras_layer_classes()
        and isinstance(value.get("config"), dict)
    )


def _seq(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


def _multi_output(graph: Graph, node_id: str) -> bool:
    return any(e.src_port > 0 for e in graph.outputs_of(node_id)) or any(
        nid == node_id and port > 0 for nid, port in graph.output_refs
    )


def _ops_function(node: Node) -> str | None:
    """``keras.ops.add`` for an operation Keras recorded from ``x + 3.0``; None for layers."""
    module = (node.module or {}).get("module") or ""
    if not module.startswith("keras.src.ops."):
        return None
    return "keras.ops." + re.sub(r"(?<!^)(?=[A-Z])", "_", node.type).lower()


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


def _constructor(node: Node, imports: set[str] | None = None) -> tuple[str, dict[str, Any]]:
    """The callable that makes `node`'s layer and the keyword arguments it needs."""
    cls = resolve_class(node)
    module = (node.module or {}).get("module") or ""
    if node.type in keras_layer_classes() and not node.module:
        func = f"layers.{node.type}"
    elif (node.module or {}).get("registered_name") and keras.saving.get_registered_object(
        node.module["registered_name"]
    ) is cls:
        func = f"keras.saving.get_registered_object({node.module['registered_name']!r})"
    elif module.startswith("keras.src.") and imports is not None:
        # A helper layer of Keras itself (e.g. ConvNeXt's LayerScale): import it by path.
        imports.add(f"from {module} import {cls.__name__}")
        func = cls.__name__
    else:
        raise GraphError(
            f"Cannot write code for node {node.id!r}: {cls.__name__} is not importable."
        )
    return func, _needed_kwargs(cls, node.settings)


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
