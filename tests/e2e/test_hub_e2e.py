"""The hub and comparison widgets in a real JupyterLab and Chromium: rows appear, row actions
work, Compare opens with the diff classes on the right blocks of its two canvases; drawing
times for 1,000 runs and for 20 runs x 100 epochs; screenshots in light and dark
(test-artifacts/screenshots)."""

from __future__ import annotations

import time

from . import lab

SETUP = """
import keras, perceptinb as pnb
def mlp(units, extra=False):
    layers = [keras.Input((4,), name="x"), keras.layers.Dense(units, name="hidden")]
    if extra:
        layers.append(keras.layers.Dense(6, name="extra"))
    layers.append(keras.layers.Dense(2, name="out"))
    return keras.Sequential(layers, name="mlp")
hub = pnb.Hub("hub-e2e.sqlite")
hub.log_run("small", {"learning_rate": 0.01},
            {"loss": [1.0, 0.6, 0.5], "val_loss": [1.1, 0.8, 0.7]}, graph=mlp(3))
hub.log_run("wide", {"learning_rate": 0.001},
            {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]}, graph=mlp(5, extra=True))
hub.log_run("diverged", {"learning_rate": 1.0}, {"loss": [3.0, 9.0]}, graph=mlp(3),
            status="diverged")
print(len(hub.runs()))
"""

SEED_1000 = """
import random
big = pnb.Hub("hub-e2e-1000.sqlite")
if not big.runs():
    rng = random.Random(0)
    for i in range(1000):
        big.log_run(f"run {i}", {"lr": rng.choice([0.1, 0.01])},
                    {k: [rng.random() for _ in range(5)] for k in ("loss", "val_loss")})
many = pnb.Hub("hub-e2e-20.sqlite")
if not many.runs():
    rng = random.Random(1)
    for i in range(20):
        many.log_run(f"variant {i}", {"lr": 10 ** -rng.randint(1, 4), "batch_size": 32},
                     {k: [rng.random() / (e + 1) for e in range(100)]
                      for k in ("loss", "val_loss", "accuracy")})
print(len(big.runs()), len(many.runs()))
"""


def _rows(page) -> list[str]:
    return page.eval_on_selector_all(".pnb-hub-row[data-run-id]",
                                     "els => els.map(e => e.dataset.runId)")


def test_hub_rows_actions_compare_and_diff(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "hub-e2e.ipynb", [SETUP])
    lab.open_notebook(page, lab_server, "hub-e2e.ipynb")
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)

    lab.run_cell(page, "hub")
    page.wait_for_selector(".pnb-hub[data-ready] .pnb-hub-row[data-run-id]")
    assert _rows(page) == ["3", "2", "1"]  # newest first
    chip = page.locator('.pnb-hub-row[data-run-id="3"] .pnb-chip')
    assert chip.text_content() == "diverged" and "pnb-chip-diverged" in chip.get_attribute("class")
    page.locator('.pnb-hub-header [data-sort="name"]').click()
    assert _rows(page) == ["3", "1", "2"]  # diverged, small, wide
    page.locator(".pnb-hub-search").fill("wide")
    assert _rows(page) == ["2"]
    page.locator(".pnb-hub-search").fill("")
    lab.screenshot(page, "hub-light", page.locator(".pnb-hub").last)

    for run_id in ("1", "2"):
        page.locator(f'.pnb-hub-row[data-run-id="{run_id}"] .pnb-hub-select input').check()
    page.locator(".pnb-hub-compare").click()
    compare = page.locator(".pnb-compare[data-ready]")
    compare.wait_for()
    assert compare.locator(".pnb-compare-panel").count() == 2  # loss and val_loss
    assert compare.locator(".pnb-compare-line").count() == 4
    page.locator(".pnb-compare[data-diff-ready]").wait_for()
    assert compare.locator('.pnb-block.pnb-diff-changed[data-node-id="hidden"]').count() == 2
    assert compare.locator('.pnb-block.pnb-diff-added[data-node-id="extra"]').count() == 1
    out = compare.locator('.pnb-block[data-node-id="out"]')
    assert out.count() == 2 and "pnb-diff-" not in (out.first.get_attribute("class") or "")
    hidden = compare.locator('.pnb-diff-change[data-node-id="hidden"]')
    assert "units: 3 → 5" in hidden.inner_text()
    assert compare.locator(".pnb-best").count() >= 1
    lab.screenshot(page, "compare-light", compare)
    lab.set_theme(page, "dark")
    lab.screenshot(page, "compare-dark", compare)
    lab.screenshot(page, "hub-dark", page.locator(".pnb-hub").last)

    page.locator('.pnb-hub-row[data-run-id="1"] .pnb-hub-open').click()
    page.locator(".pnb-canvas").last.wait_for()
    assert page.locator('.pnb-canvas .pnb-block[data-node-id="hidden"]').count() >= 1

    page.locator('.pnb-hub-row[data-run-id="3"] .pnb-hub-delete').click()
    page.locator('.pnb-hub-row[data-run-id="3"] .pnb-hub-confirm').click()
    page.wait_for_function("() => !document.querySelector('.pnb-hub-row[data-run-id=\"3\"]')")
    assert lab.run_cell(page, "print([r.id for r in hub.runs()])").strip().endswith("[1, 2]")
    assert not lab.console_errors(page)


def test_hub_of_1000_runs_and_compare_of_20_runs_draw_fast(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "hub-e2e-big.ipynb", [SETUP, SEED_1000])
    lab.open_notebook(page, lab_server, "hub-e2e-big.ipynb")
    assert lab.run_all_cells(page, timeout=600) is True
    lab.assert_no_cell_errors(page)

    t0 = time.perf_counter()
    lab.run_cell(page, "big")
    page.wait_for_selector(".pnb-hub[data-ready] .pnb-hub-row[data-run-id]")
    hub_seconds = time.perf_counter() - t0
    assert page.locator(".pnb-hub-count").last.text_content().startswith("1000 of 1000")
    assert page.locator(".pnb-hub-row").count() < 80  # virtualized
    page.locator(".pnb-hub-scroll").last.evaluate("el => el.scrollTop = 15000")
    page.wait_for_selector('.pnb-hub-row[data-run-id="500"]')

    t0 = time.perf_counter()
    lab.run_cell(page, "pnb.compare(*[r.id for r in many.runs()], hub=many)")
    page.locator(".pnb-compare[data-ready]").wait_for()
    compare_seconds = time.perf_counter() - t0
    assert page.locator(".pnb-compare-line").count() == 60
    lab.screenshot(page, "compare-20-runs", page.locator(".pnb-compare").last)
    print(f"hub 1,000 runs drawn in {hub_seconds:.2f} s (cell run to rows, target 1 s); "
          f"compare 20 runs x 100 epochs drawn in {compare_seconds:.2f} s (target 1 s)")
    # Generous bounds: the shared machine is noisy; benchmarks/hub.py reports the ratios.
    assert hub_seconds < 5 and compare_seconds < 5


LIVE = """
import keras, numpy as np, perceptinb as pnb
live_hub = pnb.Hub("hub-e2e-live.sqlite")
rng = np.random.default_rng(0)
xs = rng.random((4096, 8)).astype("float32")
ys = (xs.sum(axis=1) > 4).astype("int32")
net = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64, activation="relu"),
                        keras.layers.Dense(2, activation="softmax")], name="live")
"""

_JS_CHIP = """() => {
  const chip = document.querySelector('.pnb-hub-row[data-run-id="1"] .pnb-chip');
  return chip ? chip.textContent : null;
}"""


def test_a_running_run_updates_live_in_the_hub(lab_page, lab_server):
    page = lab_page
    lab.write_notebook(lab_server.root_dir, "hub-e2e-live.ipynb", [LIVE])
    lab.open_notebook(page, lab_server, "hub-e2e-live.ipynb")
    assert lab.run_all_cells(page) is True
    lab.run_cell(page, "live_hub")
    page.wait_for_selector(".pnb-hub[data-ready]")
    lab.run_cell(page, "run = pnb.train(net, xs, ys, epochs=30, hub=live_hub, display=False)")
    page.wait_for_function(f"() => /^running \\d+%$/.test(({_JS_CHIP})() || '')", timeout=60_000)
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = page.evaluate(_JS_CHIP)
        seen.add(text)
        if text == "complete":
            break
        time.sleep(0.25)
    running = sorted(t for t in seen if t and t.startswith("running"))
    assert "complete" in seen, seen
    assert len(running) >= 2, f"the percent should move while training: {seen}"
    lab.screenshot(page, "hub-live", page.locator(".pnb-hub").last)
    lab.assert_no_cell_errors(page)
