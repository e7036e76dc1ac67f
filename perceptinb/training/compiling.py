"""Compiling a model for a run: the arguments checked up front, "auto" resolved from the data."""

from __future__ import annotations

from typing import Any

import keras

from perceptinb.training.data import infer_loss


def checked_compile_args(
    model: Any, optimizer: Any, learning_rate: float | None, loss: Any, metrics: Any
) -> dict[str, Any] | None:
    """The ``model.compile`` arguments of a run, checked before any thread starts.

    Returns:
        None when the model is compiled already and neither `optimizer` nor `loss` is given
        (a `learning_rate` then applies to its optimizer); otherwise the arguments, with
        "auto" for a loss and metrics chosen from the data later (`compile_model`).

    Raises:
        ValueError: an unknown optimizer or loss, or a learning rate that is not positive.
    """
    if getattr(model, "compiled", False) and optimizer is None and loss is None:
        if learning_rate is not None:
            model.optimizer.learning_rate = learning_rate
        return None
    if learning_rate is not None and (not isinstance(learning_rate, (int, float)) or
                                      learning_rate <= 0):
        raise ValueError(f"learning_rate must be a positive number. Received: {learning_rate!r}.")
    optimizer = "adam" if optimizer is None else optimizer
    if isinstance(optimizer, str):
        config: dict[str, Any] = {}
        if learning_rate is not None:
            config["learning_rate"] = float(learning_rate)
        try:
            optimizer = keras.optimizers.get({"class_name": optimizer, "config": config})
        except ValueError as exc:
            raise ValueError(f"Unknown optimizer {optimizer!r}: {exc}") from None
    elif learning_rate is not None:
        optimizer.learning_rate = learning_rate
    loss = "auto" if loss is None else loss
    if isinstance(loss, str) and loss != "auto":
        keras.losses.get(loss)  # raises ValueError naming an unknown loss, before any thread
    return {"optimizer": optimizer, "loss": loss, "metrics": "auto" if metrics is None else metrics}


def compile_model(model: Any, args: dict[str, Any], y_probe: Any) -> None:
    """Compile `model` with `args`, choosing an "auto" loss and metrics from the probe targets
    and the model's output (on the training thread: the probe comes from the data)."""
    args = dict(args)
    if args.get("loss") == "auto" or args.get("metrics") == "auto":
        loss, metrics = infer_loss(model, y_probe)
        if args.get("loss") == "auto":
            args["loss"] = loss
        if args.get("metrics") == "auto":
            args["metrics"] = metrics
    model.compile(**args)
