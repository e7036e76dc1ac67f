"""Nested models in JupyterLab + Chromium: an expanded group's inner blocks show previews and
are edited through the same settings form as top-level blocks."""

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
STATE = 'print(canvas.graph.nodes["base"].children.nodes["conv1"].settings["filters"])'


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

    # The inner block's form opens with its settings (details are keyed by the full path) and
    # an edit reaches the kernel as a command on "base/conv1".
    canvas.locator('.pnb-block[data-node-id="base/conv1"]').first.click()
    settings = canvas.locator(".pnb-settings")
    filters = settings.locator('.pnb-field[data-key="filters"] .pnb-field-input')
    filters.wait_for(timeout=30_000)
    assert settings.locator(".pnb-panel-title").first.text_content() == "base/conv1"
    filters.fill("6")
    filters.press("Enter")
    settings.locator('.pnb-field[data-key="filters"]:not(.pnb-field-pending)').wait_for()
    page.wait_for_function(
        "el => el.querySelector('.pnb-block[data-node-id=\"base/conv1\"] .pnb-block-shape')"
        "?.textContent === '(None, 14, 14, 6)'",
        arg=canvas.element_handle(),
    )
    assert lab.run_cell(page, STATE).strip() == "6"
    lab.screenshot(page, "nested-edited", canvas)
