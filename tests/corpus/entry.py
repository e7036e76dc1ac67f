"""One corpus entry: a named builder of a Keras model, where its architecture comes from, and
the sample it is fed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """A model of the corpus.

    Args:
        name: Unique, short: the test id.
        source: Where the architecture is published (a URL).
        build: Makes the model, randomly initialized, with small shapes.
        fast: Cheap enough for the fast subset that `make test` runs.
        sample: Makes a batch of inputs for the model; None: random inputs from its input specs.
        gap: Why the entry cannot pass today, naming the block at fault (a bug outside
            perceptinb). Its test then checks that the failure names that block, and fails
            once the entry passes, so the gap is removed.
        gap_block: The block the failure must name.
    """

    name: str
    source: str
    build: Callable[[], Any]
    fast: bool = False
    sample: Callable[[Any], Any] | None = None
    gap: str | None = None
    gap_block: str | None = None
