"""perceptinb: visual modeling of Keras models inside Jupyter notebook cells.

Importing this package does not import TensorFlow; Keras loads on first use.
"""

from perceptinb.errors import CommandError, GraphError, PerceptinbError
from perceptinb.graph import Edge, Graph, Node

__version__ = "0.1.0"

__all__ = ["Canvas", "CommandError", "Edge", "Graph", "GraphError", "Node", "PerceptinbError"]


def __getattr__(name: str):
    # The widget pulls in ipywidgets/anywidget; load it only when asked for.
    if name == "Canvas":
        from perceptinb.widgets.canvas import Canvas

        return Canvas
    raise AttributeError(f"module 'perceptinb' has no attribute {name!r}")
