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


# Every keras.applications family stays in `make test` (about 1.5 min on 2 cores): these are
# the models users bring first. The whole corpus, with keras-hub, is `slow` (make bench).
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

    model = Tiny(name="tiny")
    model(np.ones((1, 2)))
    with pytest.raises(pnb.GraphError, match="subclassed model 'tiny' \\(Tiny\\).*call method"):
        pnb.Graph.from_keras(model)


# -- classes of bugs found on real models (issue 10) ----------------------------------------
def _dict_input_model() -> keras.Model:
    inputs = {"age": keras.Input((1,), name="age"), "income": keras.Input((2,), name="income")}
    merged = keras.layers.Concatenate(name="merge")([inputs["income"], inputs["age"]])
    return keras.Model(inputs=inputs, outputs=keras.layers.Dense(1, name="score")(merged))


def test_dict_inputs_import_rebuild_and_keep_their_keys() -> None:
    model = _dict_input_model()
    graph = pnb.Graph.from_keras(model)
    assert graph.input_keys == {"age": "age", "income": "income"}
    x = {"age": np.ones((2, 1), "float32"), "income": np.full((2, 2), 3.0, "float32")}
    rebuilt = graph.to_keras()
    np.testing.assert_allclose(rebuilt(x), model(x), atol=1e-6)
    loaded = pnb.Graph.from_json(graph.to_json())
    assert loaded.input_keys == graph.input_keys and loaded.to_json() == graph.to_json()
    canvas = pnb.Canvas(model, sample=x)
    assert canvas.errors == {} and all(p.error is None for p in canvas.previews.values())


def test_dict_outputs_rebuild_as_a_dict() -> None:
    inp = keras.Input((3,), name="x")
    model = keras.Model(
        inp, {"a": keras.layers.Dense(1, name="a")(inp), "b": keras.layers.Dense(2, name="b")(inp)}
    )
    rebuilt = pnb.Graph.from_keras(model).to_keras()
    out = rebuilt(np.ones((1, 3)))
    assert set(out) == {"a", "b"} and out["b"].shape == (1, 2)


def _adapted_model() -> tuple[keras.Model, dict]:
    rng = np.random.default_rng(0)
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(rng.uniform(100, 400, (32, 2)))
    words = keras.layers.StringLookup(name="words")
    words.adapt(np.array(["red", "green", "blue", "red"]))
    codes = keras.layers.IntegerLookup(name="codes")
    codes.adapt(np.array([30, 10, 20, 30]))
    inputs = {
        "num": keras.Input((2,), name="num"),
        "color": keras.Input((1,), name="color", dtype="string"),
        "code": keras.Input((1,), name="code", dtype="int64"),
    }
    parts = [
        norm(inputs["num"]),
        keras.ops.cast(words(inputs["color"]), "float32"),
        keras.ops.cast(codes(inputs["code"]), "float32"),
    ]
    out = keras.layers.Dense(1, name="out")(keras.layers.Concatenate(name="cat")(parts))
    x = {
        "num": np.array([[150.0, 300.0], [390.0, 110.0]], "float32"),
        "color": np.array([["blue"], ["violet"]]),
        "code": np.array([[20], [99]], "int64"),
    }
    return keras.Model(inputs, out), x


def test_adapted_preprocessing_state_survives_rebuild_json_and_code() -> None:
    model, x = _adapted_model()
    graph = pnb.Graph.from_keras(model)
    assert graph.nodes["words"].settings["vocabulary"] == ["red", "green", "blue"]
    np.testing.assert_allclose(graph.to_keras()(x), model(x), atol=1e-5)
    # JSON and code carry the vocabularies (state, not weights); Normalization's statistics
    # are weights, restored with finalize_state: compare its outputs on the rebuilt layer.
    loaded = pnb.Graph.from_json(graph.to_json()).to_keras()
    assert loaded.get_layer("words").get_vocabulary() == model.get_layer("words").get_vocabulary()
    namespace: dict = {}
    exec(graph.to_code(), namespace)
    codes = model.get_layer("codes").get_vocabulary()
    assert namespace["model"].get_layer("codes").get_vocabulary() == codes
    assert len(codes) == 4 and codes[1] == 30  # the OOV id, then by frequency
    rebuilt_norm = graph.to_keras().get_layer("norm")
    np.testing.assert_allclose(rebuilt_norm(x["num"]), model.get_layer("norm")(x["num"]), atol=1e-5)


def test_state_that_cannot_be_carried_is_refused_naming_the_block() -> None:
    tfidf = keras.layers.StringLookup(output_mode="tf_idf", name="tfidf")
    tfidf.adapt(np.array(["a", "b", "a"]))
    inp = keras.Input((1,), dtype="string", name="text")
    model = keras.Model(inp, tfidf(inp))
    with pytest.raises(pnb.GraphError, match="'tfidf'.*tf-idf"):
        pnb.Graph.from_keras(model)


def test_op_nodes_with_serialized_constants_rebuild() -> None:
    inp = keras.Input((4, 4, 3), name="image")
    x = keras.applications.resnet50.preprocess_input(inp)  # x[..., ::-1] and x[..., 2]
    x = x + np.array([1.0, 2.0, 3.0], dtype="float32")
    x = keras.ops.take(x[..., 1:], np.array([0]), axis=-1)
    model = keras.Model(inp, x)
    graph = pnb.Graph.from_keras(model)
    image = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(graph.to_keras()(image), model(image), atol=1e-4)
    assert pnb.Graph.from_json(graph.to_json()).to_json() == graph.to_json()


def test_to_keras_leaves_the_graph_as_it_was() -> None:
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, keras.layers.Lambda(lambda t: t * 2, name="double")(inp))
    graph = pnb.Graph.from_keras(model, trusted=True)
    before = graph.to_json()
    graph.to_keras()
    assert graph.to_json() == before


def test_weights_that_do_not_fit_warn_naming_the_layer() -> None:
    graph = pnb.Graph.from_keras(SMALL_MODELS["sequential_cnn"]())
    graph.weights["dense"] = [np.zeros((3, 10), "float32"), np.zeros(10, "float32")]
    with pytest.warns(UserWarning, match=r"Layer 'dense' \(Dense\).*fresh weights.*\(3, 10\)"):
        graph.to_keras()


def test_normalization_weights_are_finalized_after_restore() -> None:
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(np.array([[10.0], [20.0], [30.0]]))
    inp = keras.Input((1,), name="x")
    rebuilt = pnb.Graph.from_keras(keras.Model(inp, norm(inp))).to_keras()
    np.testing.assert_allclose(rebuilt(np.array([[20.0]])), [[0.0]], atol=1e-5)


def test_a_failing_get_config_is_a_graph_error_naming_the_block() -> None:
    class NoConfig(keras.regularizers.Regularizer):
        def __call__(self, x):
            return 0.01 * keras.ops.sum(x)

    inp = keras.Input((3,), name="x")
    dense = keras.layers.Dense(2, kernel_regularizer=NoConfig(), name="regularized")
    inner = keras.Model(inp, dense(inp), name="inner")
    outer_in = keras.Input((3,), name="outer_x")
    model = keras.Model(outer_in, inner(outer_in))
    with pytest.raises(pnb.GraphError, match="block 'inner/regularized'.*get_config"):
        pnb.Graph.from_keras(model)


def test_functional_subclasses_import_their_layer_graph() -> None:
    class Backbone(keras.Model):
        def __init__(self, units=3, **kwargs):
            inp = keras.Input((4,), name="features")
            super().__init__(inp, keras.layers.Dense(units, name="proj")(inp), **kwargs)

    model = Backbone(name="backbone")
    graph = pnb.Graph.from_keras(model)
    assert [n.type for n in graph.nodes.values()] == ["InputLayer", "Dense"]
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(graph.to_keras()(x), model(x), atol=1e-6)


def test_canvas_previews_use_the_adapted_normalization() -> None:
    norm = keras.layers.Normalization(name="norm")
    pixels = np.random.default_rng(0).uniform(0, 255, (16, 4, 4, 3)).astype("float32")
    norm.adapt(pixels)
    inp = keras.Input((4, 4, 3), name="image")
    canvas = pnb.Canvas(keras.Model(inp, norm(inp)), sample=pixels[:1])
    stats = canvas.previews["norm"].stats
    assert abs(stats["mean"]) < 0.5 and stats["max"] < 5  # standardized, not raw pixels


class NoConfigBlock(keras.layers.Layer):
    """A custom layer as notebooks write them: no get_config, not registered."""

    def __init__(self, units):
        super().__init__(name="custom_block")
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x) * 2.0


def test_live_import_locks_what_cannot_be_rebuilt_and_draws_it() -> None:
    inp = keras.Input((3,), name="x")
    inner = keras.Model(inp, NoConfigBlock(4)(inp), name="inner")
    outer_in = keras.Input((3,), name="outer_x")
    model = keras.Model(outer_in, keras.layers.Dense(2, name="head")(inner(outer_in)))
    with pytest.raises(pnb.GraphError, match="'custom_block'.*NoConfigBlock"):
        pnb.Graph.from_keras(model)
    graph = pnb.Graph.from_keras(model, live=True)
    inner_graph = graph.nodes["inner"].children
    assert "NoConfigBlock" in inner_graph.locked["custom_block"]
    assert inner_graph.live["custom_block"] is inner.get_layer("custom_block")
    x = np.ones((1, 3), "float32")
    canvas = pnb.Canvas(graph, sample=x)
    inner_ids = {f"inner/{cid}" for cid in inner_graph.nodes}  # inner blocks: GROUP/CHILD
    assert canvas.errors == {} and set(canvas.previews) == set(graph.nodes) | inner_ids
    assert all(p.error is None for p in canvas.previews.values())
    np.testing.assert_allclose(canvas.model(x), model(x), atol=1e-6)
    with pytest.raises(pnb.CommandError, match="'custom_block'.*cannot be edited"):
        canvas.apply({"op": "set", "node": "inner/custom_block", "key": "trainable", "value": 0})
    with pytest.raises(pnb.GraphError, match="block 'inner/custom_block' cannot be rebuilt"):
        graph.to_keras()
    assert graph.copy().locked == graph.locked


def test_a_nested_functional_model_can_be_the_output() -> None:
    inp = keras.Input((3,), name="x")
    inner = keras.Model(inp, keras.layers.Dense(2, name="proj")(inp), name="inner")
    left, right = keras.Input((3,), name="left"), keras.Input((3,), name="right")
    model = keras.Model([left, right], [inner(left), inner(right)])
    graph = pnb.Graph.from_keras(model)
    assert graph.output_refs == [("inner", 0), ("inner@1", 0)]
    x = [np.ones((1, 3), "float32"), np.full((1, 3), 2.0, "float32")]
    for got, want in zip(graph.to_keras()(x), model(x)):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_live_import_locks_a_block_whose_get_config_fails() -> None:
    class NoConfig(keras.regularizers.Regularizer):
        def __call__(self, x):
            return 0.01 * keras.ops.sum(x)

    inp = keras.Input((3,), name="x")
    dense = keras.layers.Dense(2, kernel_regularizer=NoConfig(), name="regularized")
    model = keras.Model(inp, keras.layers.Dense(1, name="head")(dense(inp)))
    graph = pnb.Graph.from_keras(model, live=True)
    assert "get_config() failed" in graph.locked["regularized"]
    assert "get_config" not in vars(dense)  # the layer is left as it was
    canvas = pnb.Canvas(graph, sample=np.ones((1, 3), "float32"))
    assert canvas.errors == {} and all(p.error is None for p in canvas.previews.values())


@keras.saving.register_keras_serializable(package="pnbtests")
class ChattyConfig(keras.layers.Layer):
    """Its config carries a derived value its constructor rejects (as keras-hub's ViT does)."""

    def call(self, x):
        return x + 1.0

    def get_config(self):
        return {**super().get_config(), "derived": 3}


def test_a_layer_its_own_config_does_not_rebuild_is_named_and_locked_live() -> None:
    inp = keras.Input((2,), name="x")
    model = keras.Model(inp, ChattyConfig(name="chatty")(inp))
    with pytest.raises(pnb.GraphError, match="node 'chatty' failed.*derived"):
        pnb.Graph.from_keras(model).to_keras()
    graph = pnb.Graph.from_keras(model, live=True)
    assert "cannot be rebuilt from its own config" in graph.locked["chatty"]
    canvas = pnb.Canvas(graph, sample=np.zeros((1, 2), "float32"))
    assert canvas.previews["chatty"].stats["max"] == 1.0
