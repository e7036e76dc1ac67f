"""The fused preview path (summaries inside the compiled forward pass) against the numpy path."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

import perceptinb as pnb
from perceptinb.preview.engine import PreviewEngine


class EagerOnly(layers.Layer):
    """Reads its input's values in numpy: fine eagerly, impossible inside a tf.function."""

    def call(self, x):
        return keras.ops.convert_to_tensor(np.asarray(x) * 2.0)

    def compute_output_shape(self, shape):
        return shape


class ArgMax(layers.Layer):
    """Integer output (token ids): a kind the fused path leaves to numpy."""

    def call(self, x):
        return keras.ops.argmax(x, axis=-1)

    def compute_output_shape(self, shape):
        return shape[:-1]


class Log(layers.Layer):
    """NaN for negative inputs, -inf for zeros: the non-finite statistics."""

    def call(self, x):
        return keras.ops.log(x)


def small_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    image = keras.Input((8, 8, 3), name="image")
    conv = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(image)
    # 8x8 -> 74x74: thumbnails are pooled (grid tiles 4x4 blocks, RGB 2x2) with cropped edges.
    big = layers.ZeroPadding2D(1, name="pad")(layers.UpSampling2D(9, name="up")(conv))
    rgb = layers.Conv2D(3, 3, padding="same", name="rgb")(big)
    maps = layers.Conv2D(20, 3, padding="same", name="maps")(conv)
    logged = Log(name="log")(maps)
    eager = EagerOnly(name="eager")(maps)
    flat = layers.Flatten(name="flat")(eager)
    dense = layers.Dense(10, name="dense")(flat)
    pooled = layers.GlobalAveragePooling2D(name="gap")(rgb)
    return keras.Model(image, [dense, ArgMax(name="argmax")(dense), pooled, logged])


def previews_by_path(canvas: pnb.Canvas, path: str) -> dict:
    canvas._previews.engine.fused = path
    canvas.refresh_previews()
    return dict(canvas.previews), canvas.preview_stats


@pytest.fixture(scope="module")
def canvas() -> pnb.Canvas:
    sample = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype("float32")
    canvas = pnb.Canvas(small_model(), sample=sample)
    assert canvas.previews  # the first previews stream in on a thread: let them finish
    return canvas


def test_both_paths_give_the_same_previews(canvas) -> None:
    numpy_previews, numpy_stats = previews_by_path(canvas, "never")
    fused_previews, fused_stats = previews_by_path(canvas, "always")
    assert numpy_stats["path"] == "numpy"
    # The eager-only layer, its descendants and the integer output fall back to numpy.
    assert fused_stats["path"] == "mixed"
    assert fused_stats["recomputed"] == numpy_stats["recomputed"] == len(canvas.graph.nodes)
    assert set(fused_previews) == set(numpy_previews) == set(canvas.graph.nodes)
    kinds = {nid: p.kind for nid, p in numpy_previews.items()}
    assert {"rgb", "grid", "bars", "tokens"} <= set(kinds.values())
    for nid, expected in numpy_previews.items():
        got = fused_previews[nid]
        assert (got.kind, got.shape, got.grid, got.error) == (
            expected.kind, expected.shape, expected.grid, expected.error
        ), nid
        assert got.data.dtype == expected.data.dtype and got.data.shape == expected.data.shape
        difference = np.abs(got.data.astype(np.float64) - expected.data.astype(np.float64))
        assert difference.max() <= (1 if got.data.dtype == np.uint8 else 1e-2), nid
        assert got.value_range == pytest.approx(expected.value_range, rel=1e-5, abs=1e-6), nid
        # float32 sums in a different order: tolerance relative to the values' magnitude.
        scale = max(abs(expected.stats["min"]), abs(expected.stats["max"]), 1.0)
        for stat, value in expected.stats.items():
            assert got.stats[stat] == pytest.approx(value, rel=1e-4, abs=1e-5 * scale), (
                nid, stat
            )
    assert numpy_previews["log"].stats["nan"] > 0  # the NaN-aware branch was compared too


def test_auto_compiles_once_numpy_refreshes_have_cost_as_much() -> None:
    sample = np.random.default_rng(2).standard_normal((1, 8, 8, 3)).astype("float32")
    canvas = pnb.Canvas(small_model(), sample=sample)
    assert canvas.previews  # the first previews (streamed on a thread) are done
    engine = canvas._previews.engine
    assert engine.fused == "auto"
    canvas.refresh_previews()
    assert canvas.preview_stats["path"] == "numpy"  # compiling would cost far more
    spent = engine._numpy_spent
    assert spent > 0
    # As if compiling cost what the numpy refreshes so far cost: the next one compiles.
    engine.compile_seconds_per_node = spent / len(canvas.graph.nodes)
    canvas.refresh_previews()
    assert canvas.preview_stats["path"] == "mixed"
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 6})
    assert canvas.preview_stats["path"] == "numpy"  # edits stay on the incremental path
    engine.compile_seconds_per_node = 1.0
    canvas.refresh_previews()  # a new structure: its own compile has not paid yet
    assert canvas.preview_stats["path"] == "numpy"
    assert canvas.previews["dense"].shape == (6,)


def test_a_layer_failing_in_the_fused_path_keeps_every_preview() -> None:
    sample = np.random.default_rng(1).standard_normal((1, 8, 8, 3)).astype("float32")
    canvas = pnb.Canvas(small_model(), sample=sample)
    expected = dict(canvas.previews)
    canvas._previews.engine.fused = "always"
    canvas.refresh_previews()
    previews = canvas.previews
    assert set(previews) == set(expected)
    assert all(p.error is None and p.data is not None for p in previews.values())
    # The eager-only layer ran on the numpy path with the fused function's input for it.
    np.testing.assert_allclose(
        previews["eager"].stats["mean"], 2 * previews["maps"].stats["mean"], rtol=1e-4
    )


def test_a_fused_function_that_fails_falls_back_to_numpy(canvas, monkeypatch) -> None:
    from perceptinb.preview import fused

    def broken(self, sample):
        raise RuntimeError("compiled pass failed")

    monkeypatch.setattr(fused.FusedRunner, "run", broken)
    engine = canvas._previews.engine
    engine.fused = "always"
    engine._runner = ("", None)
    canvas.refresh_previews()
    assert canvas.preview_stats["path"] == "numpy"
    assert set(canvas.previews) == set(canvas.graph.nodes)


def test_unknown_fused_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Expected fused to be .* Received: fused='sometimes'"):
        PreviewEngine(fused="sometimes")
