"""Training with perceptinb's widgets: where the dashboard and the test view are handed down.

`perceptinb.training` records numbers and imports no widget; this module gives it the views to
draw them with (`VIEWS`). `pnb.train`, `pnb.LiveCallback` and `Canvas.train` come through here,
so a run started from the public API shows the live dashboard, and `run.test` the test view.
"""

from __future__ import annotations

import functools
from typing import Any

from perceptinb.training import callback as _callback
from perceptinb.training import run as _run
from perceptinb.training.views import Views
from perceptinb.widgets.dashboard import Dashboard
from perceptinb.widgets.test_view import TestView

VIEWS = Views(dashboard=Dashboard, test=TestView)


class LiveCallback(_callback.LiveCallback):
    __doc__ = _callback.LiveCallback.__doc__

    @functools.wraps(_callback.LiveCallback.__init__)
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dashboard", Dashboard)
        super().__init__(**kwargs)


@functools.wraps(_run.train)
def train(model: Any, x: Any = None, y: Any = None, **kwargs: Any) -> _run.Run:
    kwargs.setdefault("views", VIEWS)
    return _run.train(model, x, y, **kwargs)


@functools.wraps(_run.train_canvas)
def train_canvas(canvas: Any, x: Any, y: Any = None, **kwargs: Any) -> _run.Run:
    kwargs.setdefault("views", VIEWS)
    return _run.train_canvas(canvas, x, y, **kwargs)
