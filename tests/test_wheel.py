"""The wheel a user installs: built from a clean clone, it carries the bundles and needs no Node.

The build runs the hatch hook (npm install + esbuild) in a fresh `git clone` of the committed
tree, so a bundle that only exists in this working copy cannot make the test pass. The wheel is
then installed into a new virtual environment, and a process with nothing but that venv on PATH
(no node, no npm) draws a canvas from it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

def _bundles(root: Path) -> list[str]:
    """Every widget bundle js/build.mjs makes (its ENTRIES), each with its stylesheet."""
    entries = re.search(r"const ENTRIES = \{(.*?)\};", (root / "js/build.mjs").read_text(), re.S)
    names = re.findall(r"^\s*(\w+): \"src/", entries.group(1), re.M)
    assert {"canvas", "dashboard"} <= set(names), names
    return [f"{name}.{ext}" for name in names for ext in ("js", "css")]


CHECK = """
import os, shutil, sys
assert shutil.which("node") is None and shutil.which("npm") is None, os.environ["PATH"]
import keras
import perceptinb as pnb
from perceptinb.widgets import assets
assert pnb.__file__.startswith(sys.prefix), ("perceptinb must come from the wheel", pnb.__file__)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="dense")])
canvas = pnb.Canvas(model)
esm = str(canvas._esm)
assert esm != assets.missing_bundle("canvas") and "bundle is missing" not in esm, esm[:200]
assert esm == (assets.STATIC / "canvas.js").read_text()
assert len(esm) > 20_000 and str(canvas._css).strip(), "the bundle and its stylesheet"
assert [n["id"] for n in canvas.graph_view["nodes"]] == ["input_layer", "dense"]
print("rendered", len(esm), "bytes of canvas.js from", pnb.__file__)
"""


def _run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{args} failed:\n{output}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in ("git", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"building the wheel needs {tool}")
    base = tmp_path_factory.mktemp("wheel")
    clone = base / "clone"
    _run(["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", str(clone)])
    assert not (clone / "perceptinb" / "static" / "canvas.js").exists()  # git-ignored: built here
    # npm reuses its cache; the registry is only asked for what the cache lacks.
    env = {**os.environ, "npm_config_prefer_offline": "true", "npm_config_audit": "false",
           "npm_config_fund": "false"}
    dist = base / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist),
          str(clone)], env=env)
    (built,) = dist.glob("perceptinb-*.whl")
    return built


def test_the_wheel_carries_the_built_bundles(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    clone = wheel.parent.parent / "clone"
    for bundle in _bundles(clone):
        assert f"perceptinb/static/{bundle}" in names, sorted(n for n in names if "static" in n)
    assert not any(n.startswith(("js/", "tests/")) for n in names)


def test_the_canvas_renders_from_the_wheel_without_node(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-deps", str(wheel)])
    # Dependencies (Keras, anywidget...) come from this environment, appended after the new
    # venv's own site-packages: only perceptinb itself comes from the wheel. A path listed in
    # a .pth file is not scanned for .pth files, so this environment's editable install of
    # perceptinb stays out.
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib]).strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {"PATH": str(venv / "bin"), "HOME": os.environ.get("HOME", str(tmp_path)),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = _run([str(python), "-c", CHECK], cwd=tmp_path, env=env)
    assert f"from {site}" in out, out
