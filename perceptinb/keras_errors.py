"""The one cleaner of Keras and TensorFlow error messages, for every place that shows one.

Keras wraps the reason a layer fails in boilerplate that a block, a form or a dashboard header
has no room for: ``from_config`` errors dump the whole config before ``Exception encountered:``,
call errors start with ``Exception encountered when calling Dense.call().`` and end with an
argument dump, some carry terminal colours, and tf.data wraps a Python error raised in a pipeline
in a TensorFlow traceback. `keras_message` keeps the sentence that names the cause.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CONFIG_DUMP = "Exception encountered:"
_CALL_PREFIX = re.compile(r"^Exception encountered when calling [\w.]+\(\)\.\s*")
_ARGUMENT_DUMP = "\n\nArguments received by"
MAX_CHARS = 1200


def keras_message(error: BaseException, *, with_type: bool = False, limit: int = MAX_CHARS) -> str:
    """The part of `error`'s message that a user needs.

    Args:
        error: Any exception; Keras and TensorFlow ones get their wrapping removed.
        with_type: Start with the exception's class, ``"ValueError: ..."``. For a TensorFlow
            error that wraps a Python one (tf.data pipelines), the wrapped ``Type: message`` line
            is returned instead, since that names the real cause.
        limit: Longest message returned; longer ones are cut and end with ``...``.
    """
    text = _ANSI.sub("", str(error)).strip()
    if _CONFIG_DUMP in text:
        text = text.split(_CONFIG_DUMP, 1)[1].strip()
    text = _CALL_PREFIX.sub("", text)
    text = text.split(_ARGUMENT_DUMP, 1)[0].strip()
    if with_type:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        text = _wrapped_cause(lines) or f"{type(error).__name__}: {lines[0] if lines else ''}"
    elif not text:
        text = type(error).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def _wrapped_cause(lines: list[str]) -> str | None:
    """The last ``SomeError: message`` line of a TensorFlow traceback dump, if there is one."""
    for line in reversed(lines):
        head, sep, _ = line.partition(":")
        if sep and head.endswith(("Error", "Exception")) and " " not in head:
            return line
    return None
