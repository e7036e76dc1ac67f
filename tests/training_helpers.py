"""Small data and models shared by the training tests (kept tiny: the whole suite is timed)."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras
import numpy as np
from keras import layers
from sklearn.datasets import load_digits


def digits(n: int = 360) -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    x = (data.images[:n] / 16.0).astype("float32")[..., None]
    return x, data.target[:n]


def digits_cnn(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1), name="image"),
            layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
            layers.MaxPooling2D(name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(10, activation="softmax", name="dense"),
        ],
        name="digits_cnn",
    )


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.02)
