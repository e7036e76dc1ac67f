"""pnb.data.from_csv: real tables in, clear errors naming the file, line and column."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris

import perceptinb as pnb
from perceptinb.data import DataError


@pytest.fixture
def iris_csv(tmp_path):
    iris = load_iris(as_frame=True)
    frame = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = [iris.target_names[t] for t in iris.target]
    frame = frame.drop(columns="target")
    path = tmp_path / "iris.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_iris_reads_numeric_features_and_class_target(iris_csv) -> None:
    path, frame = iris_csv
    table = pnb.data.from_csv(path, target="species")
    assert table.numeric == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert table.categorical == [] and table.classes == ["setosa", "versicolor", "virginica"]
    assert len(table) == 150 and table.y.dtype == np.int64
    assert np.bincount(table.y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(table.x["sepal_length"][:, 0], frame["sepal_length"], rtol=1e-6)
    assert table.x["sepal_length"].shape == (150, 1) and table.to_numpy().shape == (150, 4)


def test_the_table_trains_a_keras_model_with_dict_inputs(iris_csv) -> None:
    import keras

    table = pnb.data.from_csv(iris_csv[0], target="species")
    inputs = {name: keras.Input((1,), name=name) for name in table.numeric}
    x = keras.layers.Concatenate()(list(inputs.values()))
    out = keras.layers.Dense(3, activation="softmax")(keras.layers.Dense(8)(x))
    model = keras.Model(inputs, out)
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(table.x, table.y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    canvas = pnb.Canvas(model, sample=table.x)
    assert canvas.errors == {} and all(p.error is None for p in canvas.previews.values())


def test_categorical_columns_and_one_hot_matrix(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("age,city,code,label\n31,Oslo,7,1\n45,Rome,3,0\n22,Oslo,7,1\n")
    table = pnb.data.from_csv(path, target="label", categorical=["code"])
    assert table.numeric == ["age"] and table.categorical == ["city", "code"]
    assert table.x["city"][:, 0].tolist() == ["Oslo", "Rome", "Oslo"]
    assert table.classes == [0, 1] and table.y.tolist() == [1, 0, 1]
    matrix = table.to_numpy()
    assert matrix.tolist()[0] == [31.0, 1.0, 0.0, 0.0, 1.0]


def test_a_float_target_is_regressed(tmp_path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("rooms,price\n3,120.5\n4,180.25\n")
    table = pnb.data.from_csv(path, target="price")
    assert table.classes is None and table.y.dtype == np.float32
    assert table.y.tolist() == [120.5, 180.25]


def test_missing_target_column_names_the_file_and_the_columns(iris_csv) -> None:
    path, _ = iris_csv
    with pytest.raises(DataError, match=r"iris\.csv: no target column 'label'.*sepal_length"):
        pnb.data.from_csv(path, target="label")


def test_a_missing_value_names_the_line_and_column_or_is_skipped(tmp_path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n1,2,0\n3,,1\n5,6,0\n")
    with pytest.raises(DataError, match=r"gaps\.csv, line 3: no value in column\(s\) \['b'\]"):
        pnb.data.from_csv(path, target="y")
    table = pnb.data.from_csv(path, target="y", on_bad_rows="skip")
    assert len(table) == 2 and table.skipped == ["line 3: no value in column(s) ['b']"]


def test_mixed_types_name_the_line_column_and_value(tmp_path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("weight,y\n1.5,0\n2.0,1\n3kg,0\n4.5,1\n")
    with pytest.raises(DataError, match=r"mixed\.csv, line 4, column 'weight'.*'3kg'"):
        pnb.data.from_csv(path, target="y")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a readable CSV"),
        ("a,b,y\n", "no rows"),
        ('a,b\n1,"unclosed\n', "not a readable CSV|no target column"),
    ],
)
def test_unreadable_files_are_named(tmp_path, content, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        pnb.data.from_csv(path, target="y")


def test_a_missing_file_is_a_data_error(tmp_path) -> None:
    with pytest.raises(DataError, match="no such file"):
        pnb.data.from_csv(tmp_path / "nope.csv", target="y")


_CELL = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["", "n/a", "abc", "NaN", " ", '"quoted, comma"', "1e400", "-"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=0, max_size=8))
# Rows with one field more than the header: pandas made the first column the index (found here).
@example(rows=[["0", "0", ","], ["0", "0", "0"]])
@example(rows=[[",", "0", "0"]])
def test_malformed_csv_content_reads_or_raises_data_error(tmp_path, rows) -> None:
    """Whatever the cells hold, the reader returns a consistent table or a DataError."""
    path = tmp_path / "fuzz.csv"
    lines = ["a,b,y"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for on_bad_rows in ("error", "skip"):
        try:
            table = pnb.data.from_csv(path, target="y", on_bad_rows=on_bad_rows)
        except DataError as exc:
            assert "fuzz.csv" in str(exc) or "on_bad_rows" in str(exc)
            continue
        assert all(len(v) == len(table) for v in table.x.values())
        assert set(table.x) == set(table.numeric) | set(table.categorical)
        for name in table.numeric:
            assert table.x[name].dtype == np.float32
        assert table.to_numpy().shape[0] == len(table)


def test_importing_the_data_package_loads_neither_pandas_nor_tensorflow() -> None:
    code = (
        "import sys, perceptinb, perceptinb.data; "
        "assert 'pandas' not in sys.modules and 'tensorflow' not in sys.modules, "
        "[m for m in ('pandas', 'tensorflow') if m in sys.modules]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pandas_frames_written_by_pandas_round_trip(tmp_path) -> None:
    frame = pd.DataFrame({"x": [0.5, 1.5], "kind": ["a", "b"], "y": ["no", "yes"]})
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    table = pnb.data.from_csv(path, target="y")
    assert table.numeric == ["x"] and table.categorical == ["kind"]
    assert table.classes == ["no", "yes"]


def test_an_infinite_number_is_named(tmp_path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("a,y\n1,0\n1e400,1\n")
    with pytest.raises(DataError, match=r"huge\.csv, line 3, column 'a': expected a finite"):
        pnb.data.from_csv(path, target="y")


def test_a_semicolon_file_gets_a_hint_and_reads_with_sep(tmp_path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("a;b;y\n1,5;2;0\n3;4;1\n")
    with pytest.raises(DataError, match="pass sep=';'"):
        pnb.data.from_csv(path, target="y")
    table = pnb.data.from_csv(path, target="y", sep=";", categorical=["a"])
    assert table.categorical == ["a"] and table.numeric == ["b"] and table.y.tolist() == [0, 1]
