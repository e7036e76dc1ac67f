"""The canvas in Notebook 7 (``jupyter notebook``), not only in JupyterLab.

The shared test server is a Jupyter server with every installed front end enabled, so with the
``notebook`` package installed it serves Notebook 7 at ``/notebooks/NAME.ipynb`` as well: the same
server, kernel machinery and widget manager versions, a different application shell. Notebook 7
does not expose ``window.jupyterapp``, so this test drives the page only by what a user does
(click a cell, Shift+Enter, click a block) and reads the kernel's state from a file the notebook
writes when ``canvas.selected`` changes.
"""

from __future__ import annotations

import time

from . import lab

CELL = """\
import pathlib
import perceptinb as pnb
import keras
model = keras.Sequential(
    [keras.Input((8,)), keras.layers.Dense(4, name="dense"), keras.layers.Dense(2, name="out")],
    name="tiny",
)
canvas = pnb.Canvas(model)
canvas.observe(lambda change: pathlib.Path("selected.txt").write_text(change["new"]), "selected")
canvas
"""


def _wait_for_file(path, expected: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    text = None
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else None
        if text == expected:
            return text
        time.sleep(0.1)
    return text


def _wait_kernel_connected(server, name: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for session in server.api("GET", "api/sessions"):
            kernel = session.get("kernel") or {}
            if session.get("path") == name and kernel.get("execution_state") == "idle":
                if kernel.get("connections", 0) > 0:
                    return
        time.sleep(0.2)
    sessions = server.api("GET", "api/sessions")
    raise AssertionError(f"no idle, connected kernel for {name}: {sessions}")


def test_notebook7_draws_the_canvas_and_syncs_a_click(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "notebook7.ipynb", [CELL])
    selected_file = lab_server.root_dir / "selected.txt"
    selected_file.unlink(missing_ok=True)

    page.goto(lab_server.url_for("notebooks/notebook7.ipynb"))
    page.locator("#main-panel .jp-Notebook").wait_for(state="visible", timeout=90_000)
    # Notebook 7's own shell, not JupyterLab's.
    assert page.locator("body[data-notebook='notebooks']").count() == 1
    _wait_kernel_connected(lab_server, "notebook7.ipynb")
    # A run sent before the page has connected to the kernel is dropped; wait for the page's own
    # status, then run the cell and see it start.
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=90_000)
    page.locator(".jp-Cell .cm-content").first.click()
    page.keyboard.press("Shift+Enter")
    page.locator(".jp-InputPrompt", has_text="*").or_(
        page.locator(".jp-InputPrompt", has_text="[1]")
    ).first.wait_for(timeout=30_000)

    canvas = page.locator(".pnb-canvas").first
    canvas.wait_for(state="visible", timeout=180_000)  # the kernel imports Keras first
    block = canvas.locator('.pnb-block[data-node-id="dense"]')
    block.wait_for(state="visible")
    assert canvas.locator(".pnb-block").count() == 3
    assert canvas.locator(".pnb-edge").count() == 2
    assert canvas.locator(".pnb-palette").count() == 1

    block.click()
    assert _wait_for_file(selected_file, "dense") == "dense"  # the click reached the kernel
    page.wait_for_function(
        "(el) => el.querySelector('.pnb-block-selected[data-node-id=\"dense\"]') !== null",
        arg=canvas.element_handle(),
    )
    # The first cell to import Keras shows no red TensorFlow log lines (perceptinb came first).
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert stderr.count() == 0, stderr.all_inner_texts()
    lab.screenshot(page, "notebook7-canvas", canvas)
