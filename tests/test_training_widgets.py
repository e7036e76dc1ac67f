"""The dashboard's pure parts and widgets: bounded series, the rate limiter, the panels, and the
header's Stop / Pause / Resume calls over the RPC."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from browser_stub import BrowserStub
from training_helpers import digits, digits_cnn, wait_for

import perceptinb as pnb
from perceptinb.training.control import Control
from perceptinb.training.minimap import minimap_graph
from perceptinb.training.notebook import describe_error
from perceptinb.training.publisher import RateLimiter
from perceptinb.training.series import BatchSeries, BatchValues, Smoother
from perceptinb.training.settings import TrainingSettings
from perceptinb.training.state import RunState
from perceptinb.widgets.dashboard_parts import DashboardHeader
from perceptinb.widgets.layer_panels import output_kind

X, Y = digits(200)


def test_batch_series_stays_bounded_and_keeps_the_mean():
    series = BatchSeries(capacity=64)
    n = 100_000
    for i in range(n):
        series.append(float(i), float(i % 10))
    x, y = series.arrays()
    assert len(x) <= 64 + 1 and series.nbytes() == 2 * 64 * 8
    assert series.stride >= n // 64
    assert np.all(np.diff(x) > 0)
    assert x[0] < n / 64 and x[-1] > n - n / 32
    assert float(np.mean(y)) == pytest.approx(4.5, abs=0.05)
    with pytest.raises(ValueError):
        BatchSeries(capacity=5)


def test_batch_values_are_recovered_from_running_means():
    rng = np.random.default_rng(0)
    values = rng.random(20)
    recover = BatchValues(recoverable=True)
    running = np.cumsum(values) / np.arange(1, 21)
    out = [recover(float(m), i + 1) for i, m in enumerate(running)]
    np.testing.assert_allclose(out, values, rtol=1e-9)
    recover.new_epoch()
    assert recover(0.7, 1) == pytest.approx(0.7)
    # steps_per_execution > 1: the mean over the skipped batches.
    recover.new_epoch()
    recover(1.0, 2)
    assert recover(2.0, 4) == pytest.approx(3.0)
    assert BatchValues(recoverable=False)(0.3, 5) == 0.3
    smooth = Smoother(0.5)
    assert smooth(4.0) == pytest.approx(4.0)  # debiased: the first value is itself


def test_rate_limiter_window():
    limiter = RateLimiter(10)
    assert limiter.allowance(0.0) == 10
    limiter.record(0.0, 7)
    assert limiter.allowance(0.5) == 3
    limiter.record(0.6, 3)
    assert limiter.allowance(0.9) == 0
    assert limiter.allowance(1.0) == 7  # the first seven left the window
    assert limiter.allowance(1.7) == 10


def test_output_kind():
    kind, p, truth = output_kind(np.array([0.1, 0.7, 0.2]), 1)
    assert kind == "classes" and truth == 1 and p[1] == pytest.approx(0.7)
    kind, p, truth = output_kind(np.array([2.0, 0.0]), np.array([0, 1]))  # logits, one-hot
    assert kind == "classes" and truth == 1 and p.sum() == pytest.approx(1)
    assert output_kind(np.array([0.8]), 1.0)[0] == "classes"  # sigmoid
    kind, values, truth = output_kind(np.array([1.5, -2.0]), np.array([1.0, -1.0]))
    assert kind == "values" and values.tolist() == [1.5, -2.0]


def test_minimap_graph_of_sequential_and_functional_models():
    graph = minimap_graph(digits_cnn())
    ids = [n["id"] for n in graph["nodes"]]
    assert ids == ["image", "conv", "pool", "flatten", "dense"]
    assert {(e["src"], e["dst"]) for e in graph["edges"]} == {
        ("image", "conv"), ("conv", "pool"), ("pool", "flatten"), ("flatten", "dense")}
    assert [n["weights"] for n in graph["nodes"]] == [False, True, False, False, True]
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    merged = keras.layers.Concatenate(name="cat")([keras.layers.Dense(3, name="da")(a), b])
    model = keras.Model([a, b], keras.layers.Dense(1, name="out")(merged))
    graph = minimap_graph(model)
    assert {(e["src"], e["dst"]) for e in graph["edges"]} == {
        ("a", "da"), ("da", "cat"), ("b", "cat"), ("cat", "out")}


def test_describe_error_keeps_the_cause():
    wrapped = RuntimeError(
        "Graph execution error:\n\nDetected at node X\nTraceback (most recent call last):\n"
        "  File 'x.py', line 3\nValueError: corrupt record 7\n\t [[{{node PyFunc}}]]")
    assert describe_error(wrapped) == "ValueError: corrupt record 7"
    assert describe_error(KeyError("k")) == "KeyError: 'k'"


def test_dashboard_panels_after_a_run():
    model = digits_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    live = pnb.LiveCallback(probe=(X[:16], Y[:16]), gradients=True, display=False)
    model.fit(X, Y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[live])
    live.wait_published(10)
    dash = live.dashboard
    assert "pnb-dashboard" in dash._dom_classes
    header = dash.header.state
    assert header["status"] == "complete" and header["epoch"] == 3 and header["progress"] == 100
    assert header["controls"] is False  # the run ended
    # Curves: loss and accuracy charts with three epoch points (train and validation rows).
    charts = dash.curves.charts
    assert set(charts) == {"loss", "accuracy"}
    epoch_y = charts["loss"].epoch.y
    assert epoch_y.shape == (2, 3) and np.all(np.isfinite(epoch_y))
    assert len(charts["loss"].batch.x) == 3 * 10
    assert len(dash.curves.lr_line.y) >= 3 and np.allclose(dash.curves.lr_line.y, 1e-3)
    # Layers: the picker lists the model, the first weighted layer is shown.
    layers = dash.layers
    assert layers.picker.selected == "conv"
    assert [n["id"] for n in layers.picker.graph["nodes"]][:2] == ["image", "conv"]
    dash.tabs.selected_index = 1
    assert layers.stats["weights"].y.shape == (3, 3)
    assert layers.stats["gradients"].y.shape == (3, 3)
    assert layers.epoch.max == 3 and layers.epoch.value == 3
    layers.picker.selected = "dense"
    assert "dense" in layers.caption.value
    layers.kind.value = "bias"
    assert len(layers.hist_bars.y) == 24
    layers.epoch.value = 1
    first = layers.hist_bars.y.copy()
    layers.epoch.value = 3
    assert not np.array_equal(first, layers.hist_bars.y)
    # Output: the first sample as an 8x8 image, prediction vs truth bars.
    dash.tabs.selected_index = 2
    output = dash.output
    assert output.image.color.shape == (8, 8)
    assert output.bars.y.shape == (2, 10) and output.bars.y[1, Y[0]] == 1
    assert f"ground truth <b>{Y[0]}</b>" in output.caption.value
    output.epoch.value = 1
    assert "Epoch 1" in output.caption.value
    # The buttons of an ended run are refused with the reason, and change nothing.
    reply, _ = BrowserStub(dash.header).call("control", action="stop")
    assert reply["ok"] is False
    assert reply["error"] == "The run has already ended (complete): there is nothing to stop."
    assert not live.control.stop_requested


def test_dashboard_buttons_pause_resume_and_stop_a_run_through_the_rpc():
    run = pnb.train(digits_cnn(), X, Y, epochs=10_000, batch_size=8)
    browser = BrowserStub(run.dashboard.header)
    try:
        wait_for(lambda: run.callback.state.step > 0, what="first batch")
        reply, _ = browser.call("control", action="pause")
        assert reply["ok"] and reply["result"] == {"action": "pause", "status": "running"}
        wait_for(lambda: run.status == "paused", what="paused")
        reply, _ = browser.call("control", action="resume")
        assert reply["ok"] and reply["result"]["status"] == "paused"
        wait_for(lambda: run.status == "running", what="running again")
        reply, _ = browser.call("control", action="restart")
        assert reply["error"] == ("Call 'control': expected params.action to be one of stop, "
                                  "pause, resume. Received: action='restart'.")
        reply, _ = browser.call("control")
        assert not reply["ok"] and "expected params.action" in reply["error"]
        assert run.status == "running"  # a refused call changes nothing
        reply, _ = browser.call("control", action="stop")
        assert reply["ok"]
        assert run.wait(timeout=10).status == "stopped"
        reply, _ = browser.call("control", action="resume")
        assert reply["error"] == "The run has already ended (stopped): there is nothing to resume."
    finally:
        run.stop()


def test_dashboard_buttons_before_the_run_starts_are_refused():
    control = Control()
    header = DashboardHeader(RunState(), control)
    reply, _ = BrowserStub(header).call("control", action="pause")
    assert reply["error"] == "The run has not started yet (pending): there is nothing to pause."
    assert not control.pause_requested


def test_training_panel_edits_settings_and_trains():
    canvas = pnb.Canvas(digits_cnn())
    panel = canvas.training_panel(X, Y)
    assert "pnb-training-panel" in panel._dom_classes
    panel.fields["epochs"].value = 2
    panel.fields["learning_rate"].value = 0.01
    panel.fields["optimizer"].value = "sgd"
    settings = panel.settings
    assert (settings.epochs, settings.learning_rate, settings.optimizer) == (2, 0.01, "sgd")
    panel.fields["validation_split"].value = 0.9  # the field's bound, and a valid split
    assert settings.validation_split == 0.9 and panel.message.value == ""
    panel.fields["validation_split"].value = 0.95  # beyond the field's bound: clamped
    assert settings.validation_split == 0.9
    panel.fields["validation_split"].value = 0.2
    assert settings.validation_split == 0.2
    panel.button.click()
    run = panel.run
    assert run is not None and panel.button.disabled
    assert panel.children[-1] is run.dashboard
    run.wait(timeout=60)
    wait_for(lambda: not panel.button.disabled, what="button re-enabled")
    assert run.status == "complete" and run.epoch == 2
    assert float(run.model.optimizer.learning_rate) == pytest.approx(0.01)
    assert type(run.model.optimizer).__name__ == "SGD"


def test_training_settings_validation():
    settings = TrainingSettings()
    with pytest.raises(ValueError, match="epochs"):
        settings.update(epochs=0)
    with pytest.raises(ValueError, match="Unknown"):
        settings.update(momentum=0.9)
    with pytest.raises(ValueError, match="loss"):
        settings.update(loss="hinge_plus")
    assert settings.epochs == 10  # nothing changed
