"""Round trips through from_keras, to_keras and JSON over the model matrix."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from models import APPLICATIONS, SMALL_MODELS, application, sample_inputs

import perceptinb as pnb


def _outputs(model: keras.Model, inputs: list[np.ndarray]) -> list[np.ndarray]:
    result = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    return [np.asarray(t) for t in keras.tree.flatten(result)]


def _layer_summary(model: keras.Model) -> list[tuple[str, str, str]]:
    """(name, class, config) of every layer, the configs normalized through JSON."""
    return [
        (
            layer.name,
            type(layer).__name__,
            json.dumps(pnb.catalog.jsonable(layer.get_config()), sort_keys=True, default=str),
        )
        for layer in model.layers
    ]


def assert_equivalent(original: keras.Model, rebuilt: keras.Model, *, same_weights: bool) -> None:
    assert type(rebuilt).__name__ == type(original).__name__
    assert _layer_summary(rebuilt) == _layer_summary(original)
    assert rebuilt.count_params() == original.count_params()
    assert [tuple(t.shape) for t in rebuilt.inputs] == [tuple(t.shape) for t in original.inputs]
    assert [tuple(t.shape) for t in rebuilt.outputs] == [tuple(t.shape) for t in original.outputs]
    inputs = sample_inputs(original)
    got, want = _outputs(rebuilt, inputs), _outputs(original, inputs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        if same_weights:
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def round_trip(model: keras.Model) -> None:
    graph = pnb.Graph.from_keras(model)
    assert_equivalent(model, graph.to_keras(), same_weights=True)
    text = graph.to_json()
    loaded = pnb.Graph.from_json(text)
    assert loaded.to_json() == text
    # JSON carries the architecture only: same structure, fresh weights.
    assert_equivalent(model, loaded.to_keras(), same_weights=False)


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_small_models_round_trip(name: str) -> None:
    round_trip(SMALL_MODELS[name]())


@pytest.mark.slow
@pytest.mark.parametrize("name", APPLICATIONS)
def test_applications_round_trip(name: str) -> None:
    round_trip(application(name))


def test_import_records_shared_calls_nested_groups_and_ports() -> None:
    graph = pnb.Graph.from_keras(SMALL_MODELS["multi_io_shared_nested"]())
    assert graph.input_ids == ["left", "right"]
    assert graph.nodes["shared@1"].shares == "shared"
    assert graph.nodes["tower@1"].shares == "tower"
    tower = graph.nodes["tower"]
    assert tower.children is not None and tower.type == "Sequential"
    assert [n.type for n in tower.children.nodes.values()] == ["InputLayer", "Dense", "Dense"]
    assert graph.output_refs == [("score", 0), ("diff", 0)]
    ports = sorted((e.src, e.dst_port) for e in graph.edges if e.dst == "concat")
    assert ports == [("tower", 0), ("tower@1", 1)]


def test_positional_multi_input_call_is_preserved() -> None:
    graph = pnb.Graph.from_keras(SMALL_MODELS["transformer_block"]())
    attention_in = graph.inputs_of("attention")
    assert [(e.src, e.dst_port) for e in attention_in] == [("sequence", 0), ("sequence", 1)]
    assert graph.nodes["attention"].call is None  # the default for MultiHeadAttention


def test_multi_output_layer_ports() -> None:
    graph = pnb.Graph.from_keras(SMALL_MODELS["gru_multi_output_layer"]())
    assert sorted((e.src_port, e.dst) for e in graph.outputs_of("gru")) == [(0, "gmp"), (1, "cat")]


def test_from_keras_refuses_lambda_unless_trusted() -> None:
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, keras.layers.Lambda(lambda t: t * 2, name="double")(inp))
    with pytest.raises(pnb.GraphError, match="'double'.*Lambda"):
        pnb.Graph.from_keras(model)
    graph = pnb.Graph.from_keras(model, trusted=True)
    assert graph.nodes["double"].type == "Lambda"


class Unregistered(keras.layers.Layer):
    def call(self, x):
        return x + 1.0


def test_unregistered_custom_layer_refused_unless_trusted() -> None:
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, Unregistered(name="plus_one")(inp))
    with pytest.raises(pnb.GraphError, match="'plus_one'.*Unregistered"):
        pnb.Graph.from_keras(model)
    graph = pnb.Graph.from_keras(model, trusted=True)
    np.testing.assert_allclose(graph.to_keras()(np.ones((1, 3))), 2.0)


@keras.saving.register_keras_serializable(package="pnbtests")
class Scale(keras.layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_registered_custom_layer_round_trips_without_trust() -> None:
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, Scale(3.0, name="scale")(inp))
    graph = pnb.Graph.from_json(pnb.Graph.from_keras(model).to_json())
    np.testing.assert_allclose(graph.to_keras()(np.ones((1, 3))), 3.0)


def test_from_keras_rejects_non_models() -> None:
    with pytest.raises(TypeError, match="Expected a keras.Model"):
        pnb.Graph.from_keras(keras.layers.Dense(3))


def test_subclassed_model_is_refused_with_reason() -> None:
    class Tiny(keras.Model):
        def call(self, x):
            return x

    model = Tiny()
    model(np.ones((1, 2)))
    with pytest.raises(TypeError, match="subclassed"):
        pnb.Graph.from_keras(model)
