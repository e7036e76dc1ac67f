"""Recording training runs into the hub: versions, metrics, weights, and kill -9 survival."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from training_helpers import digits, digits_cnn

import perceptinb as pnb
from perceptinb.hub import Hub
from perceptinb.hub.recorder import HubRecorder, resolve_hub


def _fit(model: keras.Model, recorder: HubRecorder, epochs: int = 3) -> keras.callbacks.History:
    x, y = digits(96)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.25, verbose=0,
                     callbacks=[recorder])


def test_a_fit_is_recorded_with_version_metrics_settings_and_weights(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub.sqlite")
    model = digits_cnn()
    recorder = HubRecorder(hub, settings={"note": "baseline"})
    history = _fit(model, recorder)
    run = hub.run(recorder.run_id)
    assert run.status == "complete" and run.epochs == 3 and run.epochs_done == 3
    assert run.name == "digits_cnn" and run.params == model.count_params()
    assert run.settings["optimizer"] == "Adam" and run.settings["note"] == "baseline"
    assert run.settings["learning_rate"] == pytest.approx(0.01)
    assert run.settings["loss"] == "sparse_categorical_crossentropy"
    recorded = hub.history(run.id)
    assert set(recorded) == set(history.history)
    for key, values in history.history.items():
        np.testing.assert_allclose(recorded[key], values, rtol=1e-6)
    assert run.summary["val_loss"]["best"] == pytest.approx(min(history.history["val_loss"]))
    steps = hub.metrics(run.id).query("key == 'loss'")["step"].tolist()
    assert steps == [3, 6, 9]  # 72 training samples / batch 32 = 3 steps per epoch
    assert run.weights and hub.versions()[0].params == model.count_params()
    x, _ = digits(4)
    reopened = hub.model(run.id)
    np.testing.assert_allclose(reopened.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    # The kernel-side hub draws nothing; the widget level (pnb.Hub) reopens it in a canvas.
    assert not hasattr(hub, "canvas") and isinstance(hub.source(run), keras.Model)
    canvas = pnb.Hub(hub.path).canvas(run)
    np.testing.assert_allclose(canvas.model.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert recorder.overhead["fit"] > 0


def test_versions_are_deduplicated_by_hash_and_keep_their_parent(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub.sqlite")
    _fit(digits_cnn(), HubRecorder(hub, keep_weights=False), epochs=1)
    _fit(digits_cnn(seed=1), HubRecorder(hub, keep_weights=False), epochs=1)  # same architecture
    wider = keras.Sequential(
        [keras.Input((8, 8, 1), name="image"),
         keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv"),
         keras.layers.MaxPooling2D(name="pool"), keras.layers.Flatten(name="flatten"),
         keras.layers.Dense(10, activation="softmax", name="dense")], name="digits_cnn")
    _fit(wider, HubRecorder(hub, keep_weights=False), epochs=1)
    runs, versions = hub.runs(), hub.versions("digits_cnn")
    assert [r.version for r in runs] == [1, 1, 2]
    assert [v.parent for v in versions] == [None, 1]
    assert not any(r.weights for r in runs)
    diff = versions[0].graph.diff(versions[1].graph)
    assert diff["changed"]["conv"]["filters"] == (4, 8)
    assert hub.version(versions[1].hash[:8]).id == 2 and hub.version("v2").id == 2
    with pytest.raises(Exception, match="was logged without a graph"):
        hub.model(hub.log_run("elsewhere", history={"loss": [1.0]}))


def test_resolve_hub_shares_one_default_hub_per_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PERCEPTINB_HUB", str(tmp_path / "default.sqlite"))
    assert resolve_hub(None) is resolve_hub(None)
    assert resolve_hub(None).path == (tmp_path / "default.sqlite").resolve()
    assert resolve_hub(False) is None
    with pytest.raises(TypeError, match="hub must be"):
        resolve_hub(3)


_TRAINER = """
import sys, time
import keras
sys.path.insert(0, {tests!r})
from training_helpers import digits, digits_cnn
from perceptinb.hub import Hub
from perceptinb.hub.recorder import HubRecorder

class Announce(keras.callbacks.Callback):
    # Runs before the recorder: the epoch is announced as finished before it is written,
    # so the parent knows the most epochs that could have been recorded at the kill.
    def on_epoch_end(self, epoch, logs=None):
        print("EPOCH", epoch, flush=True)
        time.sleep({pause})

x, y = digits(64)
model = digits_cnn()
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x, y, epochs=1000, batch_size=32, verbose=0,
          callbacks=[Announce(), HubRecorder(Hub({path!r}), name="killed")])
"""


def kill_during_training(path: Path, after_epochs: int, pause: float = 0.0,
                         extra_delay: float = 0.0) -> int:
    """Train in a subprocess and SIGKILL it once `after_epochs` epochs were announced (then
    `extra_delay` seconds later). Returns the number of epochs announced before the kill."""
    tests = str(Path(__file__).parent)
    code = textwrap.dedent(_TRAINER.format(tests=tests, path=str(path), pause=pause))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    announced = 0
    deadline = time.monotonic() + 180
    try:
        while announced < after_epochs and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("EPOCH"):
                announced += 1
        time.sleep(extra_delay)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    return announced + rest.count("EPOCH")


def test_kill_9_mid_training_leaves_a_crashed_run_with_every_finished_epoch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hub.sqlite"
    announced = kill_during_training(path, after_epochs=3)
    hub = Hub(path)
    (run,) = hub.runs()
    assert run.status == "crashed" and run.name == "killed"
    assert announced - 1 <= run.epochs_done <= announced
    assert len(hub.history(run.id)["loss"]) == run.epochs_done >= 2
    assert hub.store.read("PRAGMA integrity_check")[0][0] == "ok"
    assert not run.weights
