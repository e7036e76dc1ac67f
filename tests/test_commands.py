"""The command protocol: every op, its errors, and hostile streams of commands."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models import SMALL_MODELS

import perceptinb as pnb
from perceptinb.commands import History, apply_command


@pytest.fixture(scope="module")
def cnn() -> pnb.Graph:
    return pnb.Graph.from_keras(SMALL_MODELS["sequential_cnn"]())


def test_set_validates_through_keras_and_keeps_old_value(cnn: pnb.Graph) -> None:
    new = apply_command(cnn, {"op": "set", "node": "dense", "key": "units", "value": 3})
    assert new.nodes["dense"].settings["units"] == 3
    assert cnn.nodes["dense"].settings["units"] == 10  # the input graph is never modified
    with pytest.raises(pnb.CommandError, match="expected a positive integer. Received: units=-1"):
        apply_command(cnn, {"op": "set", "node": "dense", "key": "units", "value": -1})
    with pytest.raises(pnb.CommandError, match="Dense has no setting 'unitz'"):
        apply_command(cnn, {"op": "set", "node": "dense", "key": "unitz", "value": 3})


def test_add_connect_disconnect_remove(cnn: pnb.Graph) -> None:
    g = apply_command(cnn, {"op": "add", "type": "Dense", "id": "extra", "pos": [10, 20]})
    assert g.nodes["extra"].settings["units"] == 32 and g.nodes["extra"].pos == (10.0, 20.0)
    g = apply_command(g, {"op": "connect", "src": "dense", "dst": "extra"})
    assert g.inputs_of("extra")[0].src == "dense"
    with pytest.raises(pnb.CommandError, match="takes one input"):
        apply_command(g, {"op": "connect", "src": "flatten", "dst": "extra"})
    loop = apply_command(
        apply_command(g, {"op": "add", "type": "Dense", "id": "a"}),
        {"op": "add", "type": "Dense", "id": "b"},
    )
    loop = apply_command(loop, {"op": "connect", "src": "a", "dst": "b"})
    with pytest.raises(pnb.CommandError, match="would create a cycle"):
        apply_command(loop, {"op": "connect", "src": "b", "dst": "a"})
    g2 = apply_command(g, {"op": "disconnect", "src": "dense", "dst": "extra"})
    assert not g2.inputs_of("extra")
    g3 = apply_command(g, {"op": "remove", "node": "dense"})
    assert "dense" not in g3.nodes and all("dense" not in (e.src, e.dst) for e in g3.edges)


def test_merge_layers_accept_several_inputs(cnn: pnb.Graph) -> None:
    g = apply_command(cnn, {"op": "add", "type": "Concatenate", "id": "cat"})
    g = apply_command(g, {"op": "connect", "src": "flatten", "dst": "cat"})
    g = apply_command(g, {"op": "connect", "src": "dropout", "dst": "cat"})
    assert [e.dst_port for e in g.inputs_of("cat")] == [0, 1]
    g = apply_command(g, {"op": "disconnect", "src": "flatten", "dst": "cat"})
    assert [(e.src, e.dst_port) for e in g.inputs_of("cat")] == [("dropout", 0)]


def test_connect_to_a_taken_port_inserts_and_gaps_are_refused(cnn: pnb.Graph) -> None:
    g = apply_command(cnn, {"op": "add", "type": "Concatenate", "id": "cat"})
    g = apply_command(g, {"op": "connect", "src": "flatten", "dst": "cat"})
    g = apply_command(g, {"op": "connect", "src": "dropout", "dst": "cat"})
    g = apply_command(g, {"op": "connect", "src": "pool", "dst": "cat", "dst_port": 1})
    assert [(e.src, e.dst_port) for e in g.inputs_of("cat")] == [
        ("flatten", 0),
        ("pool", 1),
        ("dropout", 2),
    ]
    with pytest.raises(pnb.CommandError, match=r"would leave a gap: expected a port in \[0, 3\]"):
        apply_command(g, {"op": "connect", "src": "conv", "dst": "cat", "dst_port": 5})
    with pytest.raises(pnb.CommandError, match="takes one input"):
        apply_command(g, {"op": "connect", "src": "conv", "dst": "dense", "dst_port": 0})


def test_rename_updates_edges_settings_and_weights(cnn: pnb.Graph) -> None:
    g = apply_command(cnn, {"op": "rename", "node": "dense", "name": "classifier"})
    assert "classifier" in g.nodes and g.nodes["classifier"].settings["name"] == "classifier"
    assert g.inputs_of("classifier")[0].src == "dropout"
    assert "classifier" in g.weights and "dense" not in g.weights
    with pytest.raises(pnb.CommandError, match="already exists"):
        apply_command(cnn, {"op": "rename", "node": "dense", "name": "conv"})
    with pytest.raises(pnb.CommandError, match="Invalid name"):
        apply_command(cnn, {"op": "rename", "node": "dense", "name": "a/b"})


def test_add_input_layer_needs_a_shape(cnn: pnb.Graph) -> None:
    g = apply_command(cnn, {"op": "add", "type": "InputLayer", "settings": {"shape": [4]}})
    assert g.nodes["input_layer_1"].settings["batch_shape"] == [None, 4]
    with pytest.raises(pnb.CommandError, match="needs settings"):
        apply_command(cnn, {"op": "add", "type": "InputLayer"})


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (42, "must be a dict"),
        ({"op": "explode"}, "Unknown op 'explode'"),
        ({"op": "set", "node": "dense"}, r"needs field\(s\) \['key', 'value'\]"),
        ({"op": "remove", "node": "ghost"}, "names no node"),
        ({"op": "move", "node": "dense", "pos": [1, float("nan")]}, "finite"),
        ({"op": "move", "node": "dense", "pos": "here"}, "'pos' must be"),
        ({"op": "add", "type": "NoSuchLayer"}, "unknown layer class 'NoSuchLayer'"),
        ({"op": "add", "type": "Lambda"}, "Lambda"),
        ({"op": "connect", "src": "dense", "dst": "image"}, "InputLayer"),
        ({"op": "connect", "src": "conv", "dst": "dense", "dst_port": True}, "dst_port"),
        ({"op": "set", "node": "dense", "key": "units", "value": float("inf")}, "finite"),
        ({"op": "set", "node": "dense", "key": "units", "value": object()}, "JSON data"),
        ({"op": "remove", "node": "dense", "extra": 1}, "unknown field"),
    ],
)
def test_invalid_commands_raise_command_error(cnn: pnb.Graph, command, message: str) -> None:
    before = cnn.to_json()
    with pytest.raises(pnb.CommandError, match=message):
        apply_command(cnn, command)
    assert cnn.to_json() == before


def test_history_undo_redo(cnn: pnb.Graph) -> None:
    history = History(cnn)
    start = cnn.to_json()
    history.apply({"op": "set", "node": "dense", "key": "units", "value": 4})
    history.apply({"op": "move", "node": "conv", "pos": [5, 5]})
    history.apply({"op": "undo"})
    history.apply({"op": "undo"})
    assert history.graph.to_json() == start
    history.apply({"op": "redo"})
    assert history.graph.nodes["dense"].settings["units"] == 4
    history.apply({"op": "redo"})
    with pytest.raises(pnb.CommandError, match="Nothing to redo"):
        history.apply({"op": "redo"})


# -- property-based: long random streams of valid and hostile commands ----------------------
node_names = st.sampled_from(
    [
        "image",
        "conv",
        "pool",
        "flatten",
        "dropout",
        "dense",
        "ghost",
        "dense_1",
        "concatenate_1",
        "",
        None,
        7,
    ]
)
garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
setting_values = st.one_of(
    st.integers(min_value=-3, max_value=64),
    st.sampled_from(["relu", "same", "valid", "tanh"]),
    st.lists(st.integers(min_value=0, max_value=4), max_size=3),
    garbage,
)
commands = st.one_of(
    st.fixed_dictionaries(
        {
            "op": st.just("add"),
            "type": st.sampled_from(
                ["Dense", "Concatenate", "Dropout", "Flatten", "Nope", "Lambda"]
            ),
        }
    ),
    st.fixed_dictionaries({"op": st.just("remove"), "node": node_names}),
    st.fixed_dictionaries(
        {"op": st.sampled_from(["connect", "disconnect"]), "src": node_names, "dst": node_names}
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("set"),
            "node": node_names,
            "key": st.sampled_from(
                [
                    "units",
                    "rate",
                    "activation",
                    "filters",
                    "kernel_size",
                    "padding",
                    "name",
                    "bogus",
                ]
            ),
            "value": setting_values,
        }
    ),
    st.fixed_dictionaries({"op": st.just("rename"), "node": node_names, "name": node_names}),
    st.fixed_dictionaries(
        {
            "op": st.just("move"),
            "node": node_names,
            "pos": st.one_of(garbage, st.tuples(st.floats(), st.floats())),
        }
    ),
    st.fixed_dictionaries({"op": st.sampled_from(["undo", "redo", "warp", 3, None])}),
    garbage,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(stream=st.lists(commands, min_size=1, max_size=40))
def test_random_command_streams(cnn: pnb.Graph, stream: list) -> None:
    history = History(cnn)
    start = cnn.to_json()
    applied = 0
    for command in stream:
        try:
            history.apply(command)
        except pnb.CommandError:
            continue  # the only error allowed
        if isinstance(command, dict) and command.get("op") == "undo":
            applied -= 1
        elif isinstance(command, dict) and command.get("op") == "redo":
            applied += 1
        else:
            applied += 1
        history.graph.validate()
        assert pnb.Graph.from_json(history.graph.to_json()).to_json() == history.graph.to_json()
    for _ in range(applied):
        history.apply({"op": "undo"})
    assert history.graph.to_json() == start


def test_the_canvas_is_sent_the_kernels_own_connect_refusals(cnn: pnb.Graph) -> None:
    from perceptinb.keras_bridge import Trace
    from perceptinb.widgets.graph_view import build_graph_view

    g = apply_command(cnn, {"op": "add", "type": "Concatenate", "id": "cat"})
    g = apply_command(g, {"op": "connect", "src": "flatten", "dst": "cat"})
    # A block with no inputs cannot close a cycle: every refusal left is the node's own rule.
    g = apply_command(g, {"op": "add", "type": "Dense", "id": "probe"})
    view = build_graph_view(g, Trace(), {}, version=0)
    sent = {n["id"]: n["refuses_input"] for n in view["nodes"]}
    assert sent["cat"] == "" and sent["probe"] == ""
    assert "InputLayer" in sent[g.input_ids[0]] and "takes one input" in sent["dense"]
    for dst, refusal in sent.items():
        if dst == "probe":
            continue
        command = {"op": "connect", "src": "probe", "dst": dst}
        if refusal:
            with pytest.raises(pnb.CommandError) as error:
                apply_command(g, command)
            assert str(error.value) == refusal
        else:
            assert apply_command(g, command).inputs_of(dst)[-1].src == "probe"
