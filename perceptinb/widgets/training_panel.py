"""The Training panel (`.pnb-training-panel`): the canvas' global training settings and a Train
button, like PerceptiLabs' training settings. The run's dashboard appears under the form.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as widgets

from perceptinb.training.settings import LOSSES, OPTIMIZERS, settings_for

_LABEL = {"description_width": "110px"}
_FIELD = widgets.Layout(width="260px")


class TrainingPanel(widgets.VBox):
    """Edit `canvas`'s training settings and start runs on `x`, `y`.

    Args:
        canvas: The `perceptinb.Canvas` to train.
        x, y: Training data, as for `Canvas.train`.
        **train_kwargs: More `Canvas.train` arguments (callbacks, validation_data...).
    """

    def __init__(self, canvas: Any, x: Any, y: Any = None, **train_kwargs: Any) -> None:
        self.canvas = canvas
        self.settings = settings_for(canvas)
        self.run: Any = None
        self._data = (x, y, train_kwargs)
        s = self.settings
        self.fields: dict[str, widgets.ValueWidget] = {
            "epochs": widgets.BoundedIntText(s.epochs, min=1, max=1_000_000, description="epochs"),
            "batch_size": widgets.BoundedIntText(s.batch_size, min=1, max=1 << 20,
                                                 description="batch size"),
            "validation_split": widgets.BoundedFloatText(
                s.validation_split, min=0, max=0.9, step=0.05, description="validation split"),
            "optimizer": widgets.Dropdown(options=OPTIMIZERS, value=s.optimizer,
                                          description="optimizer"),
            "learning_rate": widgets.BoundedFloatText(
                s.learning_rate, min=1e-8, max=10.0, step=1e-4, description="learning rate"),
            "loss": widgets.Dropdown(options=LOSSES, value=s.loss, description="loss"),
        }
        for name, field in self.fields.items():
            field.style = _LABEL
            field.layout = _FIELD
            field.observe(lambda change, name=name: self._on_change(name, change), names="value")
        self.button = widgets.Button(description="Train", icon="play", button_style="primary")
        self.button.add_class("pnb-train")
        self.button.on_click(lambda _: self.train())
        self.message = widgets.HTML()
        self.message.add_class("pnb-caption")
        form = widgets.GridBox(
            [*self.fields.values(), self.button],
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(270px, 1fr))",
                                  grid_gap="4px 12px", width="100%"),
        )
        title = widgets.HTML("<b>Training</b>")
        super().__init__([title, form, self.message], layout=widgets.Layout(width="100%"))
        self.add_class("pnb-training-panel")

    def _on_change(self, name: str, change: Any) -> None:
        try:
            self.settings.update(**{name: change["new"]})
            self.message.value = ""
        except ValueError as exc:
            self.message.value = f"<span class='pnb-error'>{exc}</span>"

    def train(self) -> Any:
        """Start a run with the current settings (what the Train button does)."""
        x, y, kwargs = self._data
        try:
            run = self.canvas.train(x, y, display=False, **kwargs)
        except (TypeError, ValueError, RuntimeError) as exc:
            self.message.value = f"<span class='pnb-error'>{exc}</span>"
            return None
        self.run = run
        self.message.value = ""
        self.button.disabled = True
        self.children = [*self.children[:3], run.dashboard]

        def enable_when_done() -> None:
            run.wait()
            self.button.disabled = False

        threading.Thread(target=enable_when_done, name="perceptinb-panel", daemon=True).start()
        return run
