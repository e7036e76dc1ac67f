"""Nested models in JupyterLab + Chromium: an expanded group's inner blocks show previews."""

from __future__ import annotations

from . import lab

NOTEBOOK = "nested-e2e.ipynb"
SETUP = """import keras, numpy as np
import perceptinb as pnb
image = keras.Input((16, 16, 3), name="image")
x = keras.layers.Conv2D(4, 3, name="conv1")(image)
base = keras.Model(image, keras.layers.ReLU(name="relu1")(x), name="base")
pixels = keras.Input((16, 16, 3), name="pixels")
pooled = keras.layers.GlobalAveragePooling2D(name="pool")(base(pixels))
model = keras.Model(pixels, keras.layers.Dense(3, name="head")(pooled))
canvas = pnb.Canvas(model, sample=np.random.default_rng(0).random((1, 16, 16, 3)), height=560)
canvas"""
_INNER_THUMB = '.pnb-block[data-node-id="base/conv1"] .pnb-preview'


def test_expanded_group_shows_inner_previews(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, NOTEBOOK, [SETUP])
    lab.open_notebook(page, lab_server, NOTEBOOK)
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)
    canvas = page.locator(".pnb-canvas").first
    canvas.locator('.pnb-block[data-node-id="base"] .pnb-group-toggle').first.click()
    canvas.locator(_INNER_THUMB).first.wait_for(timeout=30_000)
    lab.screenshot(page, "nested-expanded", canvas)
