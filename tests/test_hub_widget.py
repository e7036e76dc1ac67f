"""The hub and comparison widgets' kernel sides: their calls, pushes and payloads."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from perceptinb.codec import decode
from perceptinb.hub import Hub
from perceptinb.hub.compare import compare
from perceptinb.hub.recorder import HubRecorder
from perceptinb.hub.rows import ChangeWatcher, row
from perceptinb.hub.writer import RunWriter
from perceptinb.widgets.compare import CompareView, payload
from perceptinb.widgets.hub import HubTable, hub_widget

_ids = itertools.count(1)


def _capture(widget: Any) -> list[tuple[dict, list]]:
    sent: list[tuple[dict, list]] = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers or []))
    return sent


def _call(widget: Any, sent: list, method: str, **params: Any) -> dict:
    before = len(sent)
    widget.rpc.receive({"kind": "rpc", "id": next(_ids), "method": method, "params": params})
    (reply,) = [m for m in sent[before:] if m[0]["kind"] == "rpc_reply"]
    return reply[0]


def _model(units: int) -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,), name="x"), keras.layers.Dense(units, name="hidden"),
                             keras.layers.Dense(2, name="out")], name="mlp")


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    hub = Hub(tmp_path / "hub.sqlite")
    for units in (3, 5):
        model = _model(units)
        model.compile("sgd", "mse")
        model.fit(np.ones((8, 4)), np.zeros((8, 2)), epochs=2, verbose=0,
                  validation_split=0.25, callbacks=[HubRecorder(hub)])
    return hub


def test_rows_list_every_run_with_status_progress_and_best(hub: Hub) -> None:
    box = hub_widget(hub)
    table = box.table
    sent = _capture(table)
    reply = _call(table, sent, "rows")
    rows = reply["result"]["rows"]
    assert [r["id"] for r in rows] == [1, 2] and reply["ok"]
    assert rows[0]["status"] == "complete" and rows[0]["progress"] == 100
    assert rows[0]["metric"] == "val_loss" and rows[0]["best"] == pytest.approx(
        hub.run(1).summary["val_loss"]["best"])
    table.close()


def test_delete_needs_a_finished_run_and_export_fills_the_exported_column(hub: Hub) -> None:
    table = HubTable(hub, output=hub_widget(hub).children[1])
    sent = _capture(table)
    _call(table, sent, "rows")
    live = RunWriter.start(hub.store, "live", epochs=4)
    refused = _call(table, sent, "delete", id=live.run_id)
    assert not refused["ok"] and "still running" in refused["error"]
    assert _call(table, sent, "delete", id=1)["ok"] and [r.id for r in hub.runs()] == [2, 3]
    exported = _call(table, sent, "export", id=2, format="tflite")
    assert exported["ok"] and exported["result"]["max_abs_diff"] < 1e-4
    assert Path(exported["result"]["path"]).exists()
    assert hub.run(2).exported == ["tflite"]
    pushes = [m[0]["data"] for m in sent if m[0]["kind"] == "rpc_push"]
    assert any(r["id"] == 2 and r["exported"] == ["tflite"] for p in pushes for r in p["rows"])
    bad = _call(table, sent, "export", id=2, format="pickle")
    assert not bad["ok"] and "Expected format in" in bad["error"]
    live.finish("stopped")
    table.close()


def test_the_watcher_sees_new_changed_and_deleted_runs(hub: Hub) -> None:
    time.sleep(0.3)  # the fixture's runs ended longer ago than the watcher looks back
    watcher = ChangeWatcher(hub.store)
    watcher.reset({1, 2})
    assert watcher.changed() == ([], [])
    writer = RunWriter.start(hub.store, "new", epochs=3)
    assert watcher.changed()[0] == [writer.run_id]
    writer.epoch(0, {"loss": 1.0})
    assert watcher.changed()[0] == [writer.run_id]  # running: watched every tick
    writer.finish("complete")
    hub.delete(1)
    changed, deleted = watcher.changed()
    assert deleted == [1] and 1 not in changed
    assert row(hub.run(writer.run_id))["status"] == "complete"


def test_compare_payload_has_curves_tables_and_the_diff(hub: Hub) -> None:
    cmp = compare(1, 2, hub=hub, baseline=1)
    buffers: list[Any] = []
    data = payload(cmp, buffers)
    assert [r["label"] for r in data["runs"]] == ["#1 mlp", "#2 mlp"]
    loss = [c for c in data["curves"] if c["metric"] == "loss"]
    assert len(loss) == 2
    np.testing.assert_allclose(decode(loss[0]["value"], buffers), hub.history(1)["loss"],
                               rtol=1e-6)
    assert decode(loss[0]["epoch"], buffers).tolist() == [1, 2]
    assert decode(loss[0]["wall"], buffers)[0] >= 0
    assert "hidden.units" in data["table"]["columns"]
    assert len(data["table_all"]["columns"]) > len(data["table"]["columns"])
    assert data["table"]["best"]["loss best"] in (0, 1)
    left = {n["id"]: n for n in data["diff"]["left"]["nodes"]}
    assert left["hidden"]["status"] == "changed"
    assert ["units", "3", "5"] in left["hidden"]["changes"]
    assert data["diff"]["params_delta"] == _model(5).count_params() - _model(3).count_params()
    view = CompareView(cmp)
    sent = _capture(view)
    reply = _call(view, sent, "data")
    assert reply["ok"] and reply["result"]["metrics"] == data["metrics"]


def test_the_watcher_thread_pushes_a_new_run_within_a_second_or_two(hub: Hub) -> None:
    table = hub_widget(hub).table
    sent = _capture(table)
    table.comm = table.comm or object()  # the thread stops once the widget has no comm
    _call(table, sent, "rows")
    hub.log_run("from another kernel", history={"loss": [1.0]})
    deadline = time.monotonic() + 5
    names: set[str] = set()
    while time.monotonic() < deadline and "from another kernel" not in names:
        pushed = [m[0]["data"] for m in sent if m[0]["kind"] == "rpc_push"]
        names = {r["name"] for p in pushed for r in p["rows"]}
        time.sleep(0.05)
    assert "from another kernel" in names
    table._stop.set()


def test_pnb_hub_displays_its_widget_and_the_kernel_side_hub_its_repr(hub: Hub) -> None:
    from IPython.core.formatters import DisplayFormatter

    import perceptinb as pnb

    shown, _ = DisplayFormatter().format(pnb.Hub(hub.path))
    assert "application/vnd.jupyter.widget-view+json" in shown
    plain, _ = DisplayFormatter().format(hub)  # made without the widget layer: numbers only
    assert plain == {"text/plain": f"<perceptinb.Hub {str(hub.path)!r}: 2 runs>"}
    assert not hasattr(hub, "widget") and not hasattr(hub, "canvas")


def test_open_shows_the_runs_trained_model_in_a_canvas_below_the_table(hub: Hub) -> None:
    box = hub_widget(hub)  # any hub: the table opens canvases itself
    sent = _capture(box.table)
    shown: list[Any] = []
    box.table._show = shown.append
    assert _call(box.table, sent, "open", id=2)["result"] == {"opened": 2}
    (canvas,) = shown
    x = np.ones((3, 4), "float32")
    np.testing.assert_allclose(canvas.model.predict(x, verbose=0),
                               hub.model(2).predict(x, verbose=0), atol=1e-6)
    assert canvas.graph.nodes["hidden"].settings["units"] == 5
    missing = _call(box.table, sent, "open", id=99)
    assert not missing["ok"] and "No run with id 99" in missing["error"]
    box.table.close()


def test_pnb_compare_displays_its_widget_and_the_kernel_side_comparison_its_repr(hub: Hub) -> None:
    from IPython.core.formatters import DisplayFormatter

    import perceptinb as pnb

    shown, _ = DisplayFormatter().format(pnb.compare(1, 2, hub=hub))
    assert "application/vnd.jupyter.widget-view+json" in shown
    plain = compare(1, 2, hub=hub)  # perceptinb.hub.compare: numbers only
    assert DisplayFormatter().format(plain)[0] == {
        "text/plain": "<perceptinb.Comparison of 2: #1 mlp, #2 mlp>"}
    with pytest.raises(RuntimeError, match="Expected it from pnb.compare"):
        plain.widget()


def test_the_hubs_compare_action_shows_the_comparison_widget(hub: Hub) -> None:
    box = hub_widget(hub)
    sent = _capture(box.table)
    shown: list[Any] = []
    box.table._show = shown.append
    assert _call(box.table, sent, "compare", ids=[1, 2])["result"] == {"compared": [1, 2]}
    (comparison,) = shown
    assert isinstance(comparison.widget(), CompareView) and comparison.labels == ["#1 mlp",
                                                                                  "#2 mlp"]
    box.table.close()
