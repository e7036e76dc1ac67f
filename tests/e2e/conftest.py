"""Fixtures for browser tests: one JupyterLab server and one Chromium per session, a fresh page
per test.

Every test under tests/e2e gets the ``e2e`` marker. Without Chromium or Playwright the tests skip,
unless ``PERCEPTINB_E2E=1`` (CI), where a missing browser is an error, not a silent skip.
``PERCEPTINB_CHROMIUM`` points at another Chromium binary.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import lab
from .server import REPO_ROOT, LabServer, launch_browser, start_lab_server, unavailable_reason

E2E_DIR = Path(__file__).resolve().parent
_reports_key = pytest.StashKey[dict]()  # per-item {"setup"|"call"|"teardown": report}


def _forced() -> bool:
    return os.environ.get("PERCEPTINB_E2E", "") == "1"


def _require_browser_stack() -> None:
    reason = unavailable_reason()
    if reason is None:
        return
    if _forced():
        pytest.fail(f"PERCEPTINB_E2E=1 but browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = unavailable_reason()
    for item in items:
        if E2E_DIR not in Path(str(item.path)).resolve().parents:
            continue  # this hook sees the whole session's items
        item.add_marker(pytest.mark.e2e)
        if reason is not None and not _forced():
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab server with the repo's notebooks/*.ipynb copied into ``root_dir``."""
    _require_browser_stack()
    server = start_lab_server(
        tmp_path_factory.mktemp("jupyterlab"), notebooks_from=REPO_ROOT / "notebooks"
    )
    try:
        yield server
    finally:
        server.stop()
        leftover = server.kernel_pids()
        assert not leftover, f"kernel processes survived the server: {leftover}"


@pytest.fixture(scope="session")
def lab_browser(lab_server: LabServer) -> Iterator[Any]:
    """Headless Debian Chromium (Playwright sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def lab_page(
    lab_browser: Any, lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A new page in a fresh browser context. Afterwards: a screenshot if the test failed, then
    kernels are shut down and user settings (theme, ...) reset, so tests do not leak into each
    other."""
    context = lab_browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    lab.watch_console(page)
    try:
        yield page
    finally:
        report = request.node.stash.get(_reports_key, {}).get("call")
        if report is not None and report.failed:
            name = "FAILED-" + re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            try:
                print("screenshot:", lab.screenshot(page, name))
            except Exception as exc:
                print("screenshot failed:", exc)
            print("console errors:", *lab.console_errors(page), sep="\n  ")
        context.close()
        lab_server.shutdown_all_kernels()
        lab_server.reset_user_settings()
