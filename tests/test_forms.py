"""Settings-form metadata: field kinds, enum choices and the details trait that carries them."""

from __future__ import annotations

import json

import keras
import pytest
from models import SMALL_MODELS

import perceptinb as pnb
from perceptinb.catalog import default_settings, palette_entries
from perceptinb.commands import apply_command
from perceptinb.forms import describe, setting_fields
from perceptinb.graph import Node

KINDS = {"int", "float", "bool", "str", "tuple", "enum", "json"}


def fields_of(type_name: str, **settings) -> dict[str, dict]:
    config = default_settings(type_name, "x")
    config.update(settings)
    return {f["key"]: f for f in setting_fields(Node("x", type_name, config), config)}


def test_dense_fields_follow_the_constructor_and_name_their_kinds() -> None:
    fields = fields_of("Dense")
    keys = list(fields)
    assert keys[:3] == ["units", "activation", "use_bias"]  # signature order, not config order
    assert keys[-2:] == ["trainable", "dtype"]  # common settings last
    assert "name" not in fields  # renaming is its own command
    assert fields["units"]["kind"] == "int" and fields["units"]["value"] == 32
    assert "dimensionality of the output space" in fields["units"]["help"]
    assert fields["use_bias"]["kind"] == "bool"
    activation = fields["activation"]
    assert activation["kind"] == "enum"
    labels = [c["label"] for c in activation["choices"]]
    assert labels[:4] == ["linear", "relu", "sigmoid", "softmax"] and "gelu" in labels
    assert "None" not in labels  # "linear" is the named form of None
    assert all(f["editable"] for f in fields.values())


def test_tuples_floats_and_docstring_enums() -> None:
    conv = fields_of("Conv2D")
    assert conv["kernel_size"] == {**conv["kernel_size"], "kind": "tuple", "item": "int"}
    assert conv["kernel_size"]["value"] == [3, 3] and conv["kernel_size"]["scalar"] is True
    assert fields_of("Reshape")["target_shape"]["scalar"] is False  # Reshape needs a tuple
    assert [c["value"] for c in conv["padding"]["choices"]] == ["valid", "same"]
    assert [c["value"] for c in conv["data_format"]["choices"]] == [
        "channels_last",
        "channels_first",
    ]
    assert "causal" in [c["value"] for c in fields_of("Conv1D")["padding"]["choices"]]
    # An int value of a float setting is still a float field, so 0.5 can be typed.
    assert fields_of("Dropout", rate=0)["rate"]["kind"] == "float"
    assert fields_of("Dropout")["seed"] == {**fields_of("Dropout")["seed"], "kind": "int"}
    assert fields_of("Dropout")["seed"]["nullable"] is True
    assert fields_of("LeakyReLU")["negative_slope"]["kind"] == "float"
    interpolation = [c["value"] for c in fields_of("UpSampling2D")["interpolation"]["choices"]]
    assert {"nearest", "bilinear"} <= set(interpolation)
    # Nested lists have no flat text form: edited as JSON.
    assert fields_of("ZeroPadding2D")["padding"]["kind"] == "json"


def test_initializers_offer_keras_classes_in_serialized_form() -> None:
    field = fields_of("Dense")["kernel_initializer"]
    assert field["kind"] == "enum" and field["nullable"] is False
    by_label = {c["label"]: c for c in field["choices"]}
    assert {"GlorotUniform", "HeNormal", "Zeros", "Orthogonal", "RandomNormal"} <= set(by_label)
    assert "IdentityInitializer" not in by_label  # an alias is listed once, by its class name
    he = by_label["HeNormal"]["value"]
    assert he["class_name"] == "HeNormal" and he["module"] == "keras.initializers"
    # The serialized form is what Keras itself reads back.
    assert type(keras.initializers.deserialize(he)).__name__ == "HeNormal"
    # The current choice carries its config as editable params.
    current = field["choices"][field["selected"]]
    assert current["label"] == "GlorotUniform"
    assert {p["key"]: p["kind"] for p in current["params"]}["seed"] == "int"
    # A configured initializer is still that initializer's choice, carrying its own config.
    seeded = {**field["choices"][field["selected"]]["value"], "config": {"seed": 7}}
    field = fields_of("Dense", kernel_initializer=seeded)["kernel_initializer"]
    chosen = field["choices"][field["selected"]]
    assert chosen["label"] == "GlorotUniform" and chosen["value"]["config"]["seed"] == 7


def test_regularizers_and_constraints_offer_none_and_keras_classes() -> None:
    fields = fields_of("Dense")
    reg = fields["kernel_regularizer"]
    assert reg["value"] is None and reg["choices"][0] == {"label": "None", "value": None}
    assert {"L1", "L2", "L1L2"} <= {c["label"] for c in reg["choices"]}
    assert {"MaxNorm", "NonNeg"} <= {c["label"] for c in fields["kernel_constraint"]["choices"]}
    l2 = next(c["value"] for c in reg["choices"] if c["label"] == "L2")
    with_l2 = fields_of("Dense", kernel_regularizer={**l2, "config": {"l2": 0.5}})
    current = with_l2["kernel_regularizer"]
    chosen = current["choices"][current["selected"]]
    assert chosen["label"] == "L2" and chosen["params"][0]["value"] == 0.5
    assert chosen["params"][0]["kind"] == "float"


def test_dtype_is_a_policy_choice() -> None:
    dtype = fields_of("Dense")["dtype"]
    labels = [c["label"] for c in dtype["choices"]]
    assert labels[0] == "float32" and "mixed_float16" in labels
    assert dtype["selected"] == 0


def test_unknown_current_values_are_kept_as_a_choice() -> None:
    field = describe("padding", "reflect", doc='either `"valid"` or `"same"`.')
    assert field["kind"] == "str"  # not among the documented choices: free text, not an enum
    custom = {"module": "my.mod", "class_name": "MyInit", "config": {}, "registered_name": "x"}
    field = describe("kernel_initializer", custom)
    assert field["choices"][field["selected"]]["label"] == "MyInit"


def test_input_and_model_fields_are_limited_to_what_set_accepts() -> None:
    canvas_graph = pnb.Graph.from_keras(SMALL_MODELS["multi_io_shared_nested"]())
    left = canvas_graph.nodes["left"]
    fields = {f["key"]: f for f in setting_fields(left, left.settings)}
    assert fields["batch_shape"]["kind"] == "tuple" and fields["batch_shape"]["editable"]
    assert fields["batch_shape"]["value"] == [None, 6]
    assert [c["value"] for c in fields["dtype"]["choices"]][0] == "float32"
    assert not fields["ragged"]["editable"] and not fields["optional"]["editable"]
    tower = canvas_graph.nodes["tower"]
    model_fields = setting_fields(tower, tower.settings)
    assert [(f["key"], f["editable"]) for f in model_fields] == [("trainable", True)]


def test_every_palette_layer_gets_a_jsonable_form() -> None:
    described = 0
    for entry in palette_entries():
        try:
            config = default_settings(entry["type"], "x")
        except pnb.GraphError:
            continue  # needs settings to be added at all (Bidirectional, RNN...)
        fields = setting_fields(Node("x", entry["type"], config), config)
        assert {f["key"] for f in fields} == set(config) - {"name"}, entry["type"]
        assert {f["kind"] for f in fields} <= KINDS
        for f in fields:
            if f["kind"] == "enum":
                assert f["selected"] >= 0, (entry["type"], f["key"])
        json.dumps(fields, allow_nan=False)
        described += 1
    assert described > 90


@pytest.mark.parametrize("label", ["HeNormal", "L2", "MaxNorm"])
def test_every_offered_object_choice_is_accepted_by_keras(label: str) -> None:
    graph = pnb.Graph.from_keras(SMALL_MODELS["sequential_cnn"]())
    fields = {
        f["key"]: f for f in setting_fields(graph.nodes["dense"], graph.nodes["dense"].settings)
    }
    key = next(
        k
        for k in ("kernel_initializer", "kernel_regularizer", "kernel_constraint")
        if label in {c["label"] for c in fields[k]["choices"]}
    )
    value = next(c["value"] for c in fields[key]["choices"] if c["label"] == label)
    new = apply_command(graph, {"op": "set", "node": "dense", "key": key, "value": value})
    assert new.nodes["dense"].settings[key]["class_name"] == label


def test_details_trait_carries_fields_and_keeps_settings() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["multi_io_shared_nested"]())
    canvas.selected = "shared"
    details = canvas.details
    assert details["settings"]["units"] == 6
    assert {f["key"]: f["value"] for f in details["fields"]}["units"] == 6
    # Inside a nested model (Keras names its layers, so ask the graph for one): edited by path.
    inner = [nid for nid in canvas.graph.nodes["tower"].children.nodes if nid != "input_layer"]
    canvas.selected = f"tower/{inner[-1]}"
    assert details["fields"] and any(f["editable"] for f in canvas.details["fields"])
    canvas.apply({"op": "set", "node": "shared", "key": "units", "value": 7})
    canvas.selected = "shared"
    assert {f["key"]: f["value"] for f in canvas.details["fields"]}["units"] == 7


def test_graph_view_marks_multi_input_layers_and_history_state() -> None:
    canvas = pnb.Canvas(SMALL_MODELS["multi_io_shared_nested"]())
    view = {n["id"]: n for n in canvas.graph_view["nodes"]}
    assert view["concat"]["multi_input"] and view["diff"]["multi_input"]
    assert not view["score"]["multi_input"] and not view["left"]["multi_input"]
    assert canvas.graph_view["can_undo"] is False and canvas.graph_view["can_redo"] is False
    canvas.apply({"op": "set", "node": "score", "key": "units", "value": 2})
    assert canvas.graph_view["can_undo"] is True
    canvas.undo()
    assert canvas.graph_view["can_undo"] is False and canvas.graph_view["can_redo"] is True
