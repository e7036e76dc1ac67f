"""Tables from CSV files: numeric and categorical columns, read with pandas.

A column is numeric when every value parses as a number, categorical when most values are not
numbers. A column where most values are numbers and a few are not is a mistake in the file (a
stray "n/a", a unit typed in a cell): it is reported with its row rather than silently turned
into categories.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from perceptinb.data.errors import DataError

_BAD_ROWS = ("error", "skip")
# The header is line 1 of the file, so the row at index i sits on line i + 2.
_FIRST_DATA_LINE = 2
# An integer target with more distinct values than this is a quantity to regress, not classes.
_MAX_INTEGER_CLASSES = 50


@dataclass
class Table:
    """Features and a target read from a CSV file.

    Attributes:
        x: One array per feature column, shape (rows, 1): float32 for numeric columns, str for
            categorical ones. Keyed by column name, as a Keras model with dict inputs takes them.
        y: The target: class indices (int64) for a categorical target (text, or integers with
            at most 50 distinct values), float32 otherwise.
        numeric: Names of the numeric feature columns, in file order.
        categorical: Names of the categorical feature columns, in file order.
        classes: The class names index ``y`` counts in, or None for a numeric target.
        skipped: ``"line N: why"`` for every row left out (``on_bad_rows="skip"``).
        path: The file read.
    """

    x: dict[str, np.ndarray]
    y: np.ndarray
    numeric: list[str]
    categorical: list[str]
    classes: list[Any] | None
    target: str
    path: Path
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def to_numpy(self) -> np.ndarray:
        """All features as one float32 matrix: numeric columns as they are, categorical ones
        one-hot encoded (categories in sorted order), for models with a single input."""
        parts = [self.x[name] for name in self.numeric]
        for name in self.categorical:
            column = self.x[name][:, 0]
            categories = sorted(set(column.tolist()))
            parts.append((column[:, None] == np.array(categories)[None, :]).astype(np.float32))
        if not parts:
            return np.zeros((len(self), 0), np.float32)
        return np.concatenate(parts, axis=1).astype(np.float32)


def from_csv(
    path: str | os.PathLike[str],
    target: str,
    *,
    categorical: list[str] | None = None,
    on_bad_rows: str = "error",
    sep: str = ",",
) -> Table:
    """Read a CSV file with a header row into features and a target.

    Args:
        path: The CSV file.
        target: The column to predict.
        categorical: Columns to treat as categories even though they hold numbers (codes).
        on_bad_rows: ``"error"`` raises on the first row with a missing value; ``"skip"`` leaves
            such rows out and lists them in ``Table.skipped``.
        sep: The column separator (``";"`` for many European exports, ``"\t"`` for TSV).

    Raises:
        DataError: naming the file and the column or line: the file cannot be read or is
            empty, the target column is missing, a value is missing (with
            ``on_bad_rows="error"``) or a numeric column holds a value that is not a number.
    """
    import pandas as pd

    if on_bad_rows not in _BAD_ROWS:
        raise DataError(f"Expected on_bad_rows in {_BAD_ROWS}. Received: {on_bad_rows!r}.")
    source = Path(path).expanduser()
    try:
        # index_col=False: when every row has one field more than the header, pandas would
        # otherwise quietly turn the first column into the index (found by hypothesis).
        frame = pd.read_csv(
            source, sep=sep, dtype=str, keep_default_na=True, skipinitialspace=True,
            index_col=False,
        )
    except FileNotFoundError:
        raise DataError(f"{source}: no such file.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{source}: not a readable CSV file: {_first_line(exc)}") from None
    if frame.empty:
        raise DataError(f"{source}: the file has a header but no rows.")
    columns = [str(c) for c in frame.columns]
    if target not in columns:
        hint = next(
            (
                f" The header holds {other!r}: pass sep={other!r}."
                for other in (";", "\t", "|")
                if other != sep and any(other in c for c in columns)
            ),
            "",
        )
        raise DataError(
            f"{source}: no target column {target!r}. Received columns: {columns}.{hint}"
        )
    unknown = [c for c in categorical or [] if c not in columns]
    if unknown:
        raise DataError(f"{source}: no column(s) {unknown} to treat as categorical.")
    frame, skipped = _missing_values(frame, source, on_bad_rows)
    if frame.empty:
        raise DataError(f"{source}: every row has a missing value; nothing is left.")
    forced = set(categorical or [])
    numeric, categorical_names, x = [], [], {}
    for name in columns:
        if name == target:
            continue
        values = frame[name]
        if name not in forced and _numeric_column(values, name, source):
            x[name] = values.astype(np.float32).to_numpy()[:, None]
            numeric.append(name)
        else:
            x[name] = values.astype(str).to_numpy()[:, None]
            categorical_names.append(name)
    y, classes = _target(frame[target], target, source, target in forced)
    return Table(x, y, numeric, categorical_names, classes, target, source, skipped)


def _missing_values(frame: Any, source: Path, on_bad_rows: str) -> tuple[Any, list[str]]:
    missing = frame.isna()
    bad_rows = missing.any(axis=1)
    if not bad_rows.any():
        return frame, []
    reasons = [
        f"line {int(i) + _FIRST_DATA_LINE}: no value in column(s) "
        f"{[str(c) for c in frame.columns[missing.loc[i].to_numpy()]]}"
        for i in frame.index[bad_rows]
    ]
    if on_bad_rows == "error":
        raise DataError(
            f"{source}, {reasons[0]}. Fill it in, or pass on_bad_rows='skip' to leave such rows "
            f"out ({len(reasons)} row(s) affected)."
        )
    return frame[~bad_rows].reset_index(drop=True), reasons


def _numeric_column(values: Any, name: str, source: Path) -> bool:
    """True when every value is a number; a DataError when most but not all are."""
    import pandas as pd

    parsed = pd.to_numeric(values, errors="coerce")
    failed = parsed.isna()
    if not failed.any():
        infinite = np.flatnonzero(~np.isfinite(parsed.to_numpy(dtype=np.float64)))
        if infinite.size:  # "1e400" parses, as inf: no model can learn from it
            row = int(infinite[0])
            raise DataError(
                f"{source}, line {row + _FIRST_DATA_LINE}, column {name!r}: expected a finite "
                f"number. Received: {values.iloc[row]!r}."
            )
        return True
    if failed.sum() * 2 >= len(values):
        return False  # mostly words: categories
    first = int(np.flatnonzero(failed.to_numpy())[0])
    raise DataError(
        f"{source}, line {first + _FIRST_DATA_LINE}, column {name!r}: expected a number, as in "
        f"the column's other rows. Received: {values.iloc[first]!r}. Pass "
        f"categorical=[{name!r}] if the column holds categories."
    )


def _target(values: Any, name: str, source: Path, forced: bool) -> tuple[np.ndarray, list | None]:
    """Class indices for a categorical (or integer-coded) target, floats for a numeric one."""
    import pandas as pd

    if not forced and _numeric_column(values, name, source):
        numbers = pd.to_numeric(values).to_numpy()
        if not np.all(np.mod(numbers, 1) == 0):
            return numbers.astype(np.float32), None
        classes = sorted({int(v) for v in numbers})
        if len(classes) > _MAX_INTEGER_CLASSES:  # counts or prices: a quantity, not labels
            return numbers.astype(np.float32), None
        index = {c: i for i, c in enumerate(classes)}
        return np.array([index[int(v)] for v in numbers], dtype=np.int64), classes
    classes = sorted(set(values.astype(str).tolist()))
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[v] for v in values.astype(str)], dtype=np.int64), classes


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
