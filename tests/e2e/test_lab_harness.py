"""Proves the e2e harness itself: server, browser, notebook helpers, widgets, theme, screenshot."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

from . import lab

CELLS = [
    "import ipywidgets as widgets\n"
    "answer = sum(i * i for i in range(7))\n"
    "print(f'answer={answer}')",
    "slider = widgets.IntSlider(value=7, min=0, max=10, description='size')\nslider",
]


def test_harness_end_to_end(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "harness_smoke.ipynb", CELLS)
    lab.open_notebook(page, lab_server, "harness_smoke.ipynb")

    assert lab.run_all_cells(page) is True
    assert lab.cell_output(page, 0).strip() == "answer=91"
    lab.assert_no_cell_errors(page)

    # ipywidgets rendered through the lab extension found on the isolated data path.
    output = lab.cells(page).nth(1).locator(".jp-OutputArea-output")
    slider = output.locator(".jupyter-widgets.widget-slider")
    slider.wait_for(state="visible")
    assert slider.locator(".widget-readout").inner_text().strip() == "7"
    assert "size" in slider.locator(".widget-label").inner_text()

    # Browser → kernel: a key press on the handle moves the slider and syncs to Python. The click
    # leaves focus inside the output; run_cell must refocus a cell before Shift+Enter.
    handle = slider.locator(".noUi-handle")
    handle.click()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(el) => el.textContent.trim() === '8'",
        arg=slider.locator(".widget-readout").element_handle(),
    )
    assert lab.run_cell(page, "print(slider.value)").strip() == "8"

    # Code entry survives CodeMirror's auto-indent and bracket handling.
    code = (
        "def pairs(n):\n"
        "    if n:\n"
        "        return [(i, {'k': '(['}) for i in range(n)]\n"
        "    return []\n"
        "print(len(pairs(3)), pairs(1))\n"
    )
    assert lab.run_cell(page, code).strip() == "3 [(0, {'k': '(['})]"
    assert lab.run_cell(page, "print(sum(range(10)))").strip() == "45"

    lab.set_theme(page, "dark")
    assert page.evaluate("document.body.dataset.jpThemeLight") == "false"
    shot = lab.screenshot(page, "harness-dark")
    widget_shot = lab.screenshot(page, "harness-dark-slider", slider)
    assert _png_size(shot) == (1400, 900)
    assert _png_size(widget_shot)[0] > 100
    # A rendered dark page: mostly dark but not blank (a blank or light page fails this).
    brightness, spread = _png_brightness(page, shot)
    assert brightness < 0.35 and spread > 0.02, (brightness, spread)
    lab.set_theme(page, "light")
    assert page.evaluate("document.body.dataset.jpThemeLight") == "true"

    # cell_errors really reports an exception (and run_cell still returns its output text).
    out = lab.run_cell(page, "1/0")
    assert "ZeroDivisionError" in out
    errors = lab.cell_errors(page)
    assert len(errors) == 1 and "ZeroDivisionError: division by zero" in errors[0]


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # IHDR
    return width, height


def _png_brightness(page, path: Path) -> tuple[float, float]:
    """Mean and standard deviation of the luma (0..1) of a PNG, decoded by the browser."""
    data = base64.b64encode(path.read_bytes()).decode()
    return tuple(
        page.evaluate(
            """async (data) => {
              const img = new Image();
              img.src = 'data:image/png;base64,' + data;
              await img.decode();
              const c = document.createElement('canvas');
              c.width = img.width; c.height = img.height;
              const ctx = c.getContext('2d');
              ctx.drawImage(img, 0, 0);
              const px = ctx.getImageData(0, 0, c.width, c.height).data;
              let sum = 0, sq = 0, n = px.length / 4;
              for (let i = 0; i < px.length; i += 4) {
                const y = (0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2]) / 255;
                sum += y; sq += y * y;
              }
              const mean = sum / n;
              return [mean, Math.sqrt(Math.max(0, sq / n - mean * mean))];
            }""",
            data,
        )
    )
