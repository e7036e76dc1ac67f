"""What training needs to know about the notebook it runs in, and how it reports errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perceptinb.keras_errors import keras_message


def describe_error(error: BaseException) -> str:
    """``Type: message`` with TensorFlow's wrapping stripped to the line that names the cause."""
    return keras_message(error, with_type=True, limit=500)


def in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def after_cell(callback: Callable[[Any], None]) -> None:
    """Run `callback(result)` once, after the current cell finishes."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def once(result: Any) -> None:
        shell.events.unregister("post_run_cell", once)
        callback(result)

    shell.events.register("post_run_cell", once)
