"""The canvas' global training settings (epochs, batch size, loss, optimizer, learning rate,
validation split), like PerceptiLabs' training panel. `Canvas.train` uses them as defaults; the
Training panel edits them.
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass, fields
from typing import Any

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad")
LOSSES = (
    "auto",
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
)


@dataclass
class TrainingSettings:
    epochs: int = 10
    batch_size: int = 32
    validation_split: float = 0.2
    optimizer: str = "adam"
    learning_rate: float = 0.001
    loss: str = "auto"

    def update(self, **changes: Any) -> None:
        """Set fields by name, validated.

        Raises:
            ValueError: an unknown field or an out-of-range value (nothing changes).
        """
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(
                f"Unknown training settings {sorted(unknown)}. Known: {sorted(names)}."
            )
        candidate = TrainingSettings(**{**asdict(self), **changes})
        candidate.validate()
        for key, value in changes.items():
            setattr(self, key, value)

    def validate(self) -> None:
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs must be a positive integer. Received: {self.epochs!r}.")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(
                f"batch_size must be a positive integer. Received: {self.batch_size!r}."
            )
        if not 0 <= self.validation_split < 1:
            raise ValueError(
                f"validation_split must be in [0, 1). Received: {self.validation_split!r}."
            )
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {OPTIMIZERS}. Received: {self.optimizer!r}."
            )
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive. Received: {self.learning_rate!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}. Received: {self.loss!r}.")

    def as_train_kwargs(self) -> dict[str, Any]:
        return asdict(self)


_SETTINGS: weakref.WeakKeyDictionary[Any, TrainingSettings] = weakref.WeakKeyDictionary()


def settings_for(canvas: Any) -> TrainingSettings:
    """The settings of `canvas` (created with defaults on first use)."""
    settings = _SETTINGS.get(canvas)
    if settings is None:
        settings = _SETTINGS[canvas] = TrainingSettings()
    return settings
