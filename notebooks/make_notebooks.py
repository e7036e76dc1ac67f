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
canvas = pnb.Canvas(model, sample=x, target=y)
canvas""",
    ),
    (
        "md",
        """Every block shows what it does to the first digit: the input image, the feature maps
of each convolution, the class scores. Click a block: the inspector shows the large view, a
histogram of its values and its statistics, next to its settings; `canvas.selected` follows in
Python. Scroll to zoom, drag the background to pan, press `f` to fit.

## Edit from Python
Every edit is a command. An invalid one raises `pnb.CommandError` and changes nothing. Only the
edited block and the blocks after it are recomputed.""",
    ),
    (
        "code",
        """canvas.apply({"op": "set", "node": "conv", "key": "filters", "value": 8})
try:
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": -1})
except pnb.CommandError as err:
    print("refused:", err)
print(canvas.graph.nodes["conv"].settings["filters"], "filters;", canvas.preview_stats)""",
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


BUILD_FROM_SCRATCH = [
    (
        "md",
        """# Build a model from a blank canvas

Start from nothing but the input shape, add layers and wire them with commands, and get a
`keras.Model` and readable Keras code out. The same commands are what the canvas sends when you
click the palette, drag from a block's bottom handle to another block, or edit the settings form,
so everything here can also be done (and undone) with the mouse.

The data is scikit-learn's handwritten digits (8×8 grayscale images), so this runs offline.""",
    ),
    (
        "code",
        """import tempfile
from pathlib import Path

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import perceptinb as pnb

digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
x_train, x_test, y_train, y_test = train_test_split(
    x, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)
print(x_train.shape, x_test.shape)""",
    ),
    ("md", "## A blank canvas: just the input block"),
    (
        "code",
        """canvas = pnb.Canvas(input_shape=(8, 8, 1), name="digits_from_scratch", height=520)
canvas""",
    ),
    (
        "md",
        """## Add and wire layers
`add` places a block (its settings are the Keras constructor arguments), `connect` draws an edge.
Watch the canvas above: each block appears with its output shape as soon as it is wired.

The network has two paths: the features after the first pooling skip the second convolution and
are concatenated with its output, so the classifier sees both coarse and fine features.""",
    ),
    (
        "code",
        """def add(layer_type, name, after, **settings):
    # Add a block called `name` and feed it from the block(s) `after`.
    canvas.apply({"op": "add", "type": layer_type, "id": name, "settings": settings})
    for source in [after] if isinstance(after, str) else after:
        canvas.apply({"op": "connect", "src": source, "dst": name})


add("Conv2D", "conv", "input", filters=16, kernel_size=3, padding="same", activation="relu")
add("MaxPooling2D", "pool", "conv")
add("Conv2D", "conv_2", "pool", filters=32, kernel_size=3, padding="same", activation="relu")
add("Flatten", "flat", "conv_2")
add("Flatten", "flat_skip", "pool")
add("Concatenate", "features", ["flat", "flat_skip"])  # a merge layer takes several inputs
add("Dropout", "dropout", "features", rate=0.3)
add("Dense", "classes", "dropout", units=10, activation="softmax")
print(canvas)
print("output:", canvas.model.output_shape, "parameters:", canvas.model.count_params())""",
    ),
    (
        "md",
        """Commands are validated before anything changes. A connection that would make a cycle,
or a setting Keras rejects, raises `pnb.CommandError` with the reason, and the graph stays as
it was.""",
    ),
    (
        "code",
        """for bad in [
    {"op": "connect", "src": "classes", "dst": "conv"},  # a cycle
    {"op": "set", "node": "conv", "key": "kernel_size", "value": [0, 3]},  # Keras says no
]:
    try:
        canvas.apply(bad)
    except pnb.CommandError as err:
        print("refused:", err)

canvas.apply({"op": "set", "node": "conv_2", "key": "filters", "value": 8})
print("conv_2 filters:", canvas.graph.nodes["conv_2"].settings["filters"])
canvas.undo()  # every command can be undone (Ctrl+Z in the canvas)
print("after undo:", canvas.graph.nodes["conv_2"].settings["filters"])""",
    ),
    ("md", "## The model as code\nThis is what the canvas' *Copy as code* button copies."),
    ("code", """print(canvas.to_code())"""),
    (
        "md",
        """## Train it with plain Keras
`canvas.model` is an ordinary `keras.Model`: compile and fit it as usual.""",
    ),
    (
        "code",
        """keras.utils.set_random_seed(0)
model = canvas.model
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=8, batch_size=32, validation_split=0.1, verbose=0)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.3f} on {len(x_test)} held-out digits")""",
    ),
    (
        "md",
        """## Save, load and export
`canvas.save` writes the graph (architecture and block positions) as versioned JSON, atomically;
`pnb.Canvas.load` validates the file and never runs code from it. `canvas.export_keras` writes
the trained model, weights included, as a `.keras` file (the *Export .keras* button downloads
the same file).""",
    ),
    (
        "code",
        """folder = Path(tempfile.mkdtemp())
canvas.save(folder / "digits.json")
again = pnb.Canvas.load(folder / "digits.json", height=320)
print("same graph:", again.graph.to_json() == canvas.graph.to_json())

canvas.export_keras(folder / "digits.keras")
restored = keras.saving.load_model(folder / "digits.keras")
predicted = restored.predict(x_test, verbose=0).argmax(axis=1)
print(f"restored model, test accuracy: {(predicted == y_test).mean():.3f}")  # weights included
again""",
    ),
]


TRAIN_AND_TEST = [
    (
        "md",
        """# Train and test in the notebook

Train a model drawn on a canvas and watch it learn: loss and accuracy per batch and per epoch,
the learning rate, per-layer weight, bias and gradient statistics, and the prediction for one
sample, all live in the cell. Then test it: a confusion matrix, per-class precision, recall and
F1, or MAE, RMSE and R² for regression.

The data is scikit-learn's handwritten digits (8×8 images), which ships with the package.""",
    ),
    (
        "code",
        """import keras
import numpy as np
from keras import layers
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import perceptinb as pnb

digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
x_train, x_test, y_train, y_test = train_test_split(
    x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
print(x_train.shape, x_test.shape)""",
    ),
    ("md", "## A CNN on a canvas"),
    (
        "code",
        """keras.utils.set_random_seed(0)
model = keras.Sequential(
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
canvas = pnb.Canvas(model, sample=x_train)
canvas""",
    ),
    (
        "md",
        """## Train: the cell returns at once, the dashboard stays live

`canvas.train` trains on a worker thread, so the kernel stays free: the **Stop** (finishes the
current batch), **Pause** and **Resume** buttons work, and the blocks' thumbnails above refresh
after every epoch. (A kernel whose cell is busy receives no widget clicks, so a dashboard whose
`fit` blocks the cell could not be stopped from its buttons.)

The loss and metric charts show a smoothed per-batch line and per-epoch points for training and
validation. The **Layers** tab: click a layer on the minimap for its weights, bias and gradients
per epoch (min, mean, max) and their histograms, with an epoch slider. The **Output** tab: the
first sample's prediction against its ground truth, epoch by epoch. `gradients=True` computes
the gradients every epoch (by default only when that keeps the dashboard's cost within 2.5 % of
the training time).""",
    ),
    (
        "code",
        """run = canvas.train(x_train, y_train, epochs=12, batch_size=32, validation_split=0.2,
                   gradients=True)""",
    ),
    (
        "md",
        """`run.wait()` blocks until the run ends (scripts and tests use it; interrupting the
kernel while it waits stops the run cleanly after the current batch).""",
    ),
    (
        "code",
        """run.wait()
print(run)
print({k: round(v[-1], 3) for k, v in run.history.items()})""",
    ),
    (
        "md",
        """## Test

`run.test(x, y)` predicts, computes the metrics and shows them; the results are kept in
`run.tests`.""",
    ),
    ("code", """result = run.test(x_test, y_test, top_k=2)
result"""),
    ("code", """print(result)
print("per-class F1:", np.round(result.metrics["f1"], 2))"""),
    (
        "md",
        """## The Training panel

The canvas' global training settings, like PerceptiLabs' training panel: epochs, batch size,
validation split, optimizer, learning rate and loss. `canvas.train` uses them as defaults, and
**Train** starts a run with them (its dashboard appears under the panel).""",
    ),
    ("code", """canvas.training_panel(x_train, y_train)"""),
    (
        "md",
        """## Your own `fit`: `pnb.LiveCallback`

The same dashboard for any Keras model and your own `model.fit`. Pass a few samples as `probe` to
get the output view and the gradients. Such a `fit` blocks its cell, so its buttons cannot be
delivered; interrupt the kernel (■) instead: the first interrupt stops after the current batch.""",
    ),
    (
        "code",
        """keras.utils.set_random_seed(1)
mlp = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(),
                        layers.Dense(64, activation="relu", name="hidden"),
                        layers.Dense(10, activation="softmax", name="digit")], name="mlp")
mlp.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
live = pnb.LiveCallback(probe=(x_train[:32], y_train[:32]))
history = mlp.fit(x_train, y_train, epochs=8, batch_size=64, validation_split=0.2, verbose=0,
                  callbacks=[live])""",
    ),
    (
        "md",
        """## Regression, and a run that diverges

`pnb.train` is `canvas.train` for any Keras model. Here a small network reads the digit's value
as a number (regression), and the test view shows MAE, RMSE, R² and predicted against true.
With an absurd learning rate the loss becomes infinite: the run stops and says so.""",
    ),
    (
        "code",
        """keras.utils.set_random_seed(2)
regressor = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(),
                              layers.Dense(64, activation="relu"), layers.Dense(1)],
                             name="digit_value")
value_run = pnb.train(regressor, x_train, y_train.astype("float32"), epochs=30, loss="mse",
                      learning_rate=0.003).wait()
value_run.test(x_test, y_test.astype("float32"))""",
    ),
    (
        "code",
        """bad = pnb.train(keras.models.clone_model(regressor), x_train, y_train.astype("float32"),
                epochs=5, loss="mse", optimizer="sgd", learning_rate=1e20).wait()
print(bad.status, "-", bad.message)""",
    ),
]

COMPARE_MODELS = [
    (
        "md",
        """# Compare models: the hub, side-by-side runs, architecture diffs and export

Every training run is recorded in a hub: one SQLite file (`.perceptinb/hub.sqlite` here, or
`$PERCEPTINB_HUB`) with each run's graph version, settings, per-epoch metrics, test results
and trained weights. It survives kernel restarts and crashes, and needs no server or account.

This notebook trains three variants of the digits CNN, then compares them.""",
    ),
    (
        "code",
        """import keras
from keras import layers
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import perceptinb as pnb

digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]
x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25,
                                                    random_state=0)
hub = pnb.Hub()


def digits_cnn(filters=16, dense=None, dropout=0.25):
    keras.utils.set_random_seed(0)
    blocks = [
        keras.Input((8, 8, 1), name="image"),
        layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv"),
        layers.MaxPooling2D(name="pool"),
        layers.Flatten(name="flatten"),
        layers.Dropout(dropout, name="dropout"),
    ]
    if dense:
        blocks.append(layers.Dense(dense, activation="relu", name="hidden"))
    blocks.append(layers.Dense(10, activation="softmax", name="dense"))
    return keras.Sequential(blocks, name="digits_cnn")""",
    ),
    ("md", "## Three variants, each recorded in the hub"),
    (
        "code",
        """variants = {"small": digits_cnn(8), "wide": digits_cnn(32),
            "wide + hidden": digits_cnn(32, 64)}
runs = [pnb.train(model, x_train, y_train, epochs=6, title=name, display=False).wait()
        for name, model in variants.items()]
for run in runs:
    print(run.id, run)""",
    ),
    (
        "md",
        """Testing on one held-out set stores each result with its run (the hub's Test column).""",
    ),
    (
        "code",
        """for run in runs:
    result = run.test(x_test, y_test)
    print(f"{run.id}: test accuracy {result.metrics['accuracy']:.3f}")""",
    ),
    (
        "md",
        """## The hub

Sort, filter and search the runs; select several and press **Compare**; **Open** puts a run's
trained model back in a canvas; **Export** writes it and checks it against Keras.""",
    ),
    ("code", "hub"),
    ("code", "hub.frame()[[\"name\", \"status\", \"params\", \"best_val_loss\", \"best_val_accuracy\"]]"),
    (
        "md",
        """## Side by side

Curves of every metric overlaid (x: epoch, step or wall time; smoothing slider), the settings
that differ with the best value highlighted, and the architecture diff of the first two models.""",
    ),
    (
        "code",
        """cmp = pnb.compare(*runs, baseline=runs[0])
cmp""",
    ),
    ("code", "cmp.table"),
    (
        "md",
        """The same test digit through the first two models, block by block (trained weights):""",
    ),
    ("code", "cmp.side_by_side(x_test, target=y_test[0])"),
    (
        "code",
        """diff = pnb.compare(runs[1], runs[2]).graph_diff
print("added:", diff["added"], "changed:", list(diff["changed"]), "params:", diff["params_delta"])""",
    ),
    (
        "md",
        """## Export the best run to TFLite

Every export loads its own result back and reports the largest difference from Keras on the
first training samples; int8 calibrates on the training data.""",
    ),
    (
        "code",
        """best = max(runs, key=lambda r: r.tests[-1].metrics["accuracy"])
best.export("digits_cnn.tflite", format="tflite", quantize="int8")""",
    ),
    ("code", "hub.run(best.id).exported"),
]

def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        for kind, src in cells
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # stable ids: regenerating leaves unchanged cells unchanged
    return nb


def main() -> None:
    nbformat.write(build(QUICKSTART), HERE / "01-quickstart.ipynb")
    nbformat.write(build(BUILD_FROM_SCRATCH), HERE / "02-build-from-scratch.ipynb")
    nbformat.write(build(TRAIN_AND_TEST), HERE / "03-train-and-test.ipynb")
    nbformat.write(build(COMPARE_MODELS), HERE / "04-compare-models.ipynb")


if __name__ == "__main__":
    main()
