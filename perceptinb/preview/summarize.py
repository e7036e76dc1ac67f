"""Turn one layer output (for one sample) into a small drawable preview.

The kind follows the shape: short vectors are bars, long vectors a line, H×W(×1) grayscale,
H×W×3 RGB, H×W×C a grid of feature maps, T×D a heatmap, integer vectors token ids. Payloads are
uint8 images or float16 vectors, bounded in size: a block thumbnail stays under
`THUMB_BYTES`, and only the selected block gets the full-resolution `detail` version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perceptinb import codec

THUMB_BYTES = 16 * 1024
THUMB_SIDE = 64  # longest side of a thumbnail image, pixels
THUMB_TILE = 24  # side of one feature map in a thumbnail grid
THUMB_CHANNELS = 16  # feature maps shown in a thumbnail grid
DETAIL_SIDE = 256
DETAIL_CHANNELS = 36  # feature maps per inspector page
SHORT_VECTOR = 32
LINE_POINTS = 256
HISTOGRAM_BINS = 32


@dataclass
class Preview:
    """A drawable summary of one node's output for the first sample.

    Attributes:
        kind: gray, rgb, grid, heatmap, bars, line, tokens or none.
        shape: The output shape without the batch dimension.
        stats: min, mean, max, std, zero_frac (dead units), nan and inf counts.
        data: The payload (uint8 image, float16 values or int32 tokens), or None.
        grid: Tile layout for ``grid`` previews.
        value_range: The values that 0 and 255 (or the bar axis) stand for.
        error: The Keras message if the layer failed on the sample.
        labels: For text: the words the ``tokens`` payload stands for, in order.
    """

    kind: str
    shape: tuple[int, ...]
    stats: dict[str, float] = field(default_factory=dict)
    data: np.ndarray | None = None
    grid: dict[str, Any] | None = None
    value_range: tuple[float, float] = (0.0, 0.0)
    error: str | None = None
    labels: list[str] | None = None

    @property
    def nbytes(self) -> int:
        return 0 if self.data is None else int(self.data.nbytes)

    def to_message(self, node_id: str, buffers: list[bytes]) -> dict[str, Any]:
        """The wire form; the payload goes to `buffers` through `perceptinb.codec` (binary,
        never JSON lists): ``data`` is its ``{buffer, dtype, shape}`` descriptor, or None."""
        item: dict[str, Any] = {
            "node": node_id,
            "kind": self.kind,
            "shape": list(self.shape),
            "data": codec.encode(self.data, buffers) if self.data is not None else None,
            "stats": self.stats,
            "error": self.error,
            "range": [float(v) for v in self.value_range],
        }
        if self.grid is not None:
            item["grid"] = self.grid
        if self.labels is not None:
            item["labels"] = self.labels
        return item


def failed(shape: tuple[int, ...], error: str) -> Preview:
    return Preview("none", shape, error=error)


def summarize(output: Any, *, detail: bool = False, page: int = 0) -> Preview:
    """Summarize the first sample of a batched layer output.

    Args:
        output: An array-like with a leading batch dimension (its first row is summarized).
        detail: Full resolution for the inspector instead of a thumbnail.
        page: For feature maps in detail mode: which group of `DETAIL_CHANNELS` to show.
    """
    with np.errstate(all="ignore"):  # huge or non-finite values are flagged, not warned about
        return _summarize(np.asarray(output), detail, page)


def _summarize(array: np.ndarray, detail: bool, page: int) -> Preview:
    sample = array[0] if array.ndim >= 1 else array.reshape(())
    shape = tuple(int(d) for d in sample.shape)
    if sample.dtype.kind in "USO":
        return _text(sample, shape)
    stats = statistics(sample)
    if sample.dtype.kind in "iu" and sample.ndim <= 1:
        return Preview("tokens", shape, stats, sample.reshape(-1)[:LINE_POINTS].astype(np.int32))
    values = sample.astype(np.float32, copy=False)
    if values.ndim <= 1:
        return _vector(values.reshape(-1), shape, stats, detail)
    if values.ndim == 2:
        # H×W image or T×D sequence: a square-ish map reads as an image, a long thin one as time.
        kind = "gray" if 0.25 <= values.shape[0] / max(values.shape[1], 1) <= 4 else "heatmap"
        return _image(values, kind, shape, stats, detail)
    if values.ndim == 3 and values.shape[-1] in (1, 3):
        kind = "gray" if values.shape[-1] == 1 else "rgb"
        return _image(values if kind == "rgb" else values[..., 0], kind, shape, stats, detail)
    if values.ndim == 3:
        return _grid(values, shape, stats, detail, page)
    # Volumes and higher ranks: show the first slice of every extra axis as feature maps.
    flat = values.reshape(values.shape[0], values.shape[1], -1)
    return _grid(flat, shape, stats, detail, page)


def _text(sample: np.ndarray, shape: tuple[int, ...]) -> Preview:
    """Text (a string input): its words as tokens, numbered in order, the words as labels."""
    words: list[str] = []
    for value in sample.reshape(-1).tolist():
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        words.extend(text.split())
    words = words[:LINE_POINTS] or [""]  # an empty text still shows one (empty) token
    ids = np.arange(len(words), dtype=np.int32)
    return Preview("tokens", shape, dict(_EMPTY_STATS), ids, labels=words)


def statistics(values: np.ndarray) -> dict[str, float]:
    """min, mean, max, std, fraction of zeros (dead units) and NaN/Inf counts.

    Call it inside ``np.errstate(all="ignore")`` for arrays with huge values (as `summarize`
    does): overflow shows up as inf in the result, which is the truthful answer.

    This runs on every activation of every block, so it is written for speed: a handful of
    single passes (min, max, two BLAS dot products, one comparison) and no float64 copies.
    min and max propagate NaN and reach ±Inf, so finite extremes prove the whole array clean
    and the slower NaN-aware path only runs when something is wrong.
    """
    flat = np.ascontiguousarray(values).reshape(-1)
    if flat.size == 0:
        return dict(_EMPTY_STATS)
    if flat.dtype.kind != "f":
        flat = flat.astype(np.float32)
    lo, hi = flat.min(), flat.max()
    nan = inf = 0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        finite = np.isfinite(flat)
        nan = int(np.count_nonzero(np.isnan(flat)))
        inf = int(flat.size - np.count_nonzero(finite) - nan)
        flat = flat[finite]
        if flat.size == 0:
            return {**_EMPTY_STATS, "nan": nan, "inf": inf}
        lo, hi = flat.min(), flat.max()
    n = flat.size
    total = float(np.dot(flat, _ones(n, flat.dtype)))
    mean = total / n
    var = max(float(np.dot(flat, flat)) / n - mean * mean, 0.0)
    return {
        "min": float(lo),
        "mean": mean,
        "max": float(hi),
        "std": math.sqrt(var),
        "zero_frac": float(np.count_nonzero(flat == 0)) / n,
        "nan": nan,
        "inf": inf,
    }


_EMPTY_STATS = {
    "min": 0.0,
    "mean": 0.0,
    "max": 0.0,
    "std": 0.0,
    "zero_frac": 0.0,
    "nan": 0,
    "inf": 0,
}
_ONES: dict[str, np.ndarray] = {}


def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A cached vector of ones: a dot product with it is the fastest sum numpy offers."""
    key = np.dtype(dtype).str
    ones = _ONES.get(key)
    if ones is None or ones.size < n:
        ones = _ONES[key] = np.ones(max(n, 1 << 16), dtype)
    return ones[:n]


def histogram(output: Any, bins: int = HISTOGRAM_BINS) -> tuple[np.ndarray, float, float]:
    """Counts of the first sample's finite values in `bins` equal bins, and their range."""
    counts, _, lo, hi = histogram_of(np.asarray(output)[0], bins)
    return counts, lo, hi


def histogram_of(values: Any, bins: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Counts of the finite values in `bins` equal bins, the bin edges, and the values' range.

    The one histogram of the package: block previews and the training dashboard's layer
    statistics both use it. A constant array (a zero-initialised bias, a dead ReLU) gets one
    narrow bin around its value rather than a bin of width zero.
    """
    array = np.asarray(values)
    if array.dtype.kind in "USO":  # text has no values to count
        return np.zeros(bins, np.float32), np.zeros(bins + 1, np.float32), 0.0, 0.0
    flat = array.astype(np.float32, copy=False).reshape(-1)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return np.zeros(bins, np.float32), np.zeros(bins + 1, np.float32), 0.0, 0.0
    lo, hi = float(flat.min()), float(flat.max())
    low, high = lo, hi
    if high <= low:
        pad = max(abs(low) * 1e-3, 1e-6)
        low, high = low - pad, high + pad
    counts, edges = np.histogram(flat, bins=bins, range=(low, high))
    return counts.astype(np.float32), edges.astype(np.float32), lo, hi


def _vector(values: np.ndarray, shape, stats, detail: bool) -> Preview:
    lo, hi = _finite_range(values)
    if values.size <= SHORT_VECTOR:
        return Preview("bars", shape, stats, values.astype(np.float16), value_range=(lo, hi))
    points = values if detail and values.size <= 4 * LINE_POINTS else _downsample_1d(values)
    return Preview("line", shape, stats, points.astype(np.float16), value_range=(lo, hi))


def _image(values: np.ndarray, kind: str, shape, stats, detail: bool) -> Preview:
    side = DETAIL_SIDE if detail else THUMB_SIDE
    # Images keep their aspect ratio; a T×D heatmap shrinks each axis on its own, so a long
    # sequence of few features keeps all its features.
    small = _shrink(values, side, keep_aspect=kind != "heatmap")
    lo, hi = _finite_range(small)
    return Preview(kind, shape, stats, _to_uint8(small, lo, hi), value_range=(lo, hi))


def _grid(
    values: np.ndarray, shape, stats, detail: bool, page: int, channels: int | None = None
) -> Preview:
    # `channels`: the count of feature maps when `values` holds only the page's shown ones
    # (the fused path shrinks them before they leave TensorFlow).
    channels = values.shape[-1] if channels is None else channels
    per_page = DETAIL_CHANNELS if detail else THUMB_CHANNELS
    pages = max(1, math.ceil(channels / per_page))
    page = min(max(page, 0), pages - 1)
    shown = min(per_page, channels - page * per_page)
    cols = math.ceil(math.sqrt(shown))
    rows = math.ceil(shown / cols)
    tile_side = (DETAIL_SIDE // cols) if detail else THUMB_TILE
    # Shrink all shown channels in one vectorized pass, then lay the tiles out as a sheet.
    tiles = _shrink(values[..., page * per_page : page * per_page + shown], tile_side)
    th, tw = tiles.shape[:2]
    padded = np.full((th, tw, rows * cols), np.nan, np.float32)
    padded[..., :shown] = tiles
    sheet = padded.reshape(th, tw, rows, cols).transpose(2, 0, 3, 1).reshape(rows * th, cols * tw)
    lo, hi = _finite_range(sheet)
    grid = {
        "rows": rows,
        "cols": cols,
        "tile": [th, tw],
        "channels": int(channels),
        "shown": int(shown),
        "page": page,
        "pages": pages,
    }
    return Preview("grid", shape, stats, _to_uint8(sheet, lo, hi), grid, (lo, hi))


def _shrink(image: np.ndarray, side: int, keep_aspect: bool = True) -> np.ndarray:
    """Area-average an H×W(×C) array so no side is longer than `side` pixels.

    Sums the fh×fw strided views instead of reshaping: a reshape of a channel slice would copy
    the whole activation first, and this runs on every block of every refresh.
    """
    h, w = image.shape[:2]
    fh, fw = max(1, math.ceil(h / side)), max(1, math.ceil(w / side))
    if keep_aspect:
        fh = fw = max(fh, fw)
    if fh == fw == 1:
        return image.astype(np.float32, copy=False)
    h2, w2 = h // fh, w // fw
    total = np.zeros((h2, w2, *image.shape[2:]), np.float32)
    for i in range(fh):
        for j in range(fw):
            total += image[i: h2 * fh: fh, j: w2 * fw: fw]
    total *= 1.0 / (fh * fw)
    return total


def _downsample_1d(values: np.ndarray) -> np.ndarray:
    if values.size <= LINE_POINTS:
        return values
    edges = np.linspace(0, values.size, LINE_POINTS + 1).astype(int)
    return np.add.reduceat(values, edges[:-1]) / np.diff(edges)


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def _to_uint8(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Scale to 0..255; NaN/Inf become 0 (the stats flag them, the image must not lie)."""
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    with np.errstate(invalid="ignore"):
        scaled = (np.nan_to_num(values, nan=lo, posinf=hi, neginf=lo) - lo) * scale
    return np.clip(scaled, 0, 255).astype(np.uint8)
