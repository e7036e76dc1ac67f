"""TensorFlow's C++ start-up logs stay out of the notebook unless the user asked for them."""

from __future__ import annotations

import os
import subprocess
import sys

NOISE = ("cuInit", "oneDNN", "absl::InitializeLog", "cudart_stub", "cuda drivers")
FIRST_KERAS_CELL = """
import os, sys
import perceptinb
import keras
keras.ops.add(1.0, 2.0)  # the first op: TensorFlow looks for a GPU here
print("level", os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
print("loader", type(sys.modules["tensorflow"].__spec__.loader).__name__)
print("to stderr", file=sys.stderr)
"""


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
        env={**clean, **env}, check=True,
    )


def test_importing_perceptinb_first_keeps_tensorflow_quiet() -> None:
    result = _run(FIRST_KERAS_CELL)
    assert "level 3" in result.stdout and "loader _QuietLoader" in result.stdout
    assert not [word for word in NOISE if word in result.stderr], result.stderr
    assert "to stderr" in result.stderr  # only the log lines go, not what the user prints


def test_a_log_level_the_user_set_is_respected() -> None:
    result = _run(FIRST_KERAS_CELL, TF_CPP_MIN_LOG_LEVEL="0")
    assert "level 0" in result.stdout and "_QuietLoader" not in result.stdout
    # TensorFlow's own start-up lines are there, as the user asked.
    assert "absl::InitializeLog" in result.stderr or "I0000" in result.stderr, result.stderr


def test_only_cpp_log_lines_are_taken_from_descriptor_2() -> None:
    lines = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796043768.541286    3512 port.cc:153] oneDNN custom operations are on.",
        "E0000 00:00:1796043661.989478   26763 cuda_platform.cc:52] failed call to cuInit",
        "a warning the user must see",
    ]
    code = f"""
import os
from perceptinb.tf_logs import without_cpp_logs
with without_cpp_logs():
    for line in {lines!r}:
        os.write(2, line.encode() + b"\\n")
os.write(2, b"after\\n")
"""
    result = _run(code)
    assert result.stderr == "a warning the user must see\nafter\n"


def test_a_notebook_cell_that_imports_keras_shows_no_red_log_lines(monkeypatch) -> None:
    import nbclient
    import nbformat

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # the kernel inherits this env
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    nb.cells = [
        nbformat.v4.new_code_cell("import perceptinb as pnb"),
        nbformat.v4.new_code_cell("import keras\nkeras.ops.add(1.0, 2.0)"),
    ]
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3").execute()
    stderr = [o["text"] for c in nb.cells for o in c.outputs if o.get("name") == "stderr"]
    assert stderr == []
