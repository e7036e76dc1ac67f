"""Previews in JupyterLab + Chromium: thumbnails drawn, edits redraw them, edit latency."""

from __future__ import annotations

import statistics

from . import lab

QUICKSTART = "01-quickstart.ipynb"

# The thumbnail of the dense block: its `data-version` is the kernel version that drew it.
_DENSE_THUMB = '.pnb-block[data-node-id="dense"] .pnb-preview'
_UNITS = '.pnb-settings [data-key="units"] input'


def _confirmed(page, canvas, units: int) -> None:
    """Waits until the kernel confirmed `units`: the form shows it with no set in flight, the
    block has its shape, and the thumbnail was drawn from the version the canvas shows. Waits
    on state, never on time: a loaded machine only makes it slower."""
    page.wait_for_function(
        "([root, sel, units]) => { const f = root.querySelector('.pnb-settings [data-key=units]');"
        " const t = root.querySelector(sel);"
        " const shape = root.querySelector('.pnb-block[data-node-id=dense] .pnb-block-shape');"
        " return f && !f.classList.contains('pnb-field-pending')"
        " && f.querySelector('input').value === String(units)"
        " && shape && shape.textContent === `(None, ${units})`"
        " && t && t.dataset.version === root.dataset.version; }",
        arg=[canvas.element_handle(), _DENSE_THUMB, units],
    )


def _edit_latency_ms(page, canvas, units: int) -> float:
    """From typing a new `units` in the settings form (Enter) to the thumbnail redrawn from the
    kernel's update of that edit, timed inside the page. Playwright's own round trip is
    included, so this is an upper bound."""
    page.evaluate(
        "(root) => { window.__pnbT0 = performance.now(); "
        "window.__pnbV0 = Number(root.dataset.version); }",
        canvas.element_handle(),
    )
    field = canvas.locator(_UNITS)
    field.fill(str(units))
    field.press("Enter")
    latency = page.wait_for_function(
        "([root, sel]) => { const el = root.querySelector(sel); "
        "return el && Number(el.dataset.version) > window.__pnbV0 "
        "&& performance.now() - window.__pnbT0; }",
        arg=[canvas.element_handle(), _DENSE_THUMB],
        polling="raf",
    ).json_value()
    _confirmed(page, canvas, units)
    return latency


def test_thumbnails_follow_edits(lab_page, lab_server):
    page = lab_page
    lab.open_notebook(page, lab_server, QUICKSTART)
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)
    canvas = page.locator(".pnb-canvas").first
    n_nodes = 7
    page.wait_for_function(
        "([el, n]) => el.querySelectorAll('.pnb-preview').length === n",
        arg=[canvas.element_handle(), n_nodes],
    )
    image = canvas.locator('.pnb-block[data-node-id="image"] .pnb-preview')
    conv = canvas.locator('.pnb-block[data-node-id="conv"] .pnb-preview')
    assert image.evaluate("el => el.width > 0 && el.height > 0")
    before = conv.evaluate("el => el.toDataURL()")

    # An edit from Python redraws the thumbnail of the edited block.
    lab.run_cell(page, 'canvas.apply({"op": "set", "node": "conv", "key": "activation", '
                       '"value": "tanh"})')
    page.wait_for_function("([el, old]) => el.toDataURL() !== old",
                           arg=[conv.element_handle(), before])
    lab.screenshot(page, "previews-light", canvas)

    # Edit from the settings form of the selected block, timed in the page.
    canvas.locator('.pnb-block[data-node-id="dense"]').click()
    canvas.locator('.pnb-settings [data-key="units"] input').wait_for()
    latencies = [_edit_latency_ms(page, canvas, 11 + i % 2) for i in range(9)]
    median = statistics.median(latencies)
    print(f"edit -> updated thumbnail: median {median:.0f} ms over {len(latencies)} edits")
    assert median < 1000  # the 150 ms target is reported, not enforced (shared, noisy CI)

    # A user types faster than the kernel answers: the second value goes in while the first
    # edit's update is on its way, and the form must not lose it.
    field = canvas.locator(_UNITS)
    for units in (13, 14):
        field.fill(str(units))
        field.press("Enter")
    _confirmed(page, canvas, 14)
    units = lab.run_cell(page, 'print(canvas.graph.nodes["dense"].settings["units"])')
    assert units.strip() == "14"
    lab.screenshot(page, "previews-inspector-light", canvas)  # README's notebooks/images/canvas.png
    lab.set_theme(page, "dark")
    lab.screenshot(page, "previews-dark", canvas)
    lab.set_theme(page, "light")


def test_blocks_first_then_previews_stream_in_with_progress(lab_page, lab_server):
    """ResNet50: every block is drawn from the model's own shapes before any preview exists
    (the kernel's previews are held back here), "previews 0/177" shows, then the thumbnails
    stream in and the counter goes away when all are there."""
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "stream.ipynb", [
        "import keras\nimport perceptinb as pnb\n"
        "from perceptinb.widgets.warm_up import WarmUp\n"
        "model = keras.applications.ResNet50(weights=None)\n"
        "start, WarmUp.start = WarmUp.start, lambda self: None  # hold the previews back",
        "canvas = pnb.Canvas(model, height=500)\ncanvas",
    ])
    lab.open_notebook(page, lab_server, "stream.ipynb")
    assert lab.run_all_cells(page, timeout=300) is True
    canvas = page.locator(".pnb-canvas").first
    n_blocks = 177
    page.wait_for_function(
        "([el, n]) => { const p = el.querySelector('.pnb-preview-progress');"
        " return el.querySelectorAll('.pnb-block').length === n && p && !p.hidden; }",
        arg=[canvas.element_handle(), n_blocks],
    )
    assert canvas.locator(".pnb-preview-progress").text_content() == f"previews 0/{n_blocks}"
    assert canvas.locator(".pnb-preview").count() == 0
    lab.screenshot(page, "previews-streaming", canvas)
    lab.run_cell(page, "WarmUp.start = start\ncanvas._warm_up.start()")
    page.wait_for_function(
        "(el) => el.querySelector('.pnb-preview-progress').hidden"
        " && el.querySelector('.pnb-block[data-node-id=predictions] .pnb-preview')",
        arg=canvas.element_handle(), timeout=120_000,
    )
    assert lab.run_cell(page, "print(len(canvas.previews))").strip() == str(n_blocks)
    lab.screenshot(page, "previews-streamed", canvas)
    lab.assert_no_cell_errors(page)
