"""Training below the widgets: `Run`, `train`, `LiveCallback` and the test metrics.

Numbers only: nothing here imports `perceptinb.widgets`; the widget layer hands the dashboard
and test view in as `Views` factories (see `perceptinb.widgets.live_training`, behind `pnb.train`,
`Canvas.train` and `pnb.LiveCallback`).

Modules: `run` (Run, train, train_canvas) · `callback` (LiveCallback, composing the parts
below) · `recorder` (per-batch and per-epoch numbers) · `layer_recorder` (weights, probe,
gradients) · `state` (RunState and its status machine) · `control` (stop / pause requests) ·
`divergence` (NaN/Inf losses) · `interrupt` (Ctrl-C) · `views` (view factories, LiveView) ·
`publisher` (throttled updates) · `series`, `stats` (bounded data) · `minimap` · `data` (inputs) ·
`compiling` (compile arguments) · `evaluate` (test metrics) · `settings` (the canvas' training
settings) · `notebook`.
Importing this package imports Keras; `import perceptinb` alone does not.
"""

from perceptinb.training.callback import LiveCallback
from perceptinb.training.evaluate import TestResult
from perceptinb.training.run import Run, train
from perceptinb.training.state import STATUSES
from perceptinb.training.views import Views

__all__ = ["STATUSES", "LiveCallback", "Run", "TestResult", "Views", "train"]
