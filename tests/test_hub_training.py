"""Training records into the hub by default: pnb.train, Canvas.train and pnb.LiveCallback."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from training_helpers import digits, digits_cnn

import perceptinb as pnb
from perceptinb.hub import Hub

X, Y = digits(96)


class _Broken(keras.utils.PyDataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int):
        if index == 2:
            raise ValueError("corrupt record in batch 2")
        return X[index * 16 : index * 16 + 16], Y[index * 16 : index * 16 + 16]


def test_pnb_train_records_the_run_its_tests_and_exports(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub.sqlite")
    run = pnb.train(digits_cnn(), X, Y, epochs=2, display=False, hub=hub, title="baseline")
    assert run.id == 1  # known as soon as train() returns
    run.wait(timeout=120)
    record = hub.run(run.id)
    assert record.status == "complete" and record.name == "baseline" and record.weights
    assert record.settings["batch_size"] == 32 and record.settings["epochs"] == 2
    assert record.settings["validation_split"] == 0.2 and record.settings["optimizer"] == "Adam"
    for key, values in run.history.items():
        np.testing.assert_allclose(hub.history(run.id)[key], values, rtol=1e-6)
    result = run.test(X[:40], Y[:40])
    assert hub.run(run.id).tests[-1]["metrics"]["accuracy"] == pytest.approx(
        result.metrics["accuracy"])
    exported = run.export(tmp_path / "model.tflite", format="tflite", quantize="dynamic")
    assert exported.max_abs_diff < 0.05 and hub.run(run.id).exported == ["tflite"]
    reopened = hub.model(run.id)
    np.testing.assert_allclose(reopened.predict(X[:4], verbose=0),
                               run.model.predict(X[:4], verbose=0), atol=1e-6)


def test_hub_false_records_nothing_and_a_failed_run_is_recorded_failed(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub.sqlite")
    quiet = pnb.train(digits_cnn(), X, Y, epochs=1, display=False, hub=False).wait(timeout=120)
    assert quiet.id is None and quiet.status == "complete" and hub.runs() == []
    broken = pnb.train(digits_cnn(), _Broken(), epochs=2, display=False, hub=hub,
                       keep_weights=True).wait(timeout=120)
    assert broken.status == "failed"
    record = hub.run(broken.id)
    assert record.status == "failed" and "corrupt record in batch 2" in record.message
    assert not record.weights  # a failed run keeps no weights


def test_the_default_hub_comes_from_the_environment() -> None:
    run = pnb.train(digits_cnn(), X, Y, epochs=1, display=False).wait(timeout=120)
    assert pnb.Hub().run(run.id).status == "complete"


def test_canvas_runs_snapshot_versions_with_their_parent(tmp_path: Path) -> None:
    hub = pnb.Hub(tmp_path / "hub.sqlite")  # the widget level: it reopens runs in canvases
    canvas = pnb.Canvas(digits_cnn(), sample=X[:1])
    first = canvas.train(X, Y, epochs=1, hub=hub, display=False).wait(timeout=120)
    canvas.apply({"op": "set", "node": "conv", "key": "filters", "value": 6})
    second = canvas.train(X, Y, epochs=1, hub=hub, display=False).wait(timeout=120)
    a, b = hub.run(first.id), hub.run(second.id)
    assert a.version != b.version and hub.version(b.version).parent == a.version
    diff = pnb.compare(first, second).graph_diff
    assert diff["changed"]["conv"]["filters"] == (4, 6)
    restored = hub.canvas(second.id)
    np.testing.assert_allclose(restored.model.predict(X[:2], verbose=0),
                               canvas.model.predict(X[:2], verbose=0), atol=1e-6)


def test_live_callback_in_a_plain_fit_records_too(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub.sqlite")
    model = digits_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    callback = pnb.LiveCallback(hub=hub, display=False)
    model.fit(X, Y, epochs=2, batch_size=32, verbose=0, callbacks=[callback])
    (record,) = hub.runs()
    assert record.status == "complete" and record.epochs_done == 2 and record.weights
    assert callback.hub_recorder.overhead["fit"] > 0
