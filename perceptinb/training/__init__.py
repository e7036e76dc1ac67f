"""Training with a live dashboard: `Run`, `train`, `LiveCallback` and the test metrics.

Modules: `run` (Run, train), `callback` (LiveCallback), `state` (shared run state), `publisher`
(throttled updates), `series` and `stats` (bounded per-batch and per-epoch data), `data` (inputs),
`evaluate` (test metrics), `settings` (the canvas' training settings).
Importing this package imports Keras; `import perceptinb` alone does not.
"""

from perceptinb.training.callback import LiveCallback
from perceptinb.training.evaluate import TestResult
from perceptinb.training.run import Run, train
from perceptinb.training.state import STATUSES

__all__ = ["STATUSES", "LiveCallback", "Run", "TestResult", "train"]
