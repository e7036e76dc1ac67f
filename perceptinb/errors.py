"""Exceptions raised by perceptinb.

Every message says what was expected and what was received, and names the node, field or
command that caused it, in the style of Keras' own errors.
"""

from __future__ import annotations


class PerceptinbError(Exception):
    """Base class of every error perceptinb raises on purpose."""


class GraphError(PerceptinbError, ValueError):
    """A graph (in memory, in JSON or from Keras) is malformed or unsafe to load."""


class CommandError(PerceptinbError, ValueError):
    """A command sent to `Canvas.apply` is invalid; the graph was left unchanged."""
