"""The rule every corpus model is held to, as one function that tests and benchmarks share.

A model that Keras' own ``model_from_json`` rebuilds must import; rebuild with outputs equal to
1e-5; survive the JSON round trip byte for byte; exec from ``to_code`` with equal params and
output shapes; and draw on a canvas with a preview on every block and no errors. Any other model
must be refused with a `GraphError` that names the block (or the model) and the reason, and
still draw with a preview on every block from its live layers (``Graph.from_keras(model,
live=True)``) when it has a graph at all (a subclassed model has none).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

import perceptinb as pnb
from corpus.entry import Entry

CHECKS = ("import", "rebuild", "json", "code", "canvas")
_TOLERANCE = 1e-5


@dataclass
class Result:
    """What happened to one entry.

    Attributes:
        keras_rebuilds: Whether Keras' own ``model_from_json`` rebuilds the model.
        checks: Per check: None when it passed, else why it failed. Missing: not run.
        refused: The `GraphError` message when the import refused the model.
        live: For a refused model: None when the canvas drew it from its live layers, else why
            not; ``"no graph"`` for a subclassed model.
    """

    entry: Entry
    keras_rebuilds: bool = False
    checks: dict[str, str | None] = field(default_factory=dict)
    refused: str | None = None
    live: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        if self.refused is not None:
            return (
                not self.keras_rebuilds
                and self.checks.get("import") is None
                and self.live in (None, "no graph")
            )
        return all(self.checks.get(name, "not run") is None for name in CHECKS)

    def failures(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.checks.items() if v is not None)


def run(entry: Entry) -> Result:
    """Build `entry`'s model and hold it to the rule (see the module docstring)."""
    started = time.perf_counter()
    result = Result(entry)
    model = entry.build()
    x = entry.sample(model) if entry.sample is not None else random_inputs(model)
    result.keras_rebuilds = keras_rebuilds(model)
    try:
        graph = pnb.Graph.from_keras(model)
    except pnb.GraphError as exc:
        result.refused = str(exc)
        result.checks["import"] = _refusal_problem(model, str(exc))
        result.live = _live_canvas(model, x)
        result.seconds = time.perf_counter() - started
        return result
    except Exception as exc:  # anything but a GraphError is a failure to report
        result.checks["import"] = f"{type(exc).__name__}: {exc}"[:300]
        result.seconds = time.perf_counter() - started
        return result
    result.checks["import"] = None
    want = outputs_of(model, x)
    for name, check in (
        ("rebuild", _rebuild),
        ("json", _json),
        ("code", _code),
        ("canvas", _canvas),
    ):
        try:
            result.checks[name] = check(model, graph, x, want)
        except Exception as exc:
            result.checks[name] = f"{type(exc).__name__}: {exc}"[:300]
    result.seconds = time.perf_counter() - started
    return result


def keras_rebuilds(model: Any) -> bool:
    """Whether Keras itself rebuilds `model` from its JSON (in safe mode, as it loads files)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            keras.models.model_from_json(model.to_json())
        return True
    except Exception:
        return False


def random_inputs(model: Any, batch: int = 2, seed: int = 0) -> Any:
    """Inputs in the model's own structure (a tensor, a list or a dict); unknown lengths are 8,
    integer inputs hold ids 0 and 1 (valid for every vocabulary), text inputs a few words."""
    rng = np.random.default_rng(seed)

    def make(tensor: Any) -> np.ndarray:
        shape = (batch, *[8 if d is None else d for d in tensor.shape[1:]])
        dtype = str(tensor.dtype)
        if dtype == "string":
            return np.array(["a few words"] * int(np.prod(shape))).reshape(shape)
        if "int" in dtype or "bool" in dtype:
            return rng.integers(0, 2, size=shape).astype(dtype)
        return rng.uniform(0, 1, size=shape).astype(dtype)

    try:
        structure = model.input
    except AttributeError:  # a Sequential model built from keras.Input has inputs, no input
        structure = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.tree.map_structure(make, structure)


def outputs_of(model: Any, x: Any) -> list[np.ndarray]:
    return [np.asarray(t) for t in keras.tree.flatten(model(x, training=False))]


def _refusal_problem(model: Any, message: str) -> str | None:
    """None when a refusal names a block (or the model) and says why."""
    names = {layer.name for layer in _all_layers(model)} | {model.name}
    if not any(f"'{name}'" in message for name in names):
        return f"the refusal names no block: {message[:200]}"
    return None


def _all_layers(model: Any) -> list[Any]:
    found = []
    for layer in getattr(model, "operations", None) or model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer))
    return found


def _rebuild(model: Any, graph: pnb.Graph, x: Any, want: list[np.ndarray]) -> str | None:
    with warnings.catch_warnings():
        # Weights that do not fit only warn (naming the layer): here that is a failure.
        warnings.filterwarnings("error", message=".*carried weights do not fit")
        rebuilt = graph.to_keras()
    got = outputs_of(rebuilt, x)
    if len(got) != len(want):
        return f"{len(got)} outputs instead of {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            return f"output {i} has shape {g.shape}, expected {w.shape}"
        if g.dtype.kind in "fc" and not np.allclose(g, w, rtol=_TOLERANCE, atol=_TOLERANCE):
            return f"output {i} differs by up to {float(np.max(np.abs(g - w))):.3g}"
        if g.dtype.kind not in "fc" and not np.array_equal(g, w):
            return f"output {i} differs"
    return None


def _json(model: Any, graph: pnb.Graph, x: Any, want: list[np.ndarray]) -> str | None:
    text = graph.to_json()
    again = pnb.Graph.from_json(text).to_json()
    return None if again == text else "the JSON changed after a load and a save"


def _code(model: Any, graph: pnb.Graph, x: Any, want: list[np.ndarray]) -> str | None:
    namespace: dict[str, Any] = {}
    exec(compile(graph.to_code(), f"<to_code {model.name}>", "exec"), namespace)
    rebuilt = namespace["model"]
    if rebuilt.count_params() != model.count_params():
        return f"{rebuilt.count_params()} params, expected {model.count_params()}"
    got = [tuple(t.shape) for t in keras.tree.flatten(rebuilt.outputs)]
    expected = [tuple(t.shape) for t in keras.tree.flatten(model.outputs)]
    return None if got == expected else f"output shapes {got}, expected {expected}"


def _live_canvas(model: Any, x: Any) -> str | None:
    """Why a refused model does not draw from its live layers (None when it does)."""
    try:
        graph = pnb.Graph.from_keras(model, live=True)
    except pnb.GraphError as exc:
        return "no graph" if "subclassed" in str(exc) else f"GraphError: {exc}"[:300]
    if not graph.locked:
        return "the live import locked no block"
    try:
        return _canvas(model, graph, x, [])
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]


def _canvas(model: Any, graph: pnb.Graph, x: Any, want: list[np.ndarray]) -> str | None:
    canvas = pnb.Canvas(model, sample=x)  # a live import: locked blocks use the model's layers
    if canvas.errors:
        return f"canvas.errors = {dict(list(canvas.errors.items())[:3])}"
    previews = canvas.previews
    missing = [nid for nid in canvas.graph.nodes if nid not in previews]
    if missing:
        return f"no preview on {missing[:5]}"
    failed = {nid: p.error for nid, p in previews.items() if p.error}
    if failed:
        return f"failed previews {dict(list(failed.items())[:3])}"
    return None
