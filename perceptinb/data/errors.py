"""The error a data reader raises for a file it cannot use."""

from __future__ import annotations

from perceptinb.errors import PerceptinbError


class DataError(PerceptinbError, ValueError):
    """A data file or folder cannot be used; the message names the file, row or column."""
