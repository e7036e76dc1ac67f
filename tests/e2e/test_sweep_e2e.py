"""The sweep widget in a real JupyterLab and Chromium: "Trial k/n" progress, the live table and
curves while trials run on a local Dask cluster started by the kernel, stop one, stop all, and
Compare; screenshots in light and dark (test-artifacts/screenshots)."""

from __future__ import annotations

from . import lab

SETUP = """
import keras, numpy as np, perceptinb as pnb
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype("float32")
y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)
model = keras.Sequential([keras.Input((8,)),
                          keras.layers.Dense(8, activation="relu", name="hidden"),
                          keras.layers.Dense(3, activation="softmax", name="out")], name="tiny")
sweep = pnb.sweep(model, x, y, space={"hidden.units": [4, 8, 16]}, epochs=300,
                  hub=pnb.Hub("sweep-e2e.sqlite"))
"""


def _statuses(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        ".pnb-sweep-row[data-trial]",
        "els => Object.fromEntries(els.map(e => [e.dataset.trial, e.dataset.status]))",
    )


def test_sweep_progress_table_stop_and_compare(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "sweep-e2e.ipynb", [SETUP])
    lab.open_notebook(page, lab_server, "sweep-e2e.ipynb")
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)

    lab.run_cell(page, "sweep")
    page.wait_for_selector(".pnb-sweep .pnb-sweep-row[data-trial]")
    assert page.locator(".pnb-sweep-row").count() == 3
    progress = page.locator(".pnb-sweep .pnb-progress")
    assert progress.get_attribute("aria-valuenow") == "0"
    assert progress.get_attribute("aria-valuemax") == "3"
    # Live: two trials run on the two workers and their curves grow before any trial ends.
    page.wait_for_function(
        "() => document.querySelectorAll('.pnb-sweep-row[data-status=running]').length === 2"
        " && document.querySelectorAll('.pnb-sweep-line').length >= 2", timeout=180_000,
    )
    assert "Trial 1/3" in progress.inner_text()
    lab.screenshot(page, "sweep-running-light", page.locator(".pnb-sweep").last)

    page.locator('.pnb-sweep-row[data-trial="0"] .pnb-sweep-stop').click()
    page.wait_for_selector('.pnb-sweep-row[data-trial="0"][data-status="stopped"]')
    assert progress.get_attribute("aria-valuenow") == "1"
    page.wait_for_selector('.pnb-sweep-row[data-trial="2"][data-status="running"]',
                           timeout=60_000)  # its worker took the next trial
    page.locator(".pnb-sweep-stop-all").click()
    page.wait_for_function(
        "() => document.querySelector('.pnb-sweep .pnb-progress')"
        ".getAttribute('aria-valuenow') === '3'", timeout=30_000,
    )
    assert set(_statuses(page).values()) == {"stopped"}
    assert "3/3 trials finished" in progress.inner_text()

    page.locator('.pnb-sweep th[data-sort="best"]').click()
    for trial in ("0", "1"):
        page.locator(f'.pnb-sweep-row[data-trial="{trial}"] input').check()
    page.locator(".pnb-sweep-compare").click()
    compare = page.locator(".pnb-compare[data-ready]")
    compare.wait_for()
    assert compare.locator(".pnb-compare-line").count() >= 2
    lab.screenshot(page, "sweep-done-light", page.locator(".pnb-sweep").last)
    lab.set_theme(page, "dark")
    lab.screenshot(page, "sweep-done-dark", page.locator(".pnb-sweep").last)
    out = lab.run_cell(page, "print(sweep.progress, sorted({t.status for t in sweep.trials}))")
    assert "(3, 3) ['stopped']" in out
    assert not lab.console_errors(page)
