"""perceptinb: visual modeling of Keras models inside Jupyter notebook cells.

Importing this package does not import TensorFlow; Keras loads on first use.
"""

# First, before anything can load TensorFlow: keep its C++ start-up log lines (and the CUDA
# "failed call to cuInit" error on machines without a GPU) out of the notebook, unless the user
# has set TF_CPP_MIN_LOG_LEVEL. It takes effect when perceptinb is imported before Keras.
from perceptinb.tf_logs import quiet_tensorflow_logs

quiet_tensorflow_logs()

from perceptinb.errors import CommandError, GraphError, PerceptinbError  # noqa: E402
from perceptinb.graph import Edge, Graph, Node  # noqa: E402

__version__ = "0.1.0"

# Widgets and Keras-facing helpers pull in ipywidgets/TensorFlow: load them on first use.
_LAZY = {
    "Canvas": ("perceptinb.widgets.canvas", "Canvas"),
    "inspect": ("perceptinb.widgets.canvas", "inspect"),
    # The training API with the dashboard handed in (perceptinb.training imports no widget).
    "LiveCallback": ("perceptinb.widgets.live_training", "LiveCallback"),
    "train": ("perceptinb.widgets.live_training", "train"),
    "Run": ("perceptinb.training.run", "Run"),
    # The hub (SQLite, pandas) and comparisons: TensorFlow loads only when a model is opened.
    # The widget level adds the views to perceptinb.hub, which imports no widget.
    "Hub": ("perceptinb.widgets.hub", "Hub"),
    "compare": ("perceptinb.widgets.compare", "compare"),
    # Sweeps import Dask's client: only when used. The sweep view is handed in at this level.
    "sweep": ("perceptinb.widgets.sweep", "sweep"),
    "loguniform": ("perceptinb.sweeps.space", "loguniform"),
    "uniform": ("perceptinb.sweeps.space", "uniform"),
    "randint": ("perceptinb.sweeps.space", "randint"),
    # Readers of CSV files and image folders (pandas, TensorFlow): a submodule, loaded on use.
    "data": ("perceptinb.data", None),
}

__all__ = ["CommandError", "Edge", "Graph", "GraphError", "Node", "PerceptinbError", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        loaded = importlib.import_module(module)
        return loaded if attr is None else getattr(loaded, attr)
    raise AttributeError(f"module 'perceptinb' has no attribute {name!r}")
