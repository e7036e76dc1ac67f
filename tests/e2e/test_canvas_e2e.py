"""The canvas in a real JupyterLab and Chromium: blocks drawn, selection synced, both themes,
and the lock a training run puts on it."""

from __future__ import annotations

from . import lab

QUICKSTART = "01-quickstart.ipynb"


def test_quickstart_canvas(lab_page, lab_server):
    page = lab_page
    lab.open_notebook(page, lab_server, QUICKSTART)
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)

    canvas = page.locator(".pnb-canvas").first
    canvas.wait_for(state="visible")
    expected = int(lab.run_cell(page, "print(len(canvas.graph.nodes))").strip())
    page.wait_for_function(
        "([el, n]) => el.querySelectorAll('.pnb-block').length === n",
        arg=[canvas.element_handle(), expected],
    )
    assert canvas.locator(".pnb-block").count() == expected == 7
    assert canvas.locator(".pnb-edge").count() == 6
    # The quickstart's failing edit was undone: no block is red.
    assert canvas.locator(".pnb-block-error").count() == 0
    assert canvas.locator(".pnb-palette").count() == 1
    assert canvas.locator(".pnb-settings").count() == 1

    # Clicking a block selects it; the selection reaches Python and the settings panel.
    canvas.locator('.pnb-block[data-node-id="conv_2"]').click()
    page.wait_for_function(
        "(el) => el.querySelector('.pnb-settings').textContent.includes('Conv2D')",
        arg=canvas.element_handle(),
    )
    assert lab.run_cell(page, "print(canvas.selected)").strip() == "conv_2"

    lab.screenshot(page, "canvas-light", canvas)
    lab.set_theme(page, "dark")
    lab.screenshot(page, "canvas-dark", canvas)
    background = canvas.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), background

    # A block whose layer fails turns red with the Keras message; downstream blocks are blocked.
    lab.run_cell(page, 'canvas.apply({"op": "set", "node": "pool", "key": "pool_size", '
                       '"value": [9, 9]})')
    red = canvas.locator('.pnb-block-error[data-node-id="pool"]')
    red.wait_for(state="visible")
    red.scroll_into_view_if_needed()
    assert "negative" in red.text_content()
    assert canvas.locator(".pnb-block-blocked").count() == 4
    lab.screenshot(page, "canvas-error-dark", canvas)
    lab.set_theme(page, "light")


def test_a_locked_canvas_shows_why_and_refuses_edits(lab_page, lab_server):
    page = lab_page
    lab.open_notebook(page, lab_server, QUICKSTART)
    assert lab.run_all_cells(page) is True
    canvas = page.locator(".pnb-canvas").first
    canvas.locator('.pnb-block[data-node-id="dense"]').click()
    settings = canvas.locator(".pnb-settings")
    settings.locator('[data-key="units"] .pnb-field-input').wait_for()
    lab.screenshot(page, "canvas-unlocked-light", canvas)
    digest = "import hashlib; print(hashlib.sha1(canvas.graph.to_json().encode()).hexdigest())"
    before = lab.run_cell(page, digest).strip()

    # The seam a training run uses (perceptinb.training locks the canvas it trains).
    lab.run_cell(page, 'canvas._lock_for_run("digits-1")')
    badge = canvas.locator(".pnb-toolbar .pnb-lock-badge")
    badge.wait_for(state="visible")
    assert "digits-1" in badge.get_attribute("title")
    assert "stop the run first" in canvas.locator(".pnb-palette-lock").text_content()
    assert canvas.locator(".pnb-palette-item").first.is_disabled()
    assert "stop the run first" in settings.locator(".pnb-settings-lock-note").text_content()
    assert settings.locator('[data-key="units"] .pnb-field-input').is_disabled()
    assert canvas.locator(".pnb-undo").is_disabled()
    lab.screenshot(page, "canvas-locked-light", canvas)

    # A browser edit is refused with the reason, and nothing changes in the kernel.
    canvas.locator('.pnb-block[data-node-id="dense"]').click()
    page.keyboard.press("Delete")
    page.keyboard.press("Control+z")
    canvas.locator(".pnb-status").filter(has_text="stop the run first").wait_for()
    assert lab.run_cell(page, digest).strip() == before
    assert canvas.locator('.pnb-block[data-node-id="dense"]').count() == 1

    # Reading still works: the view moves, selecting reaches Python, the inspector shows.
    canvas.locator(".pnb-fit").click()
    canvas.locator('.pnb-block[data-node-id="conv"]').click()
    settings.locator(".pnb-inspector .pnb-preview").wait_for()
    assert lab.run_cell(page, "print(canvas.selected)").strip() == "conv"

    lab.run_cell(page, "canvas._unlock_run()")
    badge.wait_for(state="hidden")
    assert not settings.locator('[data-key="filters"] .pnb-field-input').is_disabled()
