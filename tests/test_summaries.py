"""One histogram and one set of statistics for block previews and dashboard layer statistics."""

import math

import numpy as np

from perceptinb.preview.summarize import histogram, histogram_of, statistics
from perceptinb.training.stats import summarize


def test_layer_summary_reads_like_the_preview_statistics():
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=4).astype("float32")
    summary = summarize([kernel, bias], bins=10)
    both = np.concatenate([kernel.ravel(), bias.ravel()])
    stats = statistics(both)
    assert (summary.min, summary.mean, summary.max) == (stats["min"], stats["mean"], stats["max"])
    counts, edges, lo, hi = histogram_of(both, 10)
    assert np.array_equal(summary.counts, counts) and np.array_equal(summary.edges, edges)
    assert counts.sum() == both.size and (edges[0], edges[-1]) == (lo, hi)


def test_a_constant_array_gets_one_narrow_bin_around_its_value():
    counts, edges, lo, hi = histogram_of(np.zeros((3, 3)), 5)
    assert (lo, hi) == (0.0, 0.0)
    assert counts.tolist() == [0, 0, 9, 0, 0]
    assert edges[0] < 0 < edges[-1] and edges[-1] - edges[0] < 1e-3
    first_sample_counts, lo, hi = histogram(np.full((2, 4), 7.0), bins=5)
    assert first_sample_counts.tolist() == [0, 0, 4, 0, 0] and (lo, hi) == (7.0, 7.0)


def test_nan_and_inf_are_left_out_and_all_nan_reads_nan():
    values = np.array([1.0, np.nan, 3.0, np.inf], "float32")
    summary = summarize([values], bins=2)
    assert (summary.min, summary.mean, summary.max) == (1.0, 2.0, 3.0)
    assert summary.counts.sum() == 2
    empty = summarize([np.full(3, np.nan, "float32")], bins=4)
    assert math.isnan(empty.mean) and empty.counts.sum() == 0 and empty.edges.shape == (5,)
    assert summarize([np.zeros(0)]) is None
