"""How a sweep is shown, without the sweep knowing any widget.

Sweeps sit below the widgets: a `Sweep` drives trials and never imports `perceptinb.widgets`.
The widget layer hands its views in as factories (`SweepViews`, see `perceptinb.widgets.sweep`,
behind `pnb.sweep`); without them a sweep is numbers only and displays as its plain ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from perceptinb.hub.views import NO_COMPARE_VIEWS, CompareViews


@dataclass(frozen=True)
class SweepViews:
    """The widget layer's factories for a sweep's views.

    Args:
        sweep: ``sweep(sweep)`` returns the live view ("Trial k/n", the table, the curves, stop
            buttons): what displaying the sweep shows. None: the sweep is not drawn.
        compare: The views handed to ``sweep.compare()``'s comparison.
    """

    sweep: Callable[[Any], Any] | None = None
    compare: CompareViews = field(default=NO_COMPARE_VIEWS)


NO_SWEEP_VIEWS = SweepViews()
