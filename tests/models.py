"""The Keras model matrix every graph feature is tested on: small inputs, real architectures."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers


def sequential_cnn() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((8, 8, 1), name="image"),
            layers.Conv2D(4, 3, activation="relu", name="conv"),
            layers.MaxPooling2D(name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.2, name="dropout"),
            layers.Dense(10, activation="softmax", name="dense"),
        ],
        name="cnn",
    )


def multi_io_shared_nested() -> keras.Model:
    """Two inputs, two outputs, one shared Dense, a nested Sequential called twice."""
    tower = keras.Sequential(
        [keras.Input((6,)), layers.Dense(5, activation="relu"), layers.Dense(4)], name="tower"
    )
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    shared = layers.Dense(6, activation="tanh", name="shared")
    a, b = tower(shared(left)), tower(shared(right))
    merged = layers.Concatenate(name="concat")([a, b])
    score = layers.Dense(1, activation="sigmoid", name="score")(merged)
    diff = layers.Subtract(name="diff")([a, b])
    return keras.Model([left, right], [score, diff], name="siamese")


def embedding_bilstm() -> keras.Model:
    tokens = keras.Input((12,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 8, name="embed")(tokens)
    x = layers.Bidirectional(layers.LSTM(6), name="bilstm")(x)
    out = layers.Dense(3, activation="softmax", name="label")(x)
    return keras.Model(tokens, out, name="bilstm_classifier")


def transformer_block() -> keras.Model:
    seq = keras.Input((10, 16), name="sequence")
    attn = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(seq, seq)
    x = layers.Add(name="residual")([seq, attn])
    x = layers.LayerNormalization(name="norm")(x)
    ff = layers.Dense(16, activation="gelu", name="ffn")(x)
    x = layers.LayerNormalization(name="norm_out")(layers.Add(name="residual_2")([x, ff]))
    out = layers.Dense(2, name="head")(layers.GlobalAveragePooling1D(name="pool")(x))
    return keras.Model(seq, out, name="transformer")


def gru_multi_output_layer() -> keras.Model:
    """A layer with several outputs (GRU return_state) feeding two consumers."""
    seq = keras.Input((7, 3), name="seq")
    full, state = layers.GRU(4, return_sequences=True, return_state=True, name="gru")(seq)
    pooled = layers.GlobalMaxPooling1D(name="gmp")(full)
    out = layers.Concatenate(name="cat")([pooled, state])
    return keras.Model(seq, out, name="gru_states")


def application(name: str) -> keras.Model:
    constructors = {
        "MobileNetV2": lambda: keras.applications.MobileNetV2(
            weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=5
        ),
        "ResNet50": lambda: keras.applications.ResNet50(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "DenseNet121": lambda: keras.applications.DenseNet121(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "EfficientNetB0": lambda: keras.applications.EfficientNetB0(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "MobileNetV3Small": lambda: keras.applications.MobileNetV3Small(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "VGG16": lambda: keras.applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=5),
        "ConvNeXtTiny": lambda: keras.applications.ConvNeXtTiny(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "InceptionV3": lambda: keras.applications.InceptionV3(
            weights=None, input_shape=(75, 75, 3), classes=5
        ),
        "Xception": lambda: keras.applications.Xception(
            weights=None, input_shape=(71, 71, 3), classes=5
        ),
        "NASNetMobile": lambda: keras.applications.NASNetMobile(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "EfficientNetV2B0": lambda: keras.applications.EfficientNetV2B0(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "ResNet50V2": lambda: keras.applications.ResNet50V2(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "MobileNet": lambda: keras.applications.MobileNet(
            weights=None, input_shape=(32, 32, 3), alpha=0.25, classes=5
        ),
        "MobileNetV3Large": lambda: keras.applications.MobileNetV3Large(
            weights=None, input_shape=(32, 32, 3), classes=5
        ),
        "InceptionResNetV2": lambda: keras.applications.InceptionResNetV2(
            weights=None, input_shape=(75, 75, 3), classes=5
        ),
    }
    return constructors[name]()


APPLICATIONS = [
    "MobileNetV2",
    "ResNet50",
    "DenseNet121",
    "EfficientNetB0",
    "MobileNetV3Small",
    "VGG16",
    "ConvNeXtTiny",
    "InceptionV3",
    "Xception",
    "NASNetMobile",
    "EfficientNetV2B0",
    "ResNet50V2",
    "MobileNet",
    "MobileNetV3Large",
    "InceptionResNetV2",
]
SMALL_MODELS = {
    "sequential_cnn": sequential_cnn,
    "multi_io_shared_nested": multi_io_shared_nested,
    "embedding_bilstm": embedding_bilstm,
    "transformer_block": transformer_block,
    "gru_multi_output_layer": gru_multi_output_layer,
}


def sample_inputs(model: keras.Model, batch: int = 2, seed: int = 0) -> list[np.ndarray]:
    """Deterministic inputs matching the model's inputs (token ids for int inputs)."""
    rng = np.random.default_rng(seed)
    out = []
    for tensor in model.inputs:
        shape = (batch, *tensor.shape[1:])
        if "int" in str(tensor.dtype):
            out.append(rng.integers(0, 10, size=shape).astype("int32"))
        else:
            out.append(rng.standard_normal(shape).astype("float32"))
    return out
