"""The two models of an architecture diff as canvases: what the comparison widget draws with the
canvas' own renderer, and what `Comparison.side_by_side` shows as two live canvases.

Each side is a read-only `Canvas` (never displayed here): its `graph_view` is exactly what the
canvas front end draws, and with a sample its `previews` come from the same preview engine, so
both models' thumbnails show what each block does to the same input. Trained weights are used
where the hub kept them; otherwise the architecture, freshly initialized.

Wire form of `diff_canvases`: ``{"left": side, "right": side, "sample": bool}``, a side being
``{"label", "view": graph_view, "previews": previews_message | None}`` with the preview arrays
in `buffers` (`perceptinb.codec`).
"""

from __future__ import annotations

from typing import Any

from perceptinb.errors import PerceptinbError
from perceptinb.preview.channel import previews_message


def diff_entries(cmp: Any) -> list[Any]:
    """The first two entries with an architecture (what `Comparison.graph_diff` compares)."""
    return [e for e in cmp.entries if e.graph is not None][:2]


def entry_canvas(
    cmp: Any, entry: Any, sample: Any = None, target: Any = None, height: int = 420
) -> Any:
    """A read-only `Canvas` of `entry`: trained weights when there is a sample and the hub
    kept them (the previews then show the trained model), else its architecture."""
    from perceptinb.widgets.canvas import Canvas

    source = entry.graph
    if sample is not None:
        try:
            source = cmp._model_of(entry)
        except PerceptinbError:  # no kept weights: the architecture, freshly initialized
            source = entry.graph
    return Canvas(source, sample=sample, target=target, previews=sample is not None,
                  read_only=True, height=height, name=entry.label)


def diff_canvases(
    cmp: Any, buffers: list[Any], sample: Any = None, target: Any = None
) -> dict[str, Any] | None:
    """Both sides' graph views (and previews on `sample`), or None without two architectures.

    Args:
        cmp: The `Comparison`.
        buffers: Receives the preview arrays.
        sample: Data to take the first sample from (as for `Canvas`); None: no previews.
        target: That sample's label.
    """
    entries = diff_entries(cmp)
    if len(entries) < 2:
        return None
    sides = []
    for entry in entries:
        canvas = entry_canvas(cmp, entry, sample, target)
        try:
            previews = None
            if sample is not None:
                shown = canvas.previews
                # The user gave the sample: never a synthetic one.
                previews = previews_message(shown, [], True, False, buffers)
            sides.append({"label": entry.label, "view": canvas.graph_view,
                          "previews": previews})
        finally:
            canvas.close()
    return {"left": sides[0], "right": sides[1], "sample": sample is not None}
