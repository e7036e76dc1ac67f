"""Writes the demo notebooks from plain Python lists, so they stay reviewable in diffs.

Run ``python notebooks/make_notebooks.py`` after editing; the .ipynb files are committed
without outputs.
"""

from __future__ import annotations

import pathlib

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

QUICKSTART = [
    (
        "md",
        """# perceptinb quickstart

See a Keras model as a graph of layer blocks, click a block to inspect its settings, and edit it
from Python: every change goes through one validated, undoable command path.

The data is scikit-learn's handwritten digits (8×8 grayscale images), which ships with the
package, so this notebook runs offline.""",
    ),
    (
        "code",
        """import keras
import numpy as np
from keras import layers
from sklearn.datasets import load_digits

import perceptinb as pnb

digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
y = digits.target
print(x.shape, y.shape)""",
    ),
    ("md", "## A small CNN for digits, drawn as blocks"),
    (
        "code",
        """model = keras.Sequential(
    [
        keras.Input((8, 8, 1), name="image"),
        layers.Conv2D(16, 3, padding="same", activation="relu", name="conv"),
        layers.MaxPooling2D(name="pool"),
        layers.Conv2D(32, 3, padding="same", activation="relu", name="conv_2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.25, name="dropout"),
        layers.Dense(10, activation="softmax", name="dense"),
    ],
    name="digits_cnn",
)
canvas = pnb.Canvas(model)
canvas""",
    ),
    (
        "md",
        """Click a block: its settings appear in the side panel, and `canvas.selected` follows
in Python. Scroll to zoom, drag the background to pan, press `f` to fit.

## Edit from Python
Every edit is a command. An invalid one raises `pnb.CommandError` and changes nothing.""",
    ),
    (
        "code",
        """canvas.apply({"op": "set", "node": "conv", "key": "filters", "value": 8})
try:
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": -1})
except pnb.CommandError as err:
    print("refused:", err)
print(canvas.graph.nodes["conv"].settings["filters"], "filters")""",
    ),
    (
        "md",
        """A setting that breaks the model turns the block red with the Keras message, and the
blocks after it show as blocked. Undo brings it back.""",
    ),
    (
        "code",
        """canvas.apply({"op": "set", "node": "pool", "key": "pool_size", "value": [9, 9]})
print(canvas.errors)
canvas.undo()
print(canvas.errors)""",
    ),
    ("md", "## The model as code, and training it with plain Keras"),
    ("code", """print(canvas.to_code())"""),
    (
        "code",
        """trained = canvas.model
trained.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = trained.fit(x, y, epochs=3, batch_size=64, validation_split=0.2, verbose=0)
print(f"validation accuracy: {history.history['val_accuracy'][-1]:.2f}")""",
    ),
    (
        "md",
        """## Any Keras model
Functional models with several inputs and outputs, shared layers and nested models work too.
Nested models are groups: click ▸ on a group block to expand it.""",
    ),
    (
        "code",
        """tower = keras.Sequential([keras.Input((64,)), layers.Dense(32, activation="relu"),
                         layers.Dense(16)], name="tower")
left, right = keras.Input((64,), name="left"), keras.Input((64,), name="right")
shared = layers.Dense(64, activation="relu", name="shared")
a, b = tower(shared(left)), tower(shared(right))
similarity = layers.Dense(1, activation="sigmoid", name="same_digit")(
    layers.Concatenate(name="concat")([a, b]))
siamese = keras.Model([left, right], [similarity, layers.Subtract(name="diff")([a, b])],
                      name="siamese")
pnb.Canvas(siamese, height=420)""",
    ),
]


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        for kind, src in cells
    ]
    return nb


def main() -> None:
    nbformat.write(build(QUICKSTART), HERE / "01-quickstart.ipynb")


if __name__ == "__main__":
    main()
