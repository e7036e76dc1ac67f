"""The sample strip in a real JupyterLab and Chromium: a digits canvas shows its first samples as
thumbnails; clicking the third makes it the previews' sample (the input block's thumbnail
changes, the kernel's `canvas.sample_index` follows), `]` steps to the next, a pick from Python
moves the strip's selection; screenshots in light and dark (test-artifacts/screenshots)."""

from __future__ import annotations

from . import lab

SETUP = """
import keras, numpy as np, perceptinb as pnb
from sklearn.datasets import load_digits
digits = load_digits()
x = (digits.images[:40, :, :, None] / 16).astype("float32")
y = digits.target[:40]
inp = keras.Input((8, 8, 1), name="image")
h = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inp)
h = keras.layers.Flatten(name="flat")(h)
out = keras.layers.Dense(10, activation="softmax", name="head")(h)
canvas = pnb.Canvas(keras.Model(inp, out), sample=x, target=y, height=420)
"""


def test_strip_shows_samples_and_picking_one_previews_it(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "strip-e2e.ipynb", [SETUP])
    lab.open_notebook(page, lab_server, "strip-e2e.ipynb")
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)
    lab.run_cell(page, "canvas")
    canvas = page.locator(".pnb-canvas").last
    thumbs = canvas.locator(".pnb-samples [role=option]")
    thumbs.nth(15).wait_for()
    assert thumbs.count() == 16
    assert canvas.locator(".pnb-samples canvas.pnb-sample-image").count() == 16
    assert thumbs.nth(2).get_attribute("aria-label") == "Sample 3, target 2"
    assert thumbs.nth(0).get_attribute("aria-selected") == "true"
    preview = canvas.locator('.pnb-block[data-node-id="image"] .pnb-preview')
    preview.wait_for()
    before = preview.evaluate("c => c.toDataURL()")
    version = int(preview.get_attribute("data-version"))
    lab.screenshot(page, "sample-strip-light", canvas)

    thumbs.nth(2).click()
    page.wait_for_function(
        "([el, v]) => Number(el.dataset.version) > v", arg=[preview.element_handle(), version]
    )
    assert thumbs.nth(2).get_attribute("aria-selected") == "true"
    assert preview.evaluate("c => c.toDataURL()") != before
    out = lab.run_cell(page, "print(canvas.sample_index, canvas._previews.sample.target)")
    assert out.strip().endswith("2 [2]")

    canvas.locator('.pnb-block[data-node-id="flat"]').click()  # focus in the canvas, off the strip
    page.keyboard.press("]")
    canvas.locator('.pnb-samples [aria-selected="true"][data-index="3"]').wait_for()
    out = lab.run_cell(page, "print(canvas.sample_index)")
    assert out.strip().endswith("3")
    lab.run_cell(page, "canvas.pick_sample(5)")  # from Python: the strip follows
    canvas.locator('.pnb-samples [aria-selected="true"][data-index="5"]').wait_for()
    canvas.locator('.pnb-block[data-node-id="head"]').click()  # an output: its target beside it
    canvas.locator(".pnb-inspector-target").wait_for()
    lab.set_theme(page, "dark")
    lab.screenshot(page, "sample-strip-dark", canvas)
    assert not [m for m in lab.console_errors(page) if "perceptinb" in m or "uncaught" in m]
