"""The search space of a sweep and the trials planned from it.

A space maps keys to values. A key is either a training setting (``learning_rate``,
``batch_size``, ``optimizer``, ``epochs``, ``loss``, ``validation_split``) or ``"node.setting"``
for any layer setting of the graph. A value is a list of choices or a seeded distribution
(`loguniform`, `uniform`, `randint`).

Planning builds every trial's graph through the command protocol (``set`` commands on a copy of
the graph), so a key that names no node or setting, or a value Keras rejects, raises
`CommandError` naming it before anything runs anywhere.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from perceptinb.commands import apply_command
from perceptinb.errors import CommandError
from perceptinb.graph import Graph

TRAINING_KEYS = ("learning_rate", "batch_size", "optimizer", "epochs", "loss", "validation_split")
STRATEGIES = ("grid", "random")
DEFAULT_RANDOM_TRIALS = 10


# -- distributions -------------------------------------------------------------------------
class Distribution:
    """A range of values a random sweep draws from (seeded by the sweep)."""

    def sample(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class uniform(Distribution):  # noqa: N801 - lower case like numpy's and Optuna's samplers
    """Floats drawn uniformly from ``[low, high]``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range(self, self.low, self.high)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class loguniform(Distribution):  # noqa: N801
    """Positive floats whose logarithm is uniform in ``[log(low), log(high)]``.

    The usual choice for learning rates: 1e-4..1e-2 is sampled as evenly per decade.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range(self, self.low, self.high)
        if self.low <= 0:
            raise ValueError(f"loguniform needs 0 < low. Received: low={self.low!r}.")

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass(frozen=True)
class randint(Distribution):  # noqa: N801
    """Integers drawn uniformly from ``[low, high]``, both ends included."""

    low: int
    high: int

    def __post_init__(self) -> None:
        for name, value in (("low", self.low), ("high", self.high)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise ValueError(f"randint needs integers. Received: {name}={value!r}.")
        _check_range(self, self.low, self.high)

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high, endpoint=True))


def _check_range(dist: Distribution, low: Any, high: Any) -> None:
    name = type(dist).__name__
    ok = all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and math.isfinite(v)
        for v in (low, high)
    )
    if not ok or low > high:
        raise ValueError(
            f"{name} needs finite numbers with low <= high. Received: low={low!r}, high={high!r}."
        )


# -- trial plans ---------------------------------------------------------------------------
@dataclass
class TrialSpec:
    """Everything a worker needs to run one trial; plain data (it travels to the workers).

    Attributes:
        index: Position in the sweep (0-based).
        params: The values drawn for this trial, by space key.
        graph_json: The trial's graph, built through the command protocol.
        settings: Training settings: epochs, batch_size, validation_split, optimizer,
            learning_rate and loss.
        seed: Seeds the trial's fresh weights and shuffling, so a rerun repeats it.
    """

    index: int
    params: dict[str, Any]
    graph_json: str
    settings: dict[str, Any]
    seed: int
    trusted: bool = False
    keep_weights: bool = True
    metrics_interval: float = 0.1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_trials(
    graph: Graph,
    space: Any,
    *,
    base_settings: dict[str, Any],
    trials: int | None = None,
    strategy: str = "grid",
    seed: int = 0,
) -> list[TrialSpec]:
    """Expand `space` into trials, each graph built and checked through the command protocol.

    Args:
        graph: The graph every trial starts from (it is not modified).
        space: ``{key: [choices] | distribution}``.
        base_settings: Training settings for keys the space does not name.
        trials: How many trials. Grid: None runs every combination, a smaller number the first
            ones. Random: how many draws (default 10).
        strategy: "grid" (every combination of the lists) or "random" (seeded draws).
        seed: Seeds the random draws and each trial's weights and shuffling.

    Raises:
        CommandError: a key naming no node or setting, or a value the layer or the training
            settings reject; the message names the key.
        ValueError: an empty space, a bad `trials` or `strategy`.
    """
    keys = _checked_keys(graph, space)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}. Received: {strategy!r}.")
    if trials is not None and (
        not isinstance(trials, (int, np.integer)) or isinstance(trials, bool) or trials < 1
    ):
        raise ValueError(f"trials must be a positive integer. Received: trials={trials!r}.")
    if strategy == "grid":
        combos = _grid(space, keys, trials)
    else:
        rng = np.random.default_rng(seed)
        count = DEFAULT_RANDOM_TRIALS if trials is None else int(trials)
        combos = [
            {key: _draw(space[key], rng) for key in keys} for _ in range(count)
        ]
    return [
        _trial(graph, params, base_settings, index, seed + index)
        for index, params in enumerate(combos)
    ]


def _checked_keys(graph: Graph, space: Any) -> list[str]:
    if not isinstance(space, dict):
        raise ValueError(
            f"space must be a dict of {{key: values}}. Received: {type(space).__name__}."
        )
    if not space:
        raise ValueError(
            "space is empty: name at least one setting to vary, e.g. "
            "{'learning_rate': pnb.loguniform(1e-4, 1e-2)}."
        )
    for key, values in space.items():
        if not isinstance(key, str) or not key:
            raise CommandError(f"A space key must be a non-empty string. Received: {key!r}.")
        if key not in TRAINING_KEYS:
            node_id, _, setting = key.rpartition(".")
            if not node_id or node_id not in graph.nodes:
                raise CommandError(
                    f"Space key {key!r} names no node or training setting. Expected "
                    f"'node.setting' with a node of the graph ({_some(graph.nodes)}) or one of "
                    f"{', '.join(TRAINING_KEYS)}."
                )
            if not setting:
                raise CommandError(f"Space key {key!r} names no setting after the node.")
        if isinstance(values, Distribution):
            continue
        if not isinstance(values, (list, tuple)) or not values:
            raise CommandError(
                f"Space key {key!r} needs a non-empty list or a distribution "
                f"(pnb.loguniform, pnb.uniform, pnb.randint). Received: {values!r:.80}."
            )
    return list(space)


def _grid(space: dict[str, Any], keys: list[str], trials: int | None) -> list[dict[str, Any]]:
    ranged = [k for k in keys if isinstance(space[k], Distribution)]
    if ranged:
        raise ValueError(
            f"A grid needs lists of values; {ranged} are distributions. Use strategy='random', "
            "or give those keys lists."
        )
    combos = [dict(zip(keys, values)) for values in itertools.product(*(space[k] for k in keys))]
    if trials is not None and trials > len(combos):
        raise ValueError(
            f"The grid has {len(combos)} combinations; trials={trials} is more. Pass "
            "trials=None for the whole grid, or strategy='random'."
        )
    return combos if trials is None else combos[: int(trials)]


def _draw(values: Any, rng: np.random.Generator) -> Any:
    if isinstance(values, Distribution):
        return values.sample(rng)
    choice = values[int(rng.integers(len(values)))]
    return choice.item() if isinstance(choice, np.generic) else choice


def _trial(
    graph: Graph, params: dict[str, Any], base: dict[str, Any], index: int, seed: int
) -> TrialSpec:
    settings = dict(base)
    trial_graph = graph
    for key, value in params.items():
        if key in TRAINING_KEYS:
            settings[key] = value
            continue
        node_id, _, setting = key.rpartition(".")
        try:
            trial_graph = apply_command(
                trial_graph, {"op": "set", "node": node_id, "key": setting, "value": value}
            )
        except CommandError as exc:
            raise CommandError(f"Space key {key!r}, value {value!r:.60}: {exc}") from None
    _check_settings(settings, params)
    return TrialSpec(
        index=index,
        params=dict(params),
        graph_json=trial_graph.to_json(indent=None),
        settings=settings,
        seed=seed,
        trusted=graph.trusted,
    )


def _check_settings(settings: dict[str, Any], params: dict[str, Any]) -> None:
    from perceptinb.training.settings import TrainingSettings

    try:
        TrainingSettings(**settings).validate()
    except (TypeError, ValueError) as exc:
        culprits = [k for k in params if k in TRAINING_KEYS] or ["the base settings"]
        raise CommandError(f"Space key(s) {culprits}: {exc}") from None


def _some(names: Any, limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} nodes)" if len(names) > limit else "")
