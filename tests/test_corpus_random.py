"""Random functional models, drawn from the constructs that broke on real models (issue 10):
dict inputs, keras.ops calls with serialized constants and arguments, layers with several
outputs of which one is used, adapted preprocessing. Each is held to the corpus rule."""

from __future__ import annotations

import keras
import numpy as np
from corpus.checks import CHECKS, run
from corpus.entry import Entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers

WIDTH = 4
_STEPS = st.sampled_from(
    [
        "dense",
        "add_constant",
        "ellipsis_slice",
        "expand_take",
        "stack_mean",
        "lstm_state",
        "normalization",
        "ops_sum",
    ]
)


def _step(kind: str, x, index: int):
    """One construct applied to a (batch, WIDTH) tensor, giving a (batch, WIDTH) tensor."""
    name = f"{kind}_{index}"
    if kind == "dense":
        return layers.Dense(WIDTH, activation="tanh", name=name)(x)
    if kind == "add_constant":
        return x + np.linspace(-1, 1, WIDTH).astype("float32")
    if kind == "ellipsis_slice":
        y = keras.ops.expand_dims(x, -1)
        return keras.ops.concatenate([y[..., 0][..., : WIDTH // 2], x[..., WIDTH // 2 :]], -1)
    if kind == "expand_take":
        y = keras.ops.stack([x, x * 2.0], axis=-1)
        return keras.ops.take(y, [1], axis=-1)[..., 0]
    if kind == "stack_mean":
        return keras.ops.mean(keras.ops.stack([x, -x, x * x], axis=1), axis=1)
    if kind == "lstm_state":
        seq = layers.Reshape((WIDTH, 1), name=f"reshape_{index}")(x)
        outputs, _, state_c = layers.LSTM(WIDTH, return_state=True, name=name)(seq)
        return layers.Add(name=f"add_{index}")([outputs, state_c])
    if kind == "normalization":
        norm = layers.Normalization(name=name)
        norm.adapt(np.random.default_rng(index).uniform(5, 50, (16, WIDTH)))
        return norm(x)
    return keras.ops.sum(keras.ops.expand_dims(x, 1), axis=1, keepdims=False)


def _model(steps: list[str], dict_inputs: bool) -> keras.Model:
    a, b = keras.Input((WIDTH,), name="a"), keras.Input((WIDTH,), name="b")
    x = layers.Add(name="join")([a, b])
    for i, kind in enumerate(steps):
        x = _step(kind, x, i)
    out = layers.Dense(2, name="head")(x)
    return keras.Model({"a": a, "b": b} if dict_inputs else [a, b], out)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=st.lists(_STEPS, min_size=1, max_size=4), dict_inputs=st.booleans())
def test_random_models_follow_the_corpus_rule(steps: list[str], dict_inputs: bool) -> None:
    entry = Entry("random", "tests/test_corpus_random.py", lambda: _model(steps, dict_inputs))
    result = run(entry)
    assert result.keras_rebuilds and result.refused is None
    assert set(result.checks) == set(CHECKS)
    assert result.ok, f"{steps} dict={dict_inputs}: {result.failures()}"
