"""Where every widget finds its built front end: perceptinb/static, bundled by js/build.mjs.

The bundles ship inside the wheel (the build hook runs esbuild), so a user never needs Node. A
source checkout that was never built still imports: the widget then renders one line saying how
to build the bundle, instead of failing with a blank cell.
"""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"


def missing_bundle(name: str) -> str:
    """A stand-in ES module that shows, in the cell, that ``static/<name>.js`` was not built."""
    return f"""
export default {{ render({{ el }}) {{
  el.innerHTML = '<div class="pnb-missing-bundle" style="color:var(--jp-error-color1,#c00);' +
    'padding:8px">perceptinb: the {name} bundle is missing. Build it with <code>make js</code> ' +
    '(or reinstall the package).</div>';
}} }};
"""


def esm(name: str) -> pathlib.Path | str:
    """The ``_esm`` of a widget: ``static/<name>.js``, or the `missing_bundle` stand-in."""
    path = STATIC / f"{name}.js"
    return path if path.exists() else missing_bundle(name)


def css(name: str) -> pathlib.Path | str:
    """The ``_css`` of a widget: ``static/<name>.css``, or no style at all."""
    path = STATIC / f"{name}.css"
    return path if path.exists() else ""
