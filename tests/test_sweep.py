"""Sweeps on a real local Dask cluster of spawned worker processes.

One two-worker cluster serves the whole module (each spawned worker imports TensorFlow, several
seconds on a busy machine). Models are tiny and data generated, so a trial takes about a second.
"""

from __future__ import annotations

import os
import signal
import time

import keras
import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter

import perceptinb as pnb
from perceptinb import sweeps
from perceptinb.codec import decode
from perceptinb.sweeps import executor as executors

pytestmark = pytest.mark.timeout(300)


def tiny_model(reshape: bool = False) -> keras.Model:
    middle = [keras.layers.Reshape((2, 4), name="reshape"), keras.layers.Flatten(name="flat")]
    return keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(8, activation="relu", name="hidden"),
         *(middle if reshape else []), keras.layers.Dense(3, activation="softmax", name="out")],
        name="tiny",
    )


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)
    return x, y


@pytest.fixture(scope="module")
def client():
    client = executors.local_client(2)
    client.wait_for_workers(2, timeout=60)
    deadline = time.monotonic() + 120
    while len(executors.warm_reports(client)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    yield client
    executors.close_local()


def wait_for(condition, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_local_cluster_is_started_once_and_reused(client):
    assert executors.local_client() is client
    reports = executors.warm_reports(client)
    assert set(reports) == set(client.scheduler_info()["workers"])
    assert all(r["tensorflow_import_s"] > 0 for r in reports.values())
    threads = client.run(lambda: os.environ.get("TF_NUM_INTRAOP_THREADS"))
    assert set(threads.values()) == {"1"}


def test_an_objective_no_trial_reports_is_named(client, data):
    # Started below the widget layer (perceptinb.sweeps, not pnb.sweep): numbers only.
    sweep = sweeps.sweep(tiny_model(), *data, space={"hidden.units": [4]}, epochs=1, hub=False,
                         objective="val_acc")
    sweep.wait(120)
    trial = sweep.trials[0]
    assert trial.status == "complete" and trial.best is None and sweep.best is None
    assert "'val_acc'" in trial.message and "val_accuracy" in trial.message
    assert DisplayFormatter().format(sweep)[0] == {
        "text/plain": "<Sweep 'tiny': 1/1 trials finished>"}
    with pytest.raises(RuntimeError, match="Expected it from pnb.sweep"):
        _ = sweep.widget


def test_trials_train_fail_and_diverge_independently(client, data, tmp_path):
    hub = pytest.importorskip("perceptinb.hub").Hub(tmp_path / "hub.sqlite")
    space = {"reshape.target_shape": [[2, 4], [3, 3]], "learning_rate": [0.01, 1e9],
             "optimizer": ["sgd"]}
    sweep = pnb.sweep(tiny_model(reshape=True), *data, space=space, epochs=2, hub=hub)
    sweep.wait(120)
    status = {tuple(t.params["reshape.target_shape"]) + (t.params["learning_rate"],): t.status
              for t in sweep.trials}
    assert status == {(2, 4, 0.01): "complete", (2, 4, 1e9): "diverged",
                      (3, 3, 0.01): "failed", (3, 3, 1e9): "failed"}
    failed = sweep.trials[2]
    assert "'reshape' failed" in failed.message and "target_shape=(3, 3)" in failed.message
    done = sweep.trials[0]
    assert len(done.history["val_loss"]) == 2 and done.epoch == 2
    assert sweep.best is done and done.model().count_params() > 0
    assert {r["tensorflow_import_s"] > 0 for r in sweep.workers.values()} == {True}
    runs = {r.id: r for r in hub.runs()}
    assert {runs[t.run_id].status for t in sweep.trials} == {"complete", "diverged", "failed"}
    assert hub.history(done.run_id)["val_loss"] == pytest.approx(done.history["val_loss"])
    assert hub.weights_path(done.run_id) is not None
    check_widget(sweep)


def check_widget(sweep):
    """The view's state and calls, over the RPC wire, without a browser."""
    assert "application/vnd.jupyter.widget-view+json" in DisplayFormatter().format(sweep)[0]
    view = sweep.widget.view
    sent = []
    view.send = lambda content, buffers=None: sent.append((content, buffers))
    view.rpc.receive({"kind": "rpc", "id": 1, "method": "state", "params": {}})
    reply, buffers = sent[-1]
    state = reply["result"]
    assert reply["ok"] and state["finished"] == state["total"] == 4 and state["done"]
    assert [r["status"] for r in state["rows"]] == [t.status for t in sweep.trials]
    assert state["best"] == 0 and state["keys"] == list(sweep.trials[0].params)
    curve = decode(state["curves"][0]["value"], buffers)
    assert curve.tolist() == pytest.approx(sweep.trials[0].history["val_loss"])
    view.rpc.receive({"kind": "rpc", "id": 2, "method": "compare", "params": {"trials": [0, 1]}})
    assert sent[-1][0]["ok"] and sent[-1][0]["result"] == {"compared": [0, 1]}, sent[-1][0]
    comparison = sweep.compare([0, 1])  # the hub's comparison of both, shown as its widget
    assert list(comparison.table.index)[:2] != []
    assert "application/vnd.jupyter.widget-view+json" in DisplayFormatter().format(comparison)[0]
    view.rpc.receive({"kind": "rpc", "id": 3, "method": "stop", "params": {"trial": 9}})
    assert not sent[-1][0]["ok"] and "trial in [0, 4)" in sent[-1][0]["error"]


def test_metrics_stream_while_trials_run_then_stop_one_and_all(client, data):
    sweep = pnb.sweep(tiny_model(), *data, space={"hidden.units": [4, 8, 16]}, epochs=400,
                      hub=False)
    first, second = sweep.trials[0], sweep.trials[1]
    wait_for(lambda: first.status == "running" and second.status == "running"
             and first.epoch >= 2 and len(second.batches) > 0, what="two running trials")
    assert not first.done and len(first.history["loss"]) >= 2  # live, before the trial ends
    assert sweep.trials[2].status == "queued"

    sweep.stop(1)
    assert second.status == "stopped" and first.status == "running"
    started = time.monotonic()
    sweep.stop()
    stop_seconds = time.monotonic() - started
    assert [t.status for t in sweep.trials] == ["stopped", "stopped", "stopped"]
    assert stop_seconds < 5  # the target is 1 s on an idle machine (benchmarks/sweep.py)
    assert not any(client.processing().values())  # no trial holds a worker
    sweep.wait(10)
    assert sweep.done and sweep.stream_stats["gaps"] == 0
    assert sweep.stream_stats["reordered"] == 0


def test_killed_worker_reruns_only_its_trial_as_a_new_attempt(client, data):
    sweep = pnb.sweep(tiny_model(), *data, space={"hidden.units": [4, 8]}, epochs=25,
                      max_concurrent=2, hub=False)
    victim = sweep.trials[0]
    wait_for(lambda: victim.status == "running" and victim.epoch >= 1, what="a running trial")
    pids = client.run(os.getpid)
    os.kill(pids[victim.worker], signal.SIGKILL)
    killed = time.time()
    wait_for(lambda: sweep.faults, timeout=10, what="the dead worker detected")
    assert sweep.faults[0]["trials"] == [0]
    assert sweep.faults[0]["detected"] - killed < 5
    sweep.wait(240)
    assert victim.status == "complete" and victim.attempt == 2
    assert sweep.trials[1].attempt == 1 and sweep.trials[1].status == "complete"
    # The rerun's metrics only: every epoch once, no batch from the dead attempt.
    assert len(victim.history["loss"]) == 25
    epochs_seen = [e for e, _, _ in victim.batches]
    assert epochs_seen == sorted(epochs_seen) and epochs_seen[0] == 0
    assert all(t.done for t in sweep.trials)


def test_early_stopping_prunes_poor_trials_and_reports_savings(client, data):
    space = {"learning_rate": [0.05, 0.02, 0.01, 1e-6, 1e-7]}
    # One at a time, so the rule always has the first three finished trials to compare with.
    sweep = pnb.sweep(tiny_model(), *data, space=space, epochs=6, early_stopping=True,
                      max_concurrent=1, hub=False, objective="loss")
    sweep.wait(240)
    statuses = [t.status for t in sweep.trials]
    assert statuses[:3] == ["complete"] * 3
    assert statuses[3:] == ["pruned", "pruned"]
    # Judged after a third of 6 epochs; the stop lands within the next epoch of these tiny ones.
    assert all(3 <= t.epoch < 6 for t in sweep.trials[3:])
    assert 0 < sweep.savings["saved_fraction"] <= 6 / 30
    assert sweep.best.index in (0, 1, 2)
