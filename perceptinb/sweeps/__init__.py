"""Sweeps: one model trained under many settings at once, on Dask workers, watched live.

Modules: `space` (keys, distributions, trial plans), `executor` (local cluster or any Client),
`trial` (what runs on a worker), `stream` (metrics in on the client), `record` (trials and the
hub), `pruning` (early stopping), `sweep` (the live `Sweep`: driver and stop), `updates` (streamed
messages applied to trials), `launch` (`sweep`), `views` (view factories: the `.pnb-sweep` view
lives in `perceptinb.widgets.sweep`, which hands it in behind `pnb.sweep`).
Importing this package imports Dask's client; TensorFlow loads only when a graph is checked.
"""

from perceptinb.sweeps.launch import sweep
from perceptinb.sweeps.space import loguniform, randint, uniform
from perceptinb.sweeps.sweep import Sweep

__all__ = ["Sweep", "loguniform", "randint", "sweep", "uniform"]
