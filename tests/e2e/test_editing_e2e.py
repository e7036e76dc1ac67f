"""Editing in a real JupyterLab and Chromium: palette, wiring, settings form, undo, keys, export.

A blank canvas is built with the mouse and keyboard only, and every step is checked against the
kernel's state. Keys pressed inside the canvas must not reach JupyterLab's notebook shortcuts.
"""

from __future__ import annotations

import io
import zipfile

from . import lab

NOTEBOOK = "editing-e2e.ipynb"
SETUP = """import perceptinb as pnb
canvas = pnb.Canvas(input_shape=(64,), name="scratch", height=560)
canvas"""
STATE = (
    'd = canvas.graph.nodes["dense_1"].settings\n'
    'print(d["units"], d["activation"], [(e.src, e.dst) for e in canvas.graph.edges])'
)


def _drag(page, start, end) -> None:
    """Press on `start`, move to the middle of `end` in steps, release (pointer events)."""
    a, b = start.bounding_box(), end.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def _shape(canvas, node_id: str, text: str) -> None:
    canvas.page.wait_for_function(
        "([el, id, text]) => { const b = el.querySelector(`.pnb-block[data-node-id='${id}']`);"
        " return b && b.querySelector('.pnb-block-shape').textContent === text; }",
        arg=[canvas.element_handle(), node_id, text],
    )


def test_build_edit_and_undo_in_the_canvas(lab_page, lab_server):
    page = lab_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    lab.write_notebook(lab_server.root_dir, NOTEBOOK, [SETUP])
    lab.open_notebook(page, lab_server, NOTEBOOK)
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)
    canvas = page.locator(".pnb-canvas").first
    canvas.wait_for(state="visible")
    block = lambda node_id: canvas.locator(f'.pnb-block[data-node-id="{node_id}"]')  # noqa: E731
    settings = canvas.locator(".pnb-settings")

    # Palette: search, click. The new block is selected, so its form opens at once.
    canvas.locator(".pnb-palette-search").fill("dens")
    canvas.locator('.pnb-palette-item[data-type="Dense"]').click()
    block("dense_1").wait_for()
    page.wait_for_function(
        "el => el.textContent === 'dense_1'",
        arg=settings.locator(".pnb-panel-title").element_handle(),
    )
    assert "pnb-block-error" in block("dense_1").get_attribute("class")  # not wired yet

    # Wire: drag from the input block's bottom handle onto the Dense block.
    _drag(page, block("input").locator(".pnb-port-out"), block("dense_1"))
    _shape(canvas, "dense_1", "(None, 32)")
    assert canvas.locator(".pnb-edge").count() == 1
    assert canvas.locator(".pnb-block-error").count() == 0

    # The form: an enum drop-down and an int field; Keras' answer updates the block.
    field = lambda key: settings.locator(f'.pnb-field[data-key="{key}"] .pnb-field-input')  # noqa: E731
    field("activation").select_option("relu")
    settings.locator('.pnb-field[data-key="activation"]:not(.pnb-field-pending)').wait_for()
    units = field("units")
    units.fill("-3")
    units.press("Enter")
    error = settings.locator('.pnb-field[data-key="units"] .pnb-field-error')
    error.filter(has_text="Kept: 32").wait_for()  # Keras refused: the reason, the kept value
    assert "units" in error.text_content() and units.input_value() == "32"
    assert canvas.locator(".pnb-status").is_hidden()  # the reason is under the field only
    thumb = block("dense_1").locator(".pnb-preview")
    thumb.wait_for()
    before = thumb.evaluate("el => el.toDataURL()")
    units.fill("10")
    units.press("Enter")
    _shape(canvas, "dense_1", "(None, 10)")
    # The preview thumbnail is redrawn for the new layer (10 outputs instead of 32).
    page.wait_for_function(
        "([el, old]) => el.isConnected ? el.toDataURL() !== old : true",
        arg=[thumb.element_handle(), before],
    )
    assert thumb.evaluate("el => el.toDataURL()") != before
    lab.screenshot(page, "editing-form-light", canvas)

    # Ctrl+Z with the focus on the canvas undoes the last change (units), not the activation.
    block("dense_1").click()
    page.keyboard.press("Control+z")
    _shape(canvas, "dense_1", "(None, 32)")
    # The form follows (the details trait arrives in its own message, just after the graph).
    page.wait_for_function("el => el.value === '32'", arg=units.element_handle())
    assert lab.run_cell(page, STATE).strip() == "32 relu [('input', 'dense_1')]"

    # A second block, wired after the first; wiring back is refused, with the kernel's message
    # in the canvas.
    canvas.locator('.pnb-palette-item[data-type="Dense"]').click()
    block("dense_2").wait_for()
    _drag(page, block("dense_1").locator(".pnb-port-out"), block("dense_2"))
    _shape(canvas, "dense_2", "(None, 32)")
    canvas.locator(".pnb-fit").click()  # the chain grew past the bottom edge: fit it in view
    _drag(page, block("dense_2").locator(".pnb-port-out"), block("dense_1"))
    status = canvas.locator(".pnb-status")
    # The kernel names the rule that refuses it (dense_1 already has its one input).
    status.filter(has_text="Connect dense_2 → dense_1 failed").wait_for()
    assert "pnb-status-error" in status.get_attribute("class")
    assert canvas.locator(".pnb-edge").count() == 2
    lab.screenshot(page, "editing-cycle-light", canvas)

    lab.set_theme(page, "dark")
    block("dense_1").click()
    field("activation").scroll_into_view_if_needed()  # the form, below the output inspector
    lab.screenshot(page, "editing-form-dark", canvas)
    lab.set_theme(page, "light")

    # Copy as code: the clipboard gets code that builds this model.
    canvas.locator(".pnb-copy-code").click()
    status.filter(has_text="Copied the model code").wait_for()
    code = page.evaluate("() => navigator.clipboard.readText()")
    assert 'name="dense_2"' in code and "model = keras.Model(" in code

    # Export .keras: a download of the saved model (a zip with the Keras config).
    with page.expect_download() as download:
        canvas.locator(".pnb-export-keras").click()
    assert download.value.suggested_filename == "scratch.keras"
    data = open(download.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "config.json" in archive.namelist()
    lab.assert_no_cell_errors(page)


def test_keys_in_the_canvas_do_not_reach_notebook_shortcuts(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "keys-e2e.ipynb", [SETUP, "1 + 1"])
    lab.open_notebook(page, lab_server, "keys-e2e.ipynb")
    assert lab.run_all_cells(page) is True
    canvas = page.locator(".pnb-canvas").first
    canvas.locator('.pnb-block[data-node-id="input"]').click()
    assert page.evaluate(_JS_COMMAND_MODE)  # where notebook shortcuts are live
    before = page.evaluate(_JS_CELL_TYPES)

    # In command mode these insert (a, b), delete (d d), change the cell type (m, y) and undo
    # a cell operation (z). Shortcuts act synchronously on keydown, on the notebook model.
    for key in ["a", "b", "d", "d", "m", "y", "z"]:
        page.keyboard.press(key)
    assert page.evaluate(_JS_CELL_TYPES) == before == ["code", "code"]
    assert lab.run_cell(page, "print(len(canvas.graph.nodes))").strip() == "1"

    # The same key outside the canvas does act: the check above can fail.
    cells = page.evaluate(_JS_CELL_TYPES)
    lab.cells(page).nth(0).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    assert page.evaluate(_JS_COMMAND_MODE)
    page.keyboard.press("b")
    assert page.evaluate(_JS_CELL_TYPES) == [cells[0], "code", *cells[1:]]


_JS_CELL_TYPES = """() => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .map(c => c.type)"""
_JS_COMMAND_MODE = "() => window.jupyterapp.shell.currentWidget.content.mode === 'command'"
