"""Training in a real JupyterLab and Chromium: the live dashboard, its Stop / Pause / Resume
buttons in the default mode, the test view, both themes (screenshots under
test-artifacts/screenshots)."""

from __future__ import annotations

import time

from . import lab

# The issue asks for the quickstart itself to be trained: its cells define x, y and `canvas`.
NOTEBOOK = "01-quickstart.ipynb"

# Points drawn in the loss chart (both lines), the progress value and the status of the last
# dashboard on the page.
_JS_DASHBOARD = """() => {
  const all = document.querySelectorAll('.pnb-dashboard');
  const d = all[all.length - 1];
  if (!d) return null;
  const bar = d.querySelector('.pnb-progress');
  const status = d.querySelector('.pnb-run-status');
  let points = 0;
  for (const p of d.querySelectorAll('.pnb-chart-loss path.line')) {
    const path = p.getAttribute('d') || '';
    points += (path.match(/[ML]/g) || []).length;
  }
  return {points, progress: bar ? Number(bar.getAttribute('aria-valuenow')) : -1,
          status: status ? status.dataset.status : null};
}"""


def _dashboard(page):
    return page.locator(".pnb-dashboard").last


def _sample(page) -> dict:
    return page.evaluate(_JS_DASHBOARD) or {"points": 0, "progress": -1, "status": None}


def _wait_drawn(page, root, *selectors: str) -> None:
    """Wait until bqplot has drawn each selector with a non-empty size (it draws once a tab is
    shown and laid out, a moment after the click)."""
    page.wait_for_function(
        """([el, sels]) => sels.every(s => [...el.querySelectorAll(s)].some(n => {
             const r = n.getBoundingClientRect();
             const fig = n.closest('.bqplot');  // bqplot keeps a figure hidden until laid out
             return (r.width > 0 || r.height > 0) &&
               (!fig || getComputedStyle(fig).visibility === 'visible'); }))""",
        arg=[root.element_handle(), list(selectors)],
        timeout=15_000,
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_live_dashboard_test_view_and_controls(lab_page, lab_server):
    page = lab_page
    lab.open_notebook(page, lab_server, NOTEBOOK)
    assert lab.run_all_cells(page) is True
    lab.assert_no_cell_errors(page)

    # Three epochs of the quickstart CNN: the cell returns at once, the loss line gains points
    # while the kernel is idle, and the progress reaches 100.
    lab.run_cell(page, "run = canvas.train(x, y, epochs=3, batch_size=32)")
    samples, deadline = [], time.monotonic() + 90
    while time.monotonic() < deadline:
        sample = _sample(page)
        samples.append(sample)
        if sample["status"] == "complete" and sample["progress"] == 100:
            break
        time.sleep(0.1)
    points = [s["points"] for s in samples]
    assert samples[-1]["status"] == "complete", samples[-8:]
    assert samples[-1]["progress"] == 100
    grew = sorted(set(points))
    assert len(grew) >= 3 and grew[-1] > 40, f"loss line points over time: {points}"
    assert points == sorted(points), "points only get added"
    assert lab.run_cell(page, "print(run.status, len(run.history['loss']))").strip() == (
        "complete 3"
    )
    dashboard = _dashboard(page)
    dashboard.scroll_into_view_if_needed()
    _wait_drawn(page, dashboard, ".pnb-chart-accuracy path.line", ".pnb-chart-lr path.line")
    lab.screenshot(page, "dashboard-light", dashboard)
    tabs = dashboard.locator(".lm-TabBar-tab, .p-TabBar-tab")
    tabs.nth(1).click()
    dashboard.locator(".pnb-pick-node").first.wait_for(state="visible")
    dashboard.locator('.pnb-pick-node[data-node-id="conv_2"]').click()
    page.wait_for_function(
        "(el) => el.querySelector('.pnb-layers .pnb-caption').textContent.includes('conv_2')",
        arg=dashboard.element_handle(),
    )
    assert lab.run_cell(page, "print(run.dashboard.layers.picker.selected)").strip() == "conv_2"
    _wait_drawn(page, dashboard, ".pnb-layer-histogram rect.bar", ".pnb-layer-weights path.line")
    lab.screenshot(page, "dashboard-layers-light", dashboard)
    tabs.nth(2).click()
    dashboard.locator(".pnb-output .pnb-caption b").first.wait_for(state="visible")
    _wait_drawn(page, dashboard, ".pnb-output-bars rect.bar", ".pnb-output-trend path.line")
    lab.screenshot(page, "dashboard-output-light", dashboard)
    tabs.nth(0).click()

    lab.run_cell(page, "result = run.test(x[-400:], y[-400:])\nresult")
    test_view = page.locator(".pnb-test-view").last
    test_view.locator(".pnb-metric").first.wait_for(state="visible")
    accuracy = test_view.locator('.pnb-metric[data-metric="accuracy"] .pnb-metric-value')
    expected = lab.run_cell(page, "print(f\"{100 * result.metrics['accuracy']:.1f} %\")").strip()
    assert accuracy.text_content() == expected
    assert test_view.locator(".pnb-table tbody tr").count() == 10
    test_view.scroll_into_view_if_needed()
    _wait_drawn(page, test_view, ".pnb-confusion text", ".pnb-per-class rect.bar")
    lab.screenshot(page, "test-view-light", test_view)

    lab.set_theme(page, "dark")
    lab.screenshot(page, "test-view-dark", test_view)
    dashboard.scroll_into_view_if_needed()
    lab.screenshot(page, "dashboard-dark", dashboard)
    background = dashboard.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), background
    tabs.nth(1).click()
    _wait_drawn(page, dashboard, ".pnb-layer-histogram rect.bar")
    lab.screenshot(page, "dashboard-layers-dark", dashboard)
    tabs.nth(2).click()
    _wait_drawn(page, dashboard, ".pnb-output-bars rect.bar")
    lab.screenshot(page, "dashboard-output-dark", dashboard)
    lab.set_theme(page, "light")

    # A long run in the default mode: Pause holds it, Resume continues, Stop ends it within a
    # few seconds. Each click reaches the kernel because the cell is not busy.
    lab.run_cell(page, "long_run = canvas.train(x, y, epochs=500, batch_size=16)")
    dashboard = _dashboard(page)
    dashboard.scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => {{ const s = ({_JS_DASHBOARD})(); return s && s.status === 'running' "
        "&& s.progress > 0; }",
        timeout=60_000,
    )
    dashboard.locator(".pnb-pause").click()
    dashboard.locator('.pnb-run-status[data-status="paused"]').wait_for(timeout=10_000)
    held = _sample(page)["progress"]
    time.sleep(1.0)
    assert _sample(page)["progress"] == held
    assert lab.run_cell(page, "print(long_run.status)").strip() == "paused"
    # The canvas is locked while its run trains (paused included): edits are refused.
    assert "stop the run first" in lab.run_cell(page, "print(canvas.locked)")
    lab.screenshot(page, "dashboard-paused-light", dashboard.locator(".pnb-dash-header"))
    dashboard.locator(".pnb-resume").click()
    page.wait_for_function(
        f"(held) => {{ const s = ({_JS_DASHBOARD})(); return s.status === 'running' "
        "&& s.progress > held; }",
        arg=held,
        timeout=30_000,
    )
    clicked = time.monotonic()
    dashboard.locator(".pnb-stop").click()
    dashboard.locator('.pnb-run-status[data-status="stopped"]').wait_for(timeout=10_000)
    assert time.monotonic() - clicked < 5
    assert lab.run_cell(page, "print(long_run.status, long_run.done)").strip() == "stopped True"
    assert lab.run_cell(page, "print(repr(canvas.locked))").strip() == "''"
    assert "Stopped by you" in dashboard.locator(".pnb-dash-message").text_content()
    assert dashboard.locator(".pnb-stop").is_disabled()
    lab.assert_no_cell_errors(page)
    errors = [m for m in lab.console_errors(page) if "perceptinb" in m or "dashboard" in m]
    assert not errors, errors
