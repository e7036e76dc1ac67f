"""How a comparison is shown, without the hub knowing any widget.

The hub sits below the widgets: `Comparison` computes tables, curves and diffs and never imports
`perceptinb.widgets`. The widget layer hands its views in as factories (`CompareViews`, see
`perceptinb.widgets.compare`, behind `pnb.compare`); without them a comparison is numbers only
and displays as its plain ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CompareWidgetFactory = Callable[[Any, Any, Any], Any]
SideBySideFactory = Callable[[Any, Any, Any, int], Any]


@dataclass(frozen=True)
class CompareViews:
    """The widget layer's factories for a comparison's views (None: that view is not drawn).

    Args:
        widget: ``widget(comparison, sample, target)`` returns the comparison widget (curves,
            table, architecture diff): what displaying the comparison shows.
        side_by_side: ``side_by_side(comparison, sample, target, height)`` returns the first
            two models as read-only canvases next to each other.
    """

    widget: CompareWidgetFactory | None = None
    side_by_side: SideBySideFactory | None = None


NO_COMPARE_VIEWS = CompareViews()


def missing_view(what: str, entry_point: str) -> RuntimeError:
    """The error for a view asked of an object made without the widget layer."""
    return RuntimeError(
        f"{what} needs perceptinb's widgets, and this object was made without them. Expected it "
        f"from {entry_point}. Received: no view factory."
    )
