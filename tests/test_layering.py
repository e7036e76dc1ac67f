"""The kernel-side modules sit strictly below the widgets.

Everything outside `perceptinb/widgets/` (and the package's public face, `perceptinb/__init__.py`,
whose lazy table points at the widget-level entry points) computes, records and trains without
importing `perceptinb.widgets`, anywidget, ipywidgets or bqplot, not even lazily inside a
function: the widget layer hands its views in (`training.views`, `hub.views`, `sweeps.views`).
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import perceptinb as pnb

WIDGET_MODULES = ("perceptinb.widgets", "anywidget", "ipywidgets", "bqplot")
PACKAGE = pathlib.Path(pnb.__file__).parent


def kernel_side_modules() -> list[pathlib.Path]:
    return [
        path for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "widgets" and path != PACKAGE / "__init__.py"
    ]


def imported_names(source: str, package: str) -> list[str]:
    """Every module `source` (a module of `package`) imports, anywhere in it: top level, inside
    functions, relative imports resolved, and constant names passed to
    ``importlib.import_module``/``__import__``."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # from .x import y / from ..widgets import z
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.append(node.args[0].value)
    return names


def package_of(path: pathlib.Path) -> str:
    return ".".join(("perceptinb", *path.relative_to(PACKAGE).parts[:-1]))


def _is_widget_module(name: str) -> bool:
    return any(name == w or name.startswith(w + ".") for w in WIDGET_MODULES)


def test_no_kernel_side_module_imports_a_widget_module() -> None:
    modules = kernel_side_modules()
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in modules for name in imported_names(path.read_text(), package_of(path))
        if _is_widget_module(name)
    ]
    # The walk covers every kernel-side package (not a vacuous pass over an empty list).
    tops = {path.relative_to(PACKAGE).parts[0] for path in modules}
    assert {"hub", "sweeps", "training", "preview", "graph.py", "commands.py"} <= tops
    assert offenders == []


def test_the_check_finds_lazy_relative_and_dynamic_widget_imports() -> None:
    # A module that hides its widget imports in every way the check knows.
    source = (
        "import importlib\n"
        "from perceptinb.hub import store\n"
        "def view():\n"
        "    from ..widgets.canvas import Canvas\n"
        "    import ipywidgets as w\n"
        "    return importlib.import_module('anywidget'), Canvas, w\n"
    )
    found = [n for n in imported_names(source, "perceptinb.hub") if _is_widget_module(n)]
    assert found == ["perceptinb.widgets.canvas", "perceptinb.widgets.canvas.Canvas",
                     "ipywidgets", "anywidget"]
    assert not _is_widget_module("perceptinb.widgetsmith") and _is_widget_module("bqplot.pyplot")


def test_importing_the_kernel_side_loads_no_widget_library() -> None:
    code = (
        "import sys\n"
        "import perceptinb, perceptinb.hub, perceptinb.hub.compare, perceptinb.hub.export\n"
        "import perceptinb.sweeps\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('anywidget', 'ipywidgets', 'bqplot') or m.startswith('perceptinb.widgets'))\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout
