"""`pnb.sweep`: check everything on the client, then start a `Sweep` on Dask workers.

The order matters: the trials are planned (every graph built through the command protocol) and
the data checked before any cluster is contacted, so bad input raises at once and nothing runs.
"""

from __future__ import annotations

import uuid
from typing import Any

from perceptinb.graph import Graph
from perceptinb.sweeps import executor as executors
from perceptinb.sweeps.record import make_recorder
from perceptinb.sweeps.space import plan_trials
from perceptinb.sweeps.sweep import Sweep
from perceptinb.sweeps.views import NO_SWEEP_VIEWS, SweepViews


def sweep(
    canvas_or_model: Any,
    x: Any,
    y: Any,
    *,
    space: dict[str, Any],
    trials: int | None = None,
    epochs: int | None = None,
    strategy: str = "grid",
    executor: Any = None,
    hub: Any = None,
    max_concurrent: int | None = None,
    objective: str | None = None,
    mode: str | None = None,
    early_stopping: bool = False,
    seed: int = 0,
    keep_weights: bool = True,
    metrics_interval: float = 0.1,
    name: str | None = None,
    views: SweepViews = NO_SWEEP_VIEWS,
) -> Sweep:
    """Train one model under many settings at once, on Dask workers; returns a live `Sweep`.

    Every trial's graph is built through the command protocol before anything is submitted, so
    a bad key or value raises before any work starts.

    Args:
        canvas_or_model: A `Canvas`, ``keras.Model`` or `Graph`. Every trial starts from its
            current weights where the trial's shapes allow (changed layers start fresh).
        x, y: Training arrays (numpy or pandas). They are sent to every worker once.
        space: ``{"node.setting" | training setting: [values] | pnb.loguniform(...) | ...}``.
            Training settings: learning_rate, batch_size, optimizer, epochs, loss,
            validation_split.
        trials: Grid: None for every combination, or the first `trials`. Random: how many
            seeded draws (default 10).
        epochs: Epochs per trial (default: the canvas' setting, else 10).
        strategy: "grid" or "random".
        executor: None (a local Dask cluster of processes, started once per session), a
            ``distributed.Client``, or a scheduler address.
        hub: The `pnb.Hub` (or hub file path) that records every trial as a run; None: the
            default hub; False: no recording.
        max_concurrent: At most this many trials at once (default: no limit beyond the
            cluster's own slots).
        objective: The metric that ranks trials (default: "val_loss" with a validation split,
            else "loss").
        mode: "min" or "max" (default: "max" for accuracy-like metrics, else "min").
        early_stopping: Stop trials worse than the median of the others at the same epoch
            (the median stopping rule), once a third of their epochs ran.
        seed: Seeds the random draws and each trial's initialization and shuffling.
        keep_weights: Bring every trial's trained weights back to the client.
        metrics_interval: Seconds between a trial's batch-metric messages (epoch ends and the
            end are always sent at once). Raise it on clusters of hundreds of workers.
        name: The sweep's name (default: the model's).
        views: The sweep's view factories; `pnb.sweep` hands in perceptinb's widgets (this
            module imports none: without views the sweep is numbers only).

    Raises:
        CommandError: a space key that names no node or setting, or a value rejected.
        ValueError: an empty space, trials < 1, a bad strategy.
        TypeError: data that cannot be sent to the workers.
        ConnectionError: a scheduler address that does not answer within about 8 s.
    """
    graph, base = _source(canvas_or_model)
    if epochs is not None:
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs!r}.")
        base["epochs"] = epochs
    if mode not in (None, "min", "max"):
        raise ValueError(f"mode must be 'min' or 'max'. Received: mode={mode!r}.")
    specs = plan_trials(graph, space, base_settings=base, trials=trials, strategy=strategy,
                        seed=seed)
    if not isinstance(metrics_interval, (int, float)) or not 0 < metrics_interval <= 60:
        raise ValueError(
            f"metrics_interval must be in (0, 60] seconds. Received: {metrics_interval!r}."
        )
    for spec in specs:
        spec.keep_weights, spec.metrics_interval = keep_weights, float(metrics_interval)
    x, y = _arrays(x, "x"), _arrays(y, "y")
    if max_concurrent is not None and (not isinstance(max_concurrent, int) or max_concurrent < 1):
        raise ValueError(
            f"max_concurrent must be a positive integer. Received: {max_concurrent!r}."
        )
    objective = objective or ("val_loss" if base.get("validation_split", 0) > 0 else "loss")
    mode = mode or ("max" if any(w in objective for w in ("acc", "auc", "precision", "recall"))
                    else "min")
    sweep_name, sweep_id = name or graph.name, uuid.uuid4().hex[:10]
    recorder = make_recorder(hub, sweep_name, sweep_id)
    client, _ = executors.connect(executor)
    data = executors.scatter(client, x=x, y=y, weights=graph.weights)
    return Sweep(specs, client, data, recorder=recorder, objective=objective, mode=mode,
                 max_concurrent=max_concurrent, early_stopping=early_stopping, name=sweep_name,
                 sweep_id=sweep_id, views=views)


def _source(item: Any) -> tuple[Graph, dict[str, Any]]:
    """The graph (with its current weights) and base training settings of what was passed."""
    from perceptinb.training.settings import TrainingSettings, settings_for

    if isinstance(item, Graph):
        return item.copy(), TrainingSettings().as_train_kwargs()
    if isinstance(getattr(item, "graph", None), Graph):  # a Canvas: its weights live in .model
        graph = item.graph
        graph.weights = {
            layer.name: layer.get_weights()
            for layer in item.model.layers if layer.weights and layer.name in graph.nodes
        }
        return graph, settings_for(item).as_train_kwargs()
    import keras

    if isinstance(item, keras.Model):
        return Graph.from_keras(item), TrainingSettings().as_train_kwargs()
    raise TypeError(
        "pnb.sweep expects a Canvas, a keras.Model or a perceptinb.Graph. "
        f"Received: {type(item).__name__}."
    )


def _arrays(value: Any, name: str) -> Any:
    from perceptinb.training.data import is_stream, to_arrays

    if value is None:
        raise ValueError(f"{name} is required: a sweep trains on arrays. Received: None.")
    if is_stream(value):
        raise TypeError(
            f"{name} is a {type(value).__name__}: a sweep sends its data to every worker once, so "
            "it needs arrays. Expected numpy arrays or a pandas DataFrame."
        )
    arrays = to_arrays(value)
    executors.check_serializable(name, arrays)
    return arrays
