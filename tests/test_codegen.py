"""to_code: readable functional-API code that rebuilds the same architecture."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest
from models import APPLICATIONS, SMALL_MODELS, application
from test_keras_bridge import _layer_summary

import perceptinb as pnb


def rebuild(code: str) -> keras.Model:
    namespace: dict = {}
    exec(compile(code, "<to_code>", "exec"), namespace)
    return namespace["model"]


def check(model: keras.Model) -> str:
    code = pnb.Graph.from_keras(model).to_code()
    rebuilt = rebuild(code)
    assert _layer_summary(rebuilt) == _layer_summary(model)
    assert rebuilt.count_params() == model.count_params()
    return code


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_small_models(name: str) -> None:
    check(SMALL_MODELS[name]())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ResNet50", "MobileNetV3Small", "ConvNeXtTiny", "NASNetMobile"])
def test_applications(name: str) -> None:
    assert name in APPLICATIONS
    check(application(name))


def test_code_is_readable_and_lint_clean(tmp_path) -> None:
    code = check(SMALL_MODELS["sequential_cnn"]())
    assert 'layers.Dense(units=10, activation="softmax", name="dense"),' in code
    assert "kernel_initializer" not in code  # defaults are left out
    path = tmp_path / "model.py"
    path.write_text(code)
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(path)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_shared_layers_are_written_once() -> None:
    code = check(SMALL_MODELS["multi_io_shared_nested"]())
    assert code.count("layers.Dense(units=6") == 1
    assert "shared_layer(left)" in code and "shared_layer(right)" in code


# -- classes of bugs found on real models (issue 10) ----------------------------------------
def test_operation_arguments_and_constants_are_written() -> None:
    inp = keras.Input((4, 4), name="grid")
    x = keras.ops.expand_dims(inp, -1)
    stacked = keras.ops.stack([x[..., 0], x[..., 0] + np.array([1.0, 2, 3, 4], "float32")], -1)
    taken = keras.ops.take(stacked, [1], axis=-1)
    model = keras.Model(inp, [stacked, taken])
    code = pnb.Graph.from_keras(model).to_code()
    assert "keras.ops.expand_dims(grid, axis=-1)" in code
    assert "axis=-1)" in code.split("keras.ops.stack(", 1)[1].splitlines()[0]
    assert "[..., 0]" in code and "np.array([1.0, 2.0, 3.0, 4.0], dtype='float32')" in code
    assert "__ellipsis__" not in code and "__numpy__" not in code
    rebuilt = rebuild(code)
    assert [tuple(t.shape) for t in rebuilt.outputs] == [(None, 4, 4, 2), (None, 4, 4, 1)]
    grid = np.random.default_rng(0).standard_normal((2, 4, 4)).astype("float32")
    for got, want in zip(rebuilt(grid), model(grid)):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_one_used_output_of_a_multi_output_layer_is_indexed() -> None:
    seq = keras.Input((5, 3), name="seq")
    outputs, _, _ = keras.layers.LSTM(4, return_state=True, name="lstm")(seq)
    model = keras.Model(seq, keras.layers.Dense(2, name="head")(outputs))
    code = check(model)
    assert "head(lstm[0])" in code.replace('layers.Dense(units=2, name="head")', "head")


def test_dict_inputs_are_written_as_a_dict() -> None:
    inputs = {"a": keras.Input((2,), name="a"), "b": keras.Input((3,), name="b")}
    merged = keras.layers.Concatenate(name="cat")([inputs["a"], inputs["b"]])
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(merged))
    code = check(model)
    assert 'inputs={"a": a, "b": b}' in code
    x = {"a": np.ones((1, 2), "float32"), "b": np.ones((1, 3), "float32")}
    assert rebuild(code)(x).shape == (1, 1)


def test_trusted_graphs_write_lambda_layers() -> None:
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, keras.layers.Lambda(lambda t: t * 2 + 1, name="affine")(inp))
    graph = pnb.Graph.from_keras(model, trusted=True)
    code = graph.to_code()  # trusted as imported
    np.testing.assert_allclose(rebuild(code)(np.ones((1, 3))), 3.0)
    untrusted = pnb.Graph.from_json(graph.to_json(), trusted=True)
    untrusted.trusted = False
    with pytest.raises(pnb.GraphError, match="'affine'.*trusted=True"):
        untrusted.to_code()
    assert untrusted.to_code(trusted=True) == code


def test_initializers_regularizers_and_constraints_are_written_as_calls() -> None:
    inp = keras.Input((3,), name="x")
    dense = keras.layers.Dense(
        2,
        kernel_regularizer=keras.regularizers.L2(0.01),
        kernel_constraint="max_norm",
        bias_initializer=keras.initializers.Constant(0.5),
        name="dense",
    )
    code = check(keras.Model(inp, dense(inp)))
    assert "kernel_regularizer=keras.regularizers.L2(l2=0.01)" in code
    assert "bias_initializer=keras.initializers.Constant(value=0.5)" in code
    assert "'class_name'" not in code
