"""Helpers that drive JupyterLab 4 in a Playwright page; e2e tests use these, not raw selectors.

Every wait is for a concrete state (kernel idle, a numbered prompt, a theme attribute), never a
sleep. The server runs with ``expose_app_in_browser``, so ``window.jupyterapp`` gives the same
commands the menus call and the kernel state without scraping the status bar.

Timeouts are in seconds.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import nbformat

from .server import ARTIFACTS_DIR, LabServer

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
SCREENSHOT_DIR = ARTIFACTS_DIR / "screenshots"
THEMES = {"dark": "JupyterLab Dark", "light": "JupyterLab Light"}

# JavaScript shared by the waits. `nb()` is the notebook panel in the main area.
_JS_PRELUDE = """
const app = window.jupyterapp;
const nb = () => {
  const w = app && app.shell.currentWidget;
  return w && w.content && w.sessionContext ? w : null;
};
const kernel = () => {
  const w = nb();
  return w && w.sessionContext.session ? w.sessionContext.session.kernel : null;
};
"""


def _js(params: str, body: str) -> str:
    """A JavaScript arrow function with ``_JS_PRELUDE`` in scope."""
    return f"({params}) => {{{_JS_PRELUDE}{body}}}"


_JS_OPEN_STATE = _js(
    "path",
    """
    const dialog = document.querySelector('.jp-Dialog');
    if (dialog) return {dialog: dialog.innerText};
    const w = nb(), k = kernel();
    if (!w || w.context.path !== path || !w.context.isReady) return false;
    if (!k || k.status !== 'idle' || k.connectionStatus !== 'connected') return false;
    return {id: w.id};
""",
)

_JS_SETTLED_IDLE = _js(
    "settle",
    """
    const k = kernel(), w = nb();
    const running = w && [...w.node.querySelectorAll('.jp-InputArea-prompt')]
      .some(p => p.textContent.includes('*'));
    if (!k || k.status !== 'idle' || k.connectionStatus !== 'connected' || running) {
      window.__pnbIdleSince = null;
      return false;
    }
    window.__pnbIdleSince = window.__pnbIdleSince || performance.now();
    return performance.now() - window.__pnbIdleSince >= settle;
""",
)

_JS_NEXT_CELL_INDEX = _js(
    "",
    """
    const cs = nb().content.widgets, last = cs[cs.length - 1];
    const blank = last && last.model.type === 'code' && !last.model.sharedModel.getSource()
      && last.model.outputs.length === 0 && last.model.executionCount === null;
    return blank ? cs.length - 1 : cs.length;
""",
)

_JS_CELL_ERRORS = _js(
    "",
    """
    const out = [];
    const w = nb();
    if (!w) return out;
    w.content.widgets.forEach((cell, i) => {
      if (!cell.model.outputs) return;
      for (const o of cell.model.outputs.toJSON()) {
        if (o.output_type === 'error') {
          out.push(`cell ${i}: ${o.ename}: ${o.evalue}\\n` + (o.traceback || []).join('\\n'));
        } else if (o.output_type === 'stream' && o.name === 'stderr') {
          const text = Array.isArray(o.text) ? o.text.join('') : String(o.text);
          if (text.includes('Traceback (most recent call last)')) {
            out.push(`cell ${i}: ${text}`);
          }
        }
      }
    });
    return out;
""",
)

_JS_KERNEL_STATE = _js(
    "",
    """
    const k = kernel(), w = nb();
    return {notebook: w && w.context.path, kernel: k && k.status,
            connection: k && k.connectionStatus,
            prompts: w ? [...w.node.querySelectorAll('.jp-InputArea-prompt')]
              .map(p => p.textContent.trim()) : null};
""",
)


def write_notebook(root: Path, name: str, cells: Iterable[str | Any]) -> Path:
    """Write ``root/name`` with one code cell per string (nbformat cells pass through as is).

    The python3 kernelspec is set: without it JupyterLab opens "Select Kernel" and blocks.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
    path = Path(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def open_notebook(
    page: Page, server: LabServer, name: str, *, timeout: float = 90, sidebar: bool = False
) -> Locator:
    """Load ``/lab/tree/NAME?reset`` and wait until the notebook is shown and its kernel idle.

    ``reset`` starts from an empty workspace, so no earlier tabs are restored. The left sidebar is
    collapsed unless ``sidebar`` is true, which gives outputs a stable, wider area.
    Returns the notebook panel.
    """
    page.goto(server.url_for("lab/tree/" + quote(name), "reset"))
    state = page.wait_for_function(
        _JS_OPEN_STATE,
        arg=name,
        timeout=timeout * 1000,
        polling=100,
    ).json_value()
    if "dialog" in state:
        raise AssertionError(
            f"a dialog blocks {name!r} (a notebook without metadata.kernelspec opens "
            f"'Select Kernel'; use write_notebook):\n{state['dialog']}"
        )
    if not sidebar:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    panel = page.locator(f"[id={state['id']!r}]")
    panel.locator(".jp-Notebook").wait_for(state="visible")
    return panel


def notebook(page: Page) -> Locator:
    """The notebook panel in the main area (the current one)."""
    panel_id = page.evaluate(_js("", "const w = nb(); return w && w.id;"))
    if not panel_id:
        raise AssertionError("no notebook is open in the main area")
    return page.locator(f"[id={panel_id!r}]")


def cells(page: Page) -> Locator:
    """All cells of the current notebook, in order (windowing is off, so all are attached)."""
    return notebook(page).locator(".jp-Notebook-cell")


def wait_kernel_idle(page: Page, timeout: float = 120, settle: float = 0.2) -> None:
    """Wait until the kernel is connected and idle, and no cell shows ``[*]``, for ``settle`` s.

    The settle time covers the moment between a request being sent and the kernel turning busy.
    """
    page.evaluate("() => { window.__pnbIdleSince = null; }")  # forget an earlier wait's idle
    try:
        page.wait_for_function(
            _JS_SETTLED_IDLE,
            arg=settle * 1000,
            timeout=timeout * 1000,
            polling=50,
        )
    except Exception as exc:
        raise AssertionError(f"kernel not idle after {timeout}s: {_kernel_state(page)}") from exc


def run_all_cells(page: Page, timeout: float = 300) -> bool:
    """Run every cell (the command behind Run → Run All Cells) and wait until all are done.

    Returns False when a cell raised (JupyterLab then stops and leaves later cells unrun);
    ``cell_errors`` says which.
    """
    page.evaluate(
        """() => {
          window.__pnbRunAll = null;
          window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            ok => { window.__pnbRunAll = {ok: ok !== false}; },
            err => { window.__pnbRunAll = {ok: false, error: String(err)}; });
        }"""
    )
    try:
        result = page.wait_for_function(
            "() => window.__pnbRunAll", timeout=timeout * 1000, polling=100
        ).json_value()
    except Exception as exc:
        state = _kernel_state(page)
        raise AssertionError(f"Run All did not finish in {timeout}s: {state}") from exc
    if "error" in result:
        raise AssertionError(f"Run All failed: {result['error']}")
    wait_kernel_idle(page, timeout)
    return bool(result["ok"])


def run_cell(page: Page, code: str, timeout: float = 120) -> str:
    """Append a code cell, enter ``code``, run it with Shift+Enter; return its output text.

    The cell's editor is clicked first: after a click on a widget the focus sits in the output,
    where Shift+Enter would do nothing. ``insert_text`` bypasses CodeMirror's bracket closing
    and auto-indent; the model is checked and set directly if the editor still changed the text.
    """
    all_cells = cells(page)
    # Shift+Enter on the last cell leaves a new empty one below; reuse it rather than pile up.
    index = page.evaluate(_JS_NEXT_CELL_INDEX)
    if index == all_cells.count():
        notebook(page).locator(".jp-Notebook-footer").click()  # "Click to add a cell."
    cell = all_cells.nth(index)
    cell.wait_for(state="attached")
    cell.locator(".cm-content").click()
    page.wait_for_function(
        """(i) => {
          const a = document.activeElement;
          return a && a.classList.contains('cm-content') &&
            a.closest('.jp-Notebook-cell') === window.jupyterapp.shell.currentWidget
              .content.widgets[i].node;
        }""",
        arg=index,
    )
    page.keyboard.insert_text(code)
    source_js = "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel"
    if page.evaluate(source_js + ".getSource()", index) != code:
        page.evaluate(f"([i, code]) => ({source_js})(i).setSource(code)", [index, code])
    page.keyboard.press("Shift+Enter")
    prompt = cell.locator(".jp-InputArea-prompt")
    try:
        page.wait_for_function(
            "(el) => /^\\[\\d+\\]:?$/.test(el.textContent.trim())",
            arg=prompt.element_handle(),
            timeout=timeout * 1000,
            polling=50,
        )
    except Exception as exc:
        raise AssertionError(
            f"cell {index} did not finish in {timeout}s (prompt {prompt.text_content()!r}): "
            f"{_kernel_state(page)}"
        ) from exc
    wait_kernel_idle(page, timeout)
    return cell_output(page, index)


def cell_output(page: Page, index: int) -> str:
    """The rendered text of all outputs of cell ``index`` (0-based; negative from the end)."""
    all_cells = cells(page)
    if index < 0:
        index += all_cells.count()
    return "".join(all_cells.nth(index).locator(".jp-OutputArea-output").all_inner_texts())


def cell_errors(page: Page) -> list[str]:
    """Errors shown in the current notebook's outputs, one string per error, empty if none.

    Counts ``error`` outputs (exceptions, including SyntaxError, whose traceback has no
    "Traceback" line) and stderr streams that carry a Python traceback.
    """
    raw = page.evaluate(_JS_CELL_ERRORS)
    return [_strip_ansi(text) for text in raw]


def assert_no_cell_errors(page: Page) -> None:
    errors = cell_errors(page)
    assert not errors, "errors in cell outputs:\n\n" + "\n\n".join(errors)


def set_theme(page: Page, theme: str, timeout: float = 30) -> None:
    """Switch to "dark" or "light" (or a full theme name), as Settings → Theme does.

    Waits until ``body[data-jp-theme-name]`` names it and its CSS variables are applied.
    Themes are user settings and persist on the server; the ``lab_page`` fixture resets them.
    """
    name = THEMES.get(theme, theme)
    page.evaluate(
        "(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})",
        name,
    )
    page.wait_for_function(
        """(name) => {
          const b = document.body;
          if (b.dataset.jpThemeName !== name) return false;
          const light = b.dataset.jpThemeLight === 'true';
          const probe = document.createElement('div');
          probe.style.color = 'var(--jp-layout-color0)';
          b.appendChild(probe);
          const rgb = getComputedStyle(probe).color.match(/\\d+/g).map(Number);
          probe.remove();
          const luma = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255;
          return light ? luma > 0.5 : luma < 0.5;
        }""",
        arg=name,
        timeout=timeout * 1000,
        polling=50,
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screenshot(page: Page, name: str, locator: Locator | None = None) -> Path:
    """Save ``test-artifacts/screenshots/NAME.png`` of the page or of one element."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".png")
    target = locator if locator is not None else page
    target.screenshot(path=str(path), animations="disabled")
    return path


_console: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def watch_console(page: Page) -> None:
    """Start recording the page's console errors and uncaught exceptions (the fixture does this)."""
    messages = _console.setdefault(page, [])
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: messages.append(f"uncaught: {exc}"))


def console_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions since ``watch_console`` (JupyterLab logs a few of
    its own, so filter for what the test cares about, e.g. ``"perceptinb" in message``)."""
    return list(_console.get(page, []))


def _kernel_state(page: Page) -> str:
    try:
        return str(page.evaluate(_JS_KERNEL_STATE))
    except Exception as exc:  # the page may be gone; the original error matters more
        return f"(state unavailable: {exc})"


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
