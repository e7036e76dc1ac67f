"""Early stopping of poor trials: the median stopping rule.

After each epoch, a trial whose best objective so far is worse than the median of the other
trials' best values at the same epoch is stopped (Golovin et al., "Google Vizier", 2017). It
needs no extra configuration, works with any number of concurrent trials, and never stops the
first trials that set the bar. `saved` reports the epochs it spared.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class MedianStopping:
    """Args:
    objective: The metric compared, e.g. "val_loss".
    mode: "min" or "max".
    grace_epochs: Epochs every trial runs before it can be stopped.
    min_trials: How many other trials must have reached an epoch before the rule applies.
    """

    objective: str
    mode: str = "min"
    grace_epochs: int = 1
    min_trials: int = 3
    # Per trial, its running best at each finished epoch.
    _curves: dict[int, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'. Received: {self.mode!r}.")

    def reset(self, trial: int) -> None:
        """Forget a trial's curve (its rerun after a worker died starts over)."""
        self._curves.pop(trial, None)

    def report(self, trial: int, epoch: int, value: float) -> bool:
        """Record `value` at `epoch` (0-based); True when the trial should stop now."""
        curve = self._curves.setdefault(trial, [])
        del curve[epoch:]
        previous = curve[-1] if curve else None
        best = value if previous is None else self._better(previous, value)
        curve.append(best)
        if epoch < self.grace_epochs or value != value:  # NaN: the trial diverges
            return False
        others = [c[epoch] for t, c in self._curves.items() if t != trial and len(c) > epoch]
        if len(others) < self.min_trials:
            return False
        median = statistics.median(others)
        return best > median if self.mode == "min" else best < median

    def _better(self, a: float, b: float) -> float:
        if b != b:
            return a
        return min(a, b) if self.mode == "min" else max(a, b)


def epochs_saved(planned: dict[int, int], run: dict[int, int]) -> dict[str, float]:
    """What early stopping spared: epochs planned and run over the finished trials."""
    total_planned = sum(planned.values())
    total_run = sum(run.get(t, 0) for t in planned)
    return {
        "epochs_planned": total_planned,
        "epochs_run": total_run,
        "saved_fraction": 1 - total_run / total_planned if total_planned else 0.0,
    }
