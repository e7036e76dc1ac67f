"""The dev harness (js/dev/harness.html and its fake kernel) still drives the built canvas.

`js/dev/shoot.py` is the quick loop for front-end work: no Jupyter, a fake kernel on the same
wire. It rotted twice when the wire changed (a renamed trait, a new call), so a few of its
scenes run here: settings load, drag/connect/disconnect/undo, an edit that re-previews only
the edited block and its descendants, and the inspector.
"""

from __future__ import annotations

import os
import subprocess
import sys

from .server import REPO_ROOT, chromium_path

SCENES = ["cnn-light", "interact", "previews-edit", "previews-light"]


def test_dev_harness_scenes_run_in_chromium():
    env = {**os.environ, "PERCEPTINB_CHROMIUM": chromium_path()}
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "js" / "dev" / "shoot.py"), *SCENES],
        capture_output=True, text=True, timeout=240, env=env, check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "interactions ok: ['move', 'connect', 'disconnect', 'undo']" in out
    assert "previews edit ok" in out
