"""to_code: readable functional-API code that rebuilds the same architecture."""

from __future__ import annotations

import subprocess
import sys

import keras
import pytest
from models import APPLICATIONS, SMALL_MODELS, application
from test_keras_bridge import _layer_summary

import perceptinb as pnb


def rebuild(code: str) -> keras.Model:
    namespace: dict = {}
    exec(compile(code, "<to_code>", "exec"), namespace)
    return namespace["model"]


def check(model: keras.Model) -> str:
    code = pnb.Graph.from_keras(model).to_code()
    rebuilt = rebuild(code)
    assert _layer_summary(rebuilt) == _layer_summary(model)
    assert rebuilt.count_params() == model.count_params()
    return code


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_small_models(name: str) -> None:
    check(SMALL_MODELS[name]())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ResNet50", "MobileNetV3Small", "ConvNeXtTiny", "NASNetMobile"])
def test_applications(name: str) -> None:
    assert name in APPLICATIONS
    check(application(name))


def test_code_is_readable_and_lint_clean(tmp_path) -> None:
    code = check(SMALL_MODELS["sequential_cnn"]())
    assert 'layers.Dense(units=10, activation="softmax", name="dense"),' in code
    assert "kernel_initializer" not in code  # defaults are left out
    path = tmp_path / "model.py"
    path.write_text(code)
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(path)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_shared_layers_are_written_once() -> None:
    code = check(SMALL_MODELS["multi_io_shared_nested"]())
    assert code.count("layers.Dense(units=6") == 1
    assert "shared_layer(left)" in code and "shared_layer(right)" in code
