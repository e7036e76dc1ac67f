"""Training runs: status transitions, controls, interrupts, data types, the LiveCallback, and
the canvas lock during its runs."""

from __future__ import annotations

import _thread
import signal
import threading
import time

import keras
import numpy as np
import pytest
from training_helpers import digits, digits_cnn, wait_for

import perceptinb as pnb
from perceptinb.training import state as st
from perceptinb.training.publisher import Publisher, Update

X, Y = digits()


def test_canvas_run_completes_and_refreshes_thumbnails_every_epoch():
    canvas = pnb.Canvas(digits_cnn())
    refreshed = []
    original = canvas.refresh_previews
    canvas.refresh_previews = lambda: (refreshed.append(1), original())
    run = canvas.train(X, Y, epochs=3, batch_size=32)
    assert run.wait(timeout=120) is run and run.done
    assert run.status == "complete", run.message
    assert run.epoch == 3 and len(refreshed) == 3
    assert set(run.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in run.history.values())
    # A loss of a few epochs on digits falls.
    assert run.history["loss"][-1] < run.history["loss"][0]
    header = run.dashboard.header.state
    assert header["status"] == "complete" and header["progress"] == 100
    assert "pnb-dashboard" in run.dashboard._dom_classes
    # The canvas' layers were trained: the canvas model predicts like the run's model.
    np.testing.assert_allclose(canvas.model.predict(X[:4], verbose=0),
                               run.model.predict(X[:4], verbose=0), rtol=1e-5)
    # One run at a time per canvas; a new one may start once it ended.
    assert "complete" in repr(run)


def test_second_run_while_training_is_refused_and_stop_returns_quickly():
    canvas = pnb.Canvas(digits_cnn())
    run = canvas.train(X, Y, epochs=10_000, batch_size=8)
    wait_for(lambda: run.status == "running" and run.callback.state.step > 0, what="running")
    with pytest.raises(RuntimeError, match="still training"):
        canvas.train(X, Y, epochs=1)
    start = time.monotonic()
    assert run.stop() == "stopped"
    assert time.monotonic() - start < 5
    assert run.done and "Stopped by you" in run.message
    assert run.dashboard.header.state["status"] == "stopped"
    progress = run.callback.state.progress()
    assert 0 < progress < 100


def test_pause_holds_training_and_resume_continues():
    run = pnb.train(digits_cnn(), X, Y, epochs=10_000, batch_size=8, display=False)
    wait_for(lambda: run.callback.state.step > 2, what="first batches")
    run.pause()
    wait_for(lambda: run.status == "paused", what="paused")
    with run.callback.state.lock:
        held = (run.callback.state.epoch, run.callback.state.step)
    time.sleep(0.4)
    with run.callback.state.lock:
        assert (run.callback.state.epoch, run.callback.state.step) == held
        assert run.callback.state.paused_since > 0
    run.resume()
    wait_for(lambda: run.status == "running", what="running again")
    wait_for(lambda: (run.callback.state.epoch, run.callback.state.step) != held, what="progress")
    run.stop()
    assert run.status == "stopped"
    # A stop while paused also works (the paused thread wakes up to stop).
    run2 = pnb.train(digits_cnn(), X, Y, epochs=10_000, batch_size=8, display=False)
    wait_for(lambda: run2.callback.state.step > 0, what="first batch")
    run2.pause()
    wait_for(lambda: run2.status == "paused", what="paused")
    assert run2.stop(timeout=10) == "stopped"


def test_absurd_learning_rate_diverges_and_says_so():
    run = pnb.train(digits_cnn(), X, Y, epochs=20, optimizer="sgd", learning_rate=1e20,
                    display=False)
    run.wait(timeout=60)
    assert run.status == "diverged"
    assert "Diverged" in run.message and "learning rate" in run.message
    assert run.epoch < 20
    assert run.dashboard.header.state["status"] == "diverged"
    assert run.dashboard.header.state["message"] == run.message


class BrokenBatches(keras.utils.PyDataset):
    def __init__(self) -> None:
        super().__init__()

    def __len__(self) -> int:
        return 10

    def __getitem__(self, index: int):
        if index == 3:
            raise ValueError("corrupt record in batch 3")
        return X[index * 16 : index * 16 + 16], Y[index * 16 : index * 16 + 16]


def test_exception_in_the_data_pipeline_fails_the_run_with_its_message():
    run = pnb.train(digits_cnn(), BrokenBatches(), epochs=3, display=False)
    run.wait(timeout=60)
    assert run.status == "failed"
    assert "corrupt record in batch 3" in run.message
    assert isinstance(run.error, Exception) and "ValueError" in run.traceback + run.message
    assert run.dashboard.header.state["status"] == "failed"
    unfinished = pnb.train(digits_cnn(), X, Y, epochs=1, display=False, background=True)
    with pytest.raises(RuntimeError, match="finished run"):
        unfinished.test(X, Y)
    assert unfinished.wait(timeout=60).status == "complete"


class BrokenFirstBatch(BrokenBatches):
    def __getitem__(self, index: int):
        raise ValueError("unreadable shard")


def test_a_run_failing_before_its_first_batch_shows_it_on_a_dashboard_built_before():
    # The probe reads the first batch before fit begins: the run fails while still "pending".
    built = []
    run = pnb.train(digits_cnn(), BrokenFirstBatch(), epochs=2, background=False,
                    before_start=lambda run: built.append(run.dashboard))
    assert run.status == "failed" and "unreadable shard" in run.message
    assert built[0] is run.dashboard
    assert run.dashboard.header.state["status"] == "failed"
    assert run.dashboard.header.state["message"] == run.message


def test_tf_data_pipeline_error_is_shown_without_tensorflow_noise():
    import tensorflow as tf

    def bad(x, y):
        tf.debugging.assert_less(tf.reduce_max(x), -1.0, message="pixel out of range")
        return x, y

    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).map(bad).batch(32)
    run = pnb.train(digits_cnn(), dataset, epochs=2, display=False).wait(timeout=60)
    assert run.status == "failed"
    assert "pixel out of range" in run.message
    assert len(run.message) <= 500


@pytest.fixture
def sigint_default():
    """A kernel interrupt is a SIGINT with Python's default handler. A test runner started in the
    background of a non-interactive shell inherits SIGINT *ignored*, so `interrupt_main` would
    do nothing there: set the kernel's handler for the test, and put the inherited one back."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, inherited)


@pytest.mark.usefixtures("sigint_default")
def test_interrupt_during_wait_stops_the_run_cleanly():
    run = pnb.train(digits_cnn(), X, Y, epochs=10_000, batch_size=8, display=False)
    wait_for(lambda: run.callback.state.step > 0, what="first batch")
    threading.Timer(0.3, _thread.interrupt_main).start()
    run.wait(timeout=30)  # the KeyboardInterrupt lands here and is turned into a stop
    assert run.done and run.status == "stopped"
    assert run.message.startswith("Interrupted")


@pytest.mark.usefixtures("sigint_default")
def test_interrupt_during_a_foreground_run_stops_after_the_batch():
    # Interrupt once training is really under way: a fixed delay raced with model building on a
    # loaded machine, and an interrupt before the first batch is a different (earlier) path.
    timers: list[threading.Timer] = []

    def interrupt_soon(batch, logs):
        if not timers:
            timers.append(threading.Timer(0.2, _thread.interrupt_main))
            timers[0].start()

    run = pnb.train(digits_cnn(), X, Y, epochs=10_000, batch_size=8, background=False,
                    display=False,
                    callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=interrupt_soon)])
    assert run.done and run.status == "stopped" and run.message.startswith("Interrupted")
    assert run.error is None  # stopped between batches: nothing was torn mid-step
    # The SIGINT handler was restored: a new interrupt raises as usual.
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_dataframe_with_target_column_and_dataset_with_validation():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X.reshape(len(X), -1), columns=[f"p{i}" for i in range(64)])
    frame["digit"] = Y
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10, activation="softmax")])
    run = pnb.train(model, frame, "digit", epochs=2, display=False).wait(timeout=60)
    assert run.status == "complete" and "val_loss" in run.history
    assert run.callback.state.sample["y"] == Y[0]

    import tensorflow as tf

    train = tf.data.Dataset.from_tensor_slices((X[:300], Y[:300])).batch(32)
    val = tf.data.Dataset.from_tensor_slices((X[300:], Y[300:])).batch(32)
    run = pnb.train(digits_cnn(), train, validation_data=val, epochs=2,
                    display=False).wait(timeout=60)
    assert run.status == "complete" and "val_loss" in run.history
    assert run.callback.state.outputs.epochs == [1, 2]  # the probe came from the dataset


def test_bad_arguments_raise_before_anything_starts():
    model = digits_cnn()
    with pytest.raises(ValueError, match="epochs"):
        pnb.train(model, X, Y, epochs=0)
    with pytest.raises(ValueError, match="optimizer"):
        pnb.train(model, X, Y, optimizer="adamm")
    with pytest.raises(ValueError, match="same number of samples"):
        pnb.train(model, X, Y[:10])
    with pytest.raises(TypeError, match="needs targets"):
        pnb.train(model, X)
    import tensorflow as tf

    with pytest.raises(ValueError, match="validation_data instead"):
        pnb.train(model, tf.data.Dataset.from_tensor_slices((X, Y)).batch(8),
                  validation_split=0.3)
    assert not model.compiled


def test_live_callback_in_a_users_own_fit():
    model = digits_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    live = pnb.LiveCallback(probe=(X[:16], Y[:16]), gradients=True, display=False)
    history = model.fit(X, Y, epochs=3, batch_size=32, validation_split=0.25, verbose=0,
                        callbacks=[live])
    assert live.wait_published(10)
    assert live.status == "complete"
    for key, values in history.history.items():
        np.testing.assert_allclose(live.history[key], values, rtol=1e-6)
    state = live.state
    assert state.outputs.epochs == [1, 2, 3]
    assert state.outputs.predictions[-1].shape == (10,)
    for layer in ("conv", "dense"):
        assert state.layers.get(layer, "weights").epochs == [1, 2, 3]
        assert state.layers.get(layer, "bias").epochs == [1, 2, 3]
        grads = state.layers.get(layer, "gradients")
        assert grads.epochs == [1, 2, 3] and all(np.isfinite(grads.mean))
        edges, counts = grads.histograms[-1][1:]
        assert len(edges) == len(counts) + 1 and counts.sum() > 0
    assert "pool" not in state.layers.series  # no weights, no statistics
    # Batch-level series: one point per batch (270 samples / 32 = 9 batches an epoch), x in
    # epochs, ending at the last epoch.
    x_loss, y_loss = state.batch["loss"].arrays()
    assert len(x_loss) == 3 * 9 and x_loss[-1] == pytest.approx(3.0)
    assert np.all(np.isfinite(y_loss))
    overhead = live.overhead
    assert overhead["gradient_epochs"] == 3
    assert overhead["messages"] == 0 and not live.view.built  # display=False: numbers only
    assert 0 < overhead["hook_seconds"] < overhead["train_seconds"]
    # The same callback can be reused for another fit: it starts a fresh run.
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[live])
    assert live.wait_published(10) and live.state.epoch == 1 and live.status == "complete"


def test_live_callback_without_probe_says_how_to_get_the_output_view():
    model = digits_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    live = pnb.LiveCallback(display=False)
    model.fit(X[:64], Y[:64], epochs=1, verbose=0, callbacks=[live])
    live.wait_published(10)
    assert "probe" in live.state.note
    assert live.state.outputs.epochs == []
    assert "gradients" not in live.state.layers.series.get("conv", {})


def test_early_stopping_by_another_callback_is_a_complete_run_with_a_note():
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    run = pnb.train(digits_cnn(), X, Y, epochs=30, callbacks=[stopper], display=False)
    run.wait(timeout=60)
    assert run.status == "complete" and run.epoch < 30
    assert "Ended early" in run.callback.state.note


def test_widget_messages_stay_under_ten_per_second(monkeypatch):
    import ipywidgets

    comm_class = type(ipywidgets.Widget().comm)  # DummyComm here, ipykernel's Comm in a kernel
    sent: list[float] = []
    original = comm_class.publish_msg

    def record(self, *args, **kwargs):
        sent.append(time.monotonic())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(comm_class, "publish_msg", record)
    run = pnb.train(digits_cnn(), X, Y, epochs=6, batch_size=4, display=False)
    # Read during the run: built now (its widgets' creation is not a live update), then kept
    # current by the publisher.
    assert run.dashboard is not None
    start = time.monotonic()
    run.wait(timeout=120)
    assert run.status == "complete"
    during = [t for t in sent if t >= start]
    assert len(during) >= 5, "the dashboard should update while training"
    worst = max(sum(1 for u in during if t <= u < t + 1.0) for t in during)
    assert worst <= 10, f"{worst} messages in one second"
    # Memory stays bounded whatever the run length.
    assert all(len(s) <= s.capacity for s in run.callback.state.batch.values())


def test_publisher_never_exceeds_its_message_cap_whatever_the_source_offers():
    # A source with something new on every tick, far more than the cap: what is sent per second
    # is the limiter's decision alone, not the machine's speed.
    applied: list[float] = []

    class Flood:
        def updates(self, state, now, final=False):
            return [Update(f"part{i}", 2, lambda: applied.append(time.perf_counter()))
                    for i in range(4)]

    publisher = Publisher(st.RunState(), Flood(), max_per_second=10, interval=0.01)
    publisher.start()
    time.sleep(1.6)
    publisher.finish()
    publisher.join_finished(5)
    worst = max(sum(1 for u in applied if t <= u < t + 1.0) for t in applied)
    assert 2 * worst <= 10 and publisher.messages == 2 * len(applied)
    assert len(applied) >= 5  # the first window alone lets five 2-message updates through
    publisher.join(5)
    assert not publisher.is_alive()


def test_status_changes_only_along_the_status_machine():
    state = st.RunState()
    assert state.status == "pending"
    with pytest.raises(ValueError, match="Received: 'complete'"):
        state.transition("complete")  # a run that never ran cannot be complete
    assert state.status == "pending" and state.message == ""
    with pytest.raises(AttributeError):
        state.status = "running"  # no side door: transition() is the one place
    state.transition("running", now=10.0)
    state.transition("paused", now=12.0)
    with pytest.raises(ValueError, match="paused"):
        state.transition("diverged")  # a paused run computes nothing that could diverge
    state.transition("running", now=15.0)  # 3 s paused
    state.transition("stopped", "Stopped by you.", now=20.0)
    assert state.active_seconds() == pytest.approx(20.0 - 10.0 - 3.0)
    assert state.message == "Stopped by you." and not state.controls
    assert state.header()["status"] == "stopped"
    for status in st.STATUSES:  # an ended run stays ended
        with pytest.raises(ValueError):
            state.transition(status)
    state.reset()  # the next fit is a new run
    assert state.status == "pending" and state.message == ""


def test_live_callback_without_display_builds_no_widget(monkeypatch):
    import ipywidgets

    created: list[object] = []
    monkeypatch.setattr(ipywidgets.Widget, "_widget_construction_callback", None)
    ipywidgets.Widget.on_widget_constructed(created.append)
    model = digits_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    live = pnb.LiveCallback(probe=(X[:16], Y[:16]), display=False)
    model.fit(X[:64], Y[:64], epochs=2, verbose=0, callbacks=[live])
    assert live.status == "complete" and live.state.outputs.epochs == [1, 2]
    assert created == []
    # Asking for the dashboard builds it, drawn with the final state at once.
    dashboard = live.dashboard
    assert len(created) > 20 and dashboard.header.state["status"] == "complete"
    assert live.dashboard is dashboard


def test_canvas_is_locked_while_its_run_trains():
    canvas = pnb.Canvas(digits_cnn(), sample=X[:1])
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 11})
    before = canvas.graph.to_json()
    run = canvas.train(X, Y, epochs=10_000, batch_size=8)
    assert "stop the run first" in canvas.locked
    edits = [{"op": "set", "node": "dense", "key": "units", "value": 12}, {"op": "undo"},
             {"op": "redo"}, {"op": "remove", "node": "pool"}]
    for command in edits:
        with pytest.raises(pnb.CommandError, match="stop the run first"):
            canvas.apply(command)
    with pytest.raises(pnb.CommandError, match="stop the run first"):
        canvas.undo()
    assert canvas.graph.to_json() == before  # nothing changed
    # Reading still works while it trains.
    wait_for(lambda: run.callback.state.step > 0, what="first batch")
    assert set(canvas.graph.nodes) >= {"conv", "dense"} and "dense" in canvas.previews
    canvas.selected = "conv"  # selecting and inspecting too
    assert canvas.details["id"] == "conv"
    assert run.stop() == "stopped" and canvas.locked == ""
    canvas.undo()  # editable again: the edit made before the run is undone
    assert canvas.graph.nodes["dense"].settings["units"] == 10
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 12})
    assert canvas.graph.nodes["dense"].settings["units"] == 12


@pytest.mark.parametrize("ending", ["complete", "failed"])
def test_canvas_is_unlocked_however_the_run_ends(ending):
    canvas = pnb.Canvas(digits_cnn())
    data = (X[:64], Y[:64]) if ending == "complete" else (BrokenBatches(), None)
    run = canvas.train(*data, epochs=1).wait(timeout=60)
    assert run.status == ending and canvas.locked == ""
    canvas.apply({"op": "set", "node": "dense", "key": "units", "value": 12})
