"""Per-epoch looks inside the model: weight and bias statistics of every weighted layer, the
first probe sample's prediction and, when the time budget allows, the loss gradients on the
probe batch. Numbers only, into `RunState`; it runs on the training thread between epochs, so
it sees one consistent set of weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from perceptinb.training.state import RunState
from perceptinb.training.stats import Probe, summarize, weight_summaries, weighted_layers

PROBE_HINT = "Pass LiveCallback(probe=(x[:32], y[:32])) to see the output view."


class LayerRecorder:
    """Weight statistics every epoch; the probe's prediction every epoch; gradients when due.

    Args:
        state: The run's `RunState`.
        gradients: ``"auto"``: when the callback stays within `budget`; True: every epoch;
            False: never.
        budget: Share of the training time all per-run work may take (0.025 = 2.5 %).
        histograms: Keep per-epoch histograms.
        spent: Seconds spent so far on the run's own work (hooks and publisher), for `budget`.
    """

    def __init__(
        self,
        state: RunState,
        *,
        gradients: bool | str,
        budget: float,
        histograms: bool,
        spent: Callable[[], float],
    ) -> None:
        self.state = state
        self.gradients = gradients
        self.budget = budget
        self.histograms = histograms
        self.spent = spent
        self.probe_seconds = 0.0
        self.gradient_epochs = 0
        self._layers: list[Any] = []
        self._probe: Probe | None = None
        self._probe_cost = self._forward_cost = self._first_forward_cost = 0.0

    def begin(self, model: Any, probe: tuple[Any, Any] | None) -> None:
        self.probe_seconds = 0.0
        self.gradient_epochs = 0
        self._probe_cost = self._forward_cost = self._first_forward_cost = 0.0
        self._layers = weighted_layers(model)
        self._probe = Probe(model, *probe) if probe is not None else None
        with self.state.lock:
            self.state.layer_names = [layer.name for layer in self._layers]
            if probe is None:
                self.state.note = PROBE_HINT
            else:
                self.state.sample = {"x": _first(probe[0]), "y": _first(probe[1])}
            self.state.bump("layers", "output")

    def epoch_end(self, epoch: int) -> None:
        """Records epoch `epoch` (1-based)."""
        state, layers = self.state, self._layers
        summaries = weight_summaries(layers) if layers else {}
        prediction, gradients = None, None
        probe = self._probe
        if probe is not None:
            p0 = time.perf_counter()
            try:
                if self._gradients_due(p0):
                    prediction, gradients = probe.gradients(layers)
                    self._probe_cost = time.perf_counter() - p0
                    self.gradient_epochs += 1
                else:
                    prediction = probe.predict_first()
                    self._forward_cost = time.perf_counter() - p0
                    self._first_forward_cost = self._first_forward_cost or self._forward_cost
            except Exception as exc:  # e.g. a loss that needs sample weights: show, go on
                self._probe = None
                with state.lock:
                    state.note = f"Probe disabled: {type(exc).__name__}: {exc}"
            self.probe_seconds += time.perf_counter() - p0
        with state.lock:
            for name, kinds in summaries.items():
                for kind, summary in kinds.items():
                    state.layers.add(name, kind, epoch, summary)
            for name, arrays in (gradients or {}).items():
                state.layers.add(name, "gradients", epoch, summarize(arrays))
            if not self.histograms:
                for per_kind in state.layers.series.values():
                    for series in per_kind.values():
                        series.histograms.clear()
            if prediction is not None:
                state.outputs.add(epoch, prediction)
                state.bump("output")
            state.bump("layers")

    def _gradients_due(self, now: float) -> bool:
        if self.gradients is True:
            return True
        if self.gradients != "auto" or not self._forward_cost:
            return False  # the first epoch measures a forward pass before any gradient pass
        # Before the first gradient pass its cost is unknown: tracing it costs about twice
        # tracing the forward pass, which the first epoch measured.
        estimate = self._probe_cost or 2 * self._first_forward_cost
        with self.state.lock:
            active = self.state.active_seconds(now)
        return self.spent() + estimate <= self.budget * active


def _first(tree: Any) -> Any:
    """The first sample of the first array in `tree` (None if there is none)."""
    flat = keras.tree.flatten(tree)
    return np.asarray(flat[0][0]) if flat and len(flat[0]) else None
