"""Versions in the canvas, in a real JupyterLab and Chromium: the toolbar's history lists the
hub's versions of the model with their diffs, Restore puts one into the canvas, Undo takes it
back; screenshots in light and dark (test-artifacts/screenshots)."""

from __future__ import annotations

from . import lab

SETUP = """
import os
os.environ["PERCEPTINB_HUB"] = "versions-e2e.sqlite"
if os.path.exists("versions-e2e.sqlite"):
    os.remove("versions-e2e.sqlite")
import keras, perceptinb as pnb
def mlp(units, extra=False):
    layers = [keras.Input((4,), name="x"), keras.layers.Dense(units, name="hidden")]
    if extra:
        layers.append(keras.layers.Dense(6, name="extra"))
    layers.append(keras.layers.Dense(2, name="out"))
    return keras.Sequential(layers, name="mlp")
hub = pnb.Hub()
hub.log_run("small", {}, {"loss": [1.0]}, graph=mlp(3))
hub.log_run("wide", {}, {"loss": [0.9]}, graph=mlp(5, extra=True))
canvas = pnb.Canvas(mlp(3), height=420)
print([v.id for v in hub.versions("mlp")])
"""


def test_canvas_lists_versions_restores_one_and_undo_takes_it_back(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "versions-e2e.ipynb", [SETUP])
    lab.open_notebook(page, lab_server, "versions-e2e.ipynb")
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)
    lab.run_cell(page, "canvas")
    canvas = page.locator(".pnb-canvas").last
    canvas.locator('.pnb-block[data-node-id="hidden"]').wait_for()
    assert canvas.locator('.pnb-block[data-node-id="extra"]').count() == 0

    canvas.locator(".pnb-versions-toggle").click()
    rows = canvas.locator(".pnb-version[data-version-id]")
    rows.first.wait_for()
    assert rows.evaluate_all("els => els.map(e => e.dataset.versionId)") == ["2", "1"]
    assert "pnb-version-current" in (rows.nth(1).get_attribute("class") or "")
    assert "hidden.units 3 -> 5" in rows.nth(0).inner_text()
    lab.screenshot(page, "canvas-versions-light", canvas)

    rows.nth(0).locator(".pnb-version-restore").click()
    canvas.locator('.pnb-block[data-node-id="extra"]').wait_for()
    page.wait_for_selector('.pnb-version-current[data-version-id="2"]')
    out = lab.run_cell(page, "print(canvas.graph.nodes['hidden'].settings['units'])")
    assert out.strip().endswith("5")
    lab.set_theme(page, "dark")
    lab.screenshot(page, "canvas-versions-dark", canvas)

    canvas.locator(".pnb-undo").click()
    canvas.locator('.pnb-block[data-node-id="extra"]').wait_for(state="detached")
    out = lab.run_cell(page, "print(sorted(canvas.graph.nodes))")
    assert out.strip().endswith("['hidden', 'out', 'x']")
    assert not [m for m in lab.console_errors(page) if "perceptinb" in m or "uncaught" in m]
