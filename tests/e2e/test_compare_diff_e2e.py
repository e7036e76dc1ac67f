"""The architecture diff as two canvases in a real JupyterLab and Chromium: the diff classes on
the right `.pnb-block`s, panning one canvas moves the other, both models' thumbnails on the same
sample; screenshots in light and dark (test-artifacts/screenshots)."""

from __future__ import annotations

from . import lab

SETUP = """
import keras, numpy as np, perceptinb as pnb
def cnn(filters, extra=False):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((12, 12, 1), name="image"),
              keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv")]
    if extra:
        layers.append(keras.layers.MaxPooling2D(name="pool"))
    layers += [keras.layers.Flatten(name="flatten"), keras.layers.Dense(3, name="out")]
    return keras.Sequential(layers, name="cnn")
x = np.random.default_rng(0).random((4, 12, 12, 1)).astype("float32")
cmp = pnb.compare(cnn(2), cnn(4, extra=True))
print(len(cmp.entries))
"""


def _transform(locator) -> str:
    return locator.evaluate("el => el.style.transform")


def test_diff_canvases_sync_pan_and_show_both_previews(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "compare-diff-e2e.ipynb", [SETUP])
    lab.open_notebook(page, lab_server, "compare-diff-e2e.ipynb")
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)

    lab.run_cell(page, "cmp.widget(sample=x)")
    compare = page.locator(".pnb-compare[data-diff-ready]").last
    compare.wait_for(timeout=120_000)
    left = compare.locator('.pnb-diff-side[data-side="left"]')
    right = compare.locator('.pnb-diff-side[data-side="right"]')
    assert left.locator('.pnb-block.pnb-diff-changed[data-node-id="conv"]').count() == 1
    assert right.locator('.pnb-block.pnb-diff-changed[data-node-id="conv"]').count() == 1
    assert right.locator('.pnb-block.pnb-diff-added[data-node-id="pool"]').count() == 1
    assert left.locator('.pnb-block[data-node-id="pool"]').count() == 0
    image = left.locator('.pnb-block[data-node-id="image"]')
    assert "pnb-diff-" not in (image.get_attribute("class") or "")
    assert "filters: 2 → 4" in compare.locator('.pnb-diff-change[data-node-id="conv"]').inner_text()
    # conv +20 (2 -> 4 filters), out -432 (the pooled input is a quarter the size, twice as deep)
    assert "parameters -412" in compare.locator(".pnb-diff-summary").inner_text()

    # Both models' thumbnails on the same sample, block next to block.
    for side in (left, right):
        for node in ("image", "conv", "out"):
            thumb = side.locator(f'.pnb-block[data-node-id="{node}"] .pnb-thumb .pnb-preview')
            assert thumb.count() == 1
    assert right.locator('.pnb-block[data-node-id="pool"] .pnb-thumb .pnb-preview').count() == 1

    # Drag the left canvas: the right one's transform follows.
    left_world, right_world = left.locator(".pnb-world"), right.locator(".pnb-world")
    before = _transform(right_world)
    left.locator(".pnb-stage").scroll_into_view_if_needed()
    box = left.locator(".pnb-stage").bounding_box()
    start = (box["x"] + 12, box["y"] + box["height"] - 12)  # background, below the blocks
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 60, start[1] - 40, steps=5)
    page.mouse.up()
    after = _transform(right_world)
    assert after != before and after == _transform(left_world)
    # Zoom on the right one: the left follows.
    rbox = right.locator(".pnb-stage").bounding_box()
    page.mouse.move(rbox["x"] + rbox["width"] / 2, rbox["y"] + rbox["height"] / 2)
    page.mouse.wheel(0, 200)
    page.wait_for_function(
        "([a, b]) => a.style.transform === b.style.transform",
        arg=[left_world.element_handle(), right_world.element_handle()])
    assert _transform(left_world) != after

    lab.screenshot(page, "compare-diff-light", compare)
    lab.set_theme(page, "dark")
    lab.screenshot(page, "compare-diff-dark", compare)
    assert not [m for m in lab.console_errors(page) if "perceptinb" in m or "uncaught" in m]
