"""A corpus of Keras architectures written by others, to test perceptinb on real models.

Each entry builds one model from its published architecture: `keras.applications`, the
functional backbones of keras-hub (random init, small configs) and models from the Keras code
examples on keras.io. `checks.run` holds every entry to the same rule.
"""

from __future__ import annotations

from corpus.entry import Entry


def entries() -> list[Entry]:
    """Every entry of the corpus, in a stable order (keras-hub ones only where it installs)."""
    from corpus import applications, keras_hub_backbones, keras_io

    return [*keras_io.ENTRIES, *applications.ENTRIES, *keras_hub_backbones.entries()]


__all__ = ["Entry", "entries"]
