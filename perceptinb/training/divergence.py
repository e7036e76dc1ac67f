"""Divergence: a loss that became NaN or infinite, like Keras' `TerminateOnNaN`, but the run
says where it happened and what to try instead of only stopping."""

from __future__ import annotations

from math import isfinite
from typing import Any

_WATCHED_AT_EPOCH_END = ("loss", "val_loss")


def batch_divergence(logs: dict[str, Any] | None, epoch: int, batch: int) -> str | None:
    """The reason to stop after training batch `batch` (1-based) of `epoch` (0-based), or None.

    Only the training loss is checked per batch: it is the number the optimizer follows.
    """
    loss = logs.get("loss") if logs else None
    if loss is None or isfinite(loss):
        return None
    return diverged_message(f"loss became {loss} at epoch {epoch + 1}, batch {batch}")


def epoch_divergence(logs: dict[str, Any], epoch: int) -> str | None:
    """The reason to stop after `epoch` (0-based), from its logs, or None."""
    for key in _WATCHED_AT_EPOCH_END:
        if key in logs:
            value = float(logs[key])
            if not isfinite(value):
                return diverged_message(f"{key} became {value} at epoch {epoch + 1}")
    return None


def diverged_message(what: str) -> str:
    return (
        f"Diverged: {what}. Training stopped; try a lower learning rate, or check the data for "
        "NaN/Inf values."
    )
