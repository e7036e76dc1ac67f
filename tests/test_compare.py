"""pnb.compare: differing settings, metric summaries, baselines, curves and architecture diffs."""

from __future__ import annotations

from pathlib import Path

import keras
import pandas as pd
import pytest

import perceptinb as pnb
from perceptinb.hub import Hub, HubLookupError
from perceptinb.hub.compare import compare


def _cnn(filters: int, name: str = "cnn") -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((8, 8, 1), name="image"),
         keras.layers.Conv2D(filters, 3, padding="same", name="conv"),
         keras.layers.Flatten(name="flatten"), keras.layers.Dense(10, name="dense")], name=name)


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    hub = Hub(tmp_path / "hub.sqlite")
    hub.log_run("small", {"learning_rate": 0.01, "batch_size": 32},
                {"loss": [1.0, 0.6, 0.7], "val_accuracy": [0.5, 0.7, 0.65]}, graph=_cnn(4))
    hub.log_run("wide", {"learning_rate": 0.001, "batch_size": 32},
                {"loss": [0.9, 0.5, 0.4], "val_accuracy": [0.6, 0.8, 0.85]}, graph=_cnn(8))
    hub.log_run("wide again", {"learning_rate": 0.001, "batch_size": 32},
                {"loss": [0.95, 0.55]}, graph=_cnn(8))
    return hub


def test_table_keeps_only_what_differs_plus_metric_stats(hub: Hub) -> None:
    cmp = compare(1, "2", hub.run(3), hub=hub)
    table = cmp.table
    assert list(table.index) == ["#1 small", "#2 wide", "#3 wide again"]
    assert {"learning_rate", "conv.filters", "params"} <= set(table.columns)
    assert "batch_size" not in table.columns and "dense.units" not in table.columns
    assert table.loc["#1 small", "conv.filters"] == 4
    assert table.loc["#2 wide", "val_accuracy best"] == 0.85
    assert table.loc["#1 small", "loss last"] == 0.7 and table.loc["#1 small", "loss min"] == 0.6
    assert pd.isna(table.loc["#3 wide again", "val_accuracy best"])
    assert {"batch_size", "dense.units"} <= set(cmp.frame(show_all=True).columns)
    assert cmp.best("val_accuracy") == "#2 wide" and cmp.best("loss") == "#2 wide"
    assert cmp.best("unknown") is None


def test_baseline_adds_deltas_and_csv_round_trips(hub: Hub, tmp_path: Path) -> None:
    cmp = compare(1, 2, hub=hub, baseline=1)
    table = cmp.table
    assert table.loc["#2 wide", "loss best Δ"] == pytest.approx(0.4 - 0.6)
    assert table.loc["#1 small", "loss best Δ"] == 0
    cmp.to_csv(tmp_path / "cmp.csv")
    back = pd.read_csv(tmp_path / "cmp.csv", index_col="run")
    assert list(back.index) == ["#1 small", "#2 wide"]
    assert back.loc["#2 wide", "val_accuracy best"] == 0.85
    with pytest.raises(ValueError, match="baseline must be one of the compared items"):
        compare(1, 2, hub=hub, baseline=3)


def test_graph_diff_of_the_first_two_models_with_parameter_delta(hub: Hub) -> None:
    small, wide = _cnn(4), _cnn(8)
    diff = compare(small, pnb.Graph.from_keras(wide)).graph_diff
    assert diff["changed"] == {"conv": {"filters": (4, 8)}}
    assert diff["added"] == [] and diff["removed"] == []
    assert diff["params_delta"] == wide.count_params() - small.count_params()
    assert compare(1, 2, hub=hub).graph_diff["changed"]["conv"]["filters"] == (4, 8)
    assert compare(3, hub=hub).graph_diff is None


def test_curves_by_epoch_step_and_wall_time(hub: Hub) -> None:
    cmp = compare(1, 2, hub=hub)
    epochs = cmp.curves("loss")
    assert epochs["#1 small"] == ([1, 2, 3], [1.0, 0.6, 0.7])
    steps = cmp.curves("loss", x="step")["#2 wide"][0]
    assert steps == [1, 2, 3]
    wall = cmp.curves("loss", x="wall")["#2 wide"][0]
    assert wall == sorted(wall) and wall[0] >= 0
    with pytest.raises(ValueError, match="Expected x in"):
        cmp.curves("loss", x="batch")


def test_labels_stay_unique_and_bad_items_are_named(hub: Hub) -> None:
    model = _cnn(4)
    assert compare(model, model).labels == ["cnn", "cnn (2)"]
    with pytest.raises(TypeError, match="compare\\(\\) takes runs.*Received: float"):
        compare(1.5, hub=hub)
    with pytest.raises(HubLookupError, match="No run with id 99"):
        compare(99, hub=hub)
    with pytest.raises(ValueError, match="at least one"):
        compare()


def test_testing_several_models_on_one_set_gives_one_row_each(hub: Hub, tmp_path) -> None:
    import numpy as np

    from perceptinb.files import keras_bytes
    from perceptinb.hub.artifacts import keep_bytes

    rng = np.random.default_rng(0)
    x, y = rng.random((20, 8, 8, 1)).astype("float32"), rng.integers(0, 10, 20)
    small, wide = _cnn(4), _cnn(8)
    for model in (small, wide):
        model.layers[-1].activation = keras.activations.softmax
    keep_bytes(hub.store, 2, "weights", "model.keras", keras_bytes(wide))
    table = compare(small, 2, hub=hub).test(x, y)
    assert list(table.index) == ["cnn", "#2 wide"]
    expected = float(np.mean(np.argmax(wide.predict(x, verbose=0), 1) == y))
    assert table.loc["#2 wide", "accuracy"] == pytest.approx(expected)
    assert hub.run(2).tests[-1]["metrics"]["accuracy"] == pytest.approx(expected)
    with pytest.raises(Exception, match="Run 1 kept no trained weights"):
        compare(1, hub=hub).test(x, y)


def test_side_by_side_shows_both_models_on_the_same_sample(hub: Hub) -> None:
    import numpy as np

    sample = np.random.default_rng(0).random((1, 8, 8, 1)).astype("float32")
    box = pnb.compare(1, _cnn(8), hub=hub).side_by_side(sample)  # the widget level draws
    left, right = box.children
    assert left.read_only and right.read_only
    assert left.graph.nodes["conv"].settings["filters"] == 4
    assert right.graph.nodes["conv"].settings["filters"] == 8
    assert set(left.previews) >= {"conv", "dense"} and set(right.previews) >= {"conv", "dense"}
    with pytest.raises(ValueError, match="needs two items"):
        pnb.compare(3, hub=hub).side_by_side(sample)
    with pytest.raises(RuntimeError, match="Expected it from pnb.compare"):
        compare(1, _cnn(8), hub=hub).side_by_side(sample)  # made below the widgets
