"""Sweep planning, bad input, early stopping and the metric inbox: no cluster needed."""

from __future__ import annotations

import json
import queue
import threading
import time

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptinb as pnb
from perceptinb.sweeps import executor as executors
from perceptinb.sweeps.pruning import MedianStopping, epochs_saved
from perceptinb.sweeps.space import plan_trials
from perceptinb.sweeps.stream import TopicInbox

BASE = {"epochs": 2, "batch_size": 32, "validation_split": 0.2, "optimizer": "adam",
        "learning_rate": 0.001, "loss": "auto"}


def tiny_graph() -> pnb.Graph:
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(16, activation="relu", name="hidden"),
         keras.layers.Dense(3, activation="softmax", name="out")], name="tiny",
    )
    return pnb.Graph.from_keras(model)


def units_of(spec) -> int:
    nodes = {n["id"]: n for n in json.loads(spec.graph_json)["nodes"]}
    return nodes["hidden"]["settings"]["units"]


def test_import_does_not_load_tensorflow_or_dask():
    import subprocess
    import sys

    code = ("import sys, perceptinb; print('tensorflow' in sys.modules, 'distributed' in "
            "sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_grid_builds_every_combination_through_the_command_protocol():
    graph = tiny_graph()
    specs = plan_trials(graph, {"hidden.units": [4, 8], "learning_rate": [1e-3, 1e-2]},
                        base_settings=BASE)
    assert [(units_of(s), s.settings["learning_rate"]) for s in specs] == [
        (4, 1e-3), (4, 1e-2), (8, 1e-3), (8, 1e-2)]
    assert graph.nodes["hidden"].settings["units"] == 16  # the source graph is untouched
    assert [s.index for s in specs] == [0, 1, 2, 3]
    assert len(plan_trials(graph, {"hidden.units": [4, 8, 12]}, base_settings=BASE,
                           trials=2)) == 2


def test_random_draws_are_seeded_and_in_range():
    space = {"learning_rate": pnb.loguniform(1e-4, 1e-2), "hidden.units": pnb.randint(2, 5),
             "batch_size": [16, 32], "validation_split": pnb.uniform(0.1, 0.3)}
    a = plan_trials(tiny_graph(), space, base_settings=BASE, strategy="random", trials=12, seed=3)
    b = plan_trials(tiny_graph(), space, base_settings=BASE, strategy="random", trials=12, seed=3)
    assert [s.params for s in a] == [s.params for s in b]
    for spec in a:
        assert 1e-4 <= spec.settings["learning_rate"] <= 1e-2
        assert 2 <= units_of(spec) <= 5 and spec.settings["batch_size"] in (16, 32)
    assert len({s.params["learning_rate"] for s in a}) == 12


@pytest.mark.parametrize(
    ("space", "culprit"),
    [
        ({"nope.units": [4]}, "nope.units"),
        ({"hidden.nope": [4]}, "nope"),
        ({"hidden.units": [-3]}, "hidden.units"),
        ({"learning_rate": [-1.0]}, "learning_rate"),
        ({"optimizer": ["adamx"]}, "optimizer"),
        ({"hidden.units": []}, "hidden.units"),
        ({"momentum": [0.9]}, "momentum"),
    ],
)
def test_bad_keys_and_values_raise_command_error_naming_them(space, culprit):
    with pytest.raises(pnb.CommandError, match=culprit):
        plan_trials(tiny_graph(), space, base_settings=BASE)


def test_sweep_rejects_bad_input_before_any_cluster_starts(monkeypatch):
    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was contacted for bad input")

    monkeypatch.setattr(executors, "connect", no_cluster)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, name="out")])
    x, y = np.zeros((8, 8), "float32"), np.zeros(8, "int64")
    with pytest.raises(pnb.CommandError, match="dense_9.units"):
        pnb.sweep(model, x, y, space={"dense_9.units": [2]}, hub=False)
    with pytest.raises(ValueError, match="space is empty"):
        pnb.sweep(model, x, y, space={}, hub=False)
    with pytest.raises(ValueError, match="trials must be a positive integer"):
        pnb.sweep(model, x, y, space={"out.units": [2]}, trials=0, hub=False)
    with pytest.raises(ValueError, match="epochs=0"):
        pnb.sweep(model, x, y, space={"out.units": [2]}, epochs=0, hub=False)
    with pytest.raises(ValueError, match="mode='best'"):
        pnb.sweep(model, x, y, space={"out.units": [2]}, mode="best", hub=False)
    with pytest.raises(ValueError, match="grid needs lists"):
        pnb.sweep(model, x, y, space={"learning_rate": pnb.loguniform(1e-3, 1e-1)}, hub=False)
    with pytest.raises(TypeError, match=r"x\[.a.\] cannot be sent to the Dask workers.*lock"):
        pnb.sweep(model, {"a": threading.Lock()}, y, space={"out.units": [2]}, hub=False)
    with pytest.raises(TypeError, match="Dataset"):
        import tensorflow as tf

        pnb.sweep(model, tf.data.Dataset.from_tensor_slices(x), None,
                  space={"out.units": [2]}, hub=False)


def test_distributions_reject_bad_ranges():
    with pytest.raises(ValueError, match="low <= high"):
        pnb.uniform(2, 1)
    with pytest.raises(ValueError, match="0 < low"):
        pnb.loguniform(0, 1)
    with pytest.raises(ValueError, match="integers"):
        pnb.randint(0.5, 3)


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-8, 1e3), st.floats(1.0, 1e4), st.integers(0, 2**31))
def test_loguniform_stays_in_range(low, factor, seed):
    dist = pnb.loguniform(low, low * factor)
    value = dist.sample(np.random.default_rng(seed))
    assert low * (1 - 1e-9) <= value <= low * factor * (1 + 1e-9)


def test_unreachable_scheduler_fails_fast_and_clearly():
    started = time.monotonic()
    with pytest.raises(ConnectionError, match="Could not reach the Dask scheduler"):
        executors.connect("tcp://127.0.0.1:9")
    assert time.monotonic() - started < 10


def test_median_stopping_stops_only_trials_worse_than_the_median():
    rule = MedianStopping("val_loss", "min", grace_epochs=1, min_trials=3)
    for trial, curve in enumerate([[1.0, 0.5], [1.0, 0.6], [1.0, 0.7]]):
        assert [rule.report(trial, e, v) for e, v in enumerate(curve)] == [False, False]
    assert rule.report(3, 0, 2.0) is False  # within the grace epoch
    assert rule.report(3, 1, 1.5) is True  # its best 1.5 is worse than the median 0.6
    assert rule.report(4, 0, 0.9) is False and rule.report(4, 1, 0.4) is False
    rule.reset(3)
    assert rule.report(3, 0, 0.3) is False  # a rerun starts a fresh curve
    saved = epochs_saved({0: 10, 1: 10}, {0: 10, 1: 2})
    assert saved == {"epochs_planned": 20, "epochs_run": 12, "saved_fraction": 0.4}


class FakeClient:
    """Just the pub/sub surface of distributed.Client, with the handler on another thread."""

    def __init__(self) -> None:
        self.handlers = {}

    def subscribe_topic(self, topic, handler):
        self.handlers[topic] = handler

    def unsubscribe_topic(self, topic):
        self.handlers.pop(topic)


def test_inbox_delivers_in_order_on_its_own_thread_and_drops_repeats():
    delivered: queue.SimpleQueue = queue.SimpleQueue()
    client = FakeClient()
    inbox = TopicInbox(client, {"t": "trial"},
                       lambda kind, msg, _: delivered.put((threading.current_thread().name, msg)))
    other = TopicInbox(client, {"t": "trial"}, lambda kind, msg, _: None)  # shares the topic
    handler = client.handlers["t"]
    now = time.time()
    for seq in (1, 2, 2, 4, 3):
        handler((now, {"token": "a", "seq": seq, "t": now}))
    inbox.close(drain_s=2)
    assert "t" in client.handlers  # still subscribed for the other inbox
    other.close()
    got = [delivered.get_nowait() for _ in range(delivered.qsize())]
    assert {name for name, _ in got} == {"pnb-sweep-inbox"}
    assert [m["seq"] for _, m in got] == [1, 2, 4]
    assert inbox.stats == {"messages": 5, "duplicates": 1, "gaps": 1, "reordered": 1}
    assert client.handlers == {}


def test_a_canvas_sweeps_from_its_current_weights_and_training_settings():
    from perceptinb.sweeps.launch import _source
    from perceptinb.training.settings import settings_for

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, name="out")], name="c")
    canvas = pnb.Canvas(model)
    settings_for(canvas).update(batch_size=16, learning_rate=0.01)
    graph, base = _source(canvas)
    assert base["batch_size"] == 16 and base["learning_rate"] == 0.01
    kernel, bias = graph.weights["out"]
    np.testing.assert_array_equal(kernel, canvas.model.get_layer("out").get_weights()[0])
    specs = plan_trials(graph, {"out.units": [2, 3]}, base_settings=base)
    assert [s.settings["batch_size"] for s in specs] == [16, 16]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(1, 12)), max_size=40))
def test_inbox_never_delivers_a_message_twice_or_out_of_order(stream):
    """Whatever arrives (repeats, reorderings, gaps, two attempts interleaved), each attempt's
    messages are delivered once, in increasing order, and the counts add up."""
    delivered: queue.SimpleQueue = queue.SimpleQueue()
    client = FakeClient()
    inbox = TopicInbox(client, {"t": "trial"}, lambda kind, msg, _: delivered.put(msg))
    for token, seq in stream:
        client.handlers["t"]((0.0, {"token": token, "seq": seq, "t": time.time()}))
    inbox.close(drain_s=2)
    got = [delivered.get_nowait() for _ in range(delivered.qsize())]
    for token in "ab":
        seqs = [m["seq"] for m in got if m["token"] == token]
        assert seqs == sorted(set(seqs))
    stats = inbox.stats
    assert stats["messages"] == len(stream)
    assert stats["duplicates"] + stats["reordered"] == len(stream) - len(got)
