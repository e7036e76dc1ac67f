"""First-sample previews on ResNet50 (224×224), measured against a plain forward pass.

Prints, from one process with interleaved runs (medians; the machine is noisy):
- full preview (compute + summarize + encode) / plain ``model(x)``, on both paths: numpy
  (layers eagerly, summaries in numpy) and fused (one compiled forward pass computing the
  summaries; see `perceptinb.preview.fused`), interleaved with ``model(x)``: target <= 1.15
- the fused path against the same forward pass compiled alone (``tf.function(model)``): what
  the in-graph summaries cost
- the fused path's one-off compile (tracing) time, and the path ``refresh_previews`` picks
- editing the last Dense: nodes recomputed (target <= 2) and time / full preview (<= 0.1)
- total preview payload (target <= 2 MB) against the raw activations (~148 MB)
- ``pnb.Canvas(ResNet50)`` returning (first paint; previews follow on a thread) / ``model(x)``:
  target <= 2.5
Run: ``make bench`` (or ``python benchmarks/preview.py``).
"""

from __future__ import annotations

import statistics
import time

import keras
import numpy as np
import tensorflow as tf

import perceptinb as pnb

PAIRS = 9


def main() -> None:
    model = keras.applications.ResNet50(weights=None)
    x = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
    canvas = pnb.Canvas(model, sample=x)
    engine = canvas._previews.engine
    engine.fused = "never"
    for _ in range(2):  # warm up (TensorFlow's first calls allocate)
        model(x)
        canvas.refresh_previews()
    engine.fused = "always"
    started = time.perf_counter()
    canvas.refresh_previews()  # traces the fused function once
    compile_seconds = time.perf_counter() - started
    canvas.refresh_previews()

    def full_refresh(path: str) -> float:
        engine.fused = path
        started = time.perf_counter()
        canvas.refresh_previews()  # recomputes, summarizes and encodes every node
        seconds = time.perf_counter() - started
        assert canvas.preview_stats["recomputed"] == len(canvas.graph.nodes)
        assert canvas.preview_stats["path"] == ("numpy" if path == "never" else "fused")
        return seconds

    # The fair baseline of the fused path's summaries: the same forward pass, compiled alone.
    compiled = tf.function(model)
    compiled(x)

    forward, full, fused, overhead, compiled_forward = [], [], [], [], []
    for _ in range(PAIRS):
        started = time.perf_counter()
        model(x)
        forward.append(time.perf_counter() - started)
        started = time.perf_counter()
        compiled(x).numpy()
        compiled_forward.append(time.perf_counter() - started)
        full.append(full_refresh("never"))
        last = canvas._previews.last
        # Direct cost measurement, immune to the machine's noise: what previews add on top of
        # the layers' own work, relative to that work.
        overhead.append((full[-1] - last.layer_seconds) / last.layer_seconds)
        fused.append(full_refresh("always"))
    engine.fused = "never"  # edits and new canvases below: the incremental numpy path

    created = []
    for _ in range(PAIRS):
        started = time.perf_counter()
        fresh = pnb.Canvas(model, sample=x)
        created.append(time.perf_counter() - started)
        assert fresh.previews  # its previews finish before the next one starts

    edits, recomputed = [], []
    for i in range(PAIRS):
        canvas.apply({"op": "set", "node": "predictions", "key": "units", "value": 10 + i % 2})
        edits.append(canvas.preview_stats["seconds"])
        recomputed.append(canvas.preview_stats["recomputed"])

    payload = sum(p.nbytes for p in canvas.previews.values())
    raw = sum(int(np.prod(t.shape)) * 4 for t in canvas._previews.engine.cached_outputs())
    f, p, e, c = (statistics.median(v) for v in (forward, full, edits, created))
    fp = statistics.median(fused)
    pair_ratio = statistics.median(b / a for a, b in zip(forward, fused, strict=True))
    rows = [
        ("plain model(x), s", f, ""),
        ("full preview (numpy path), s", p, ""),
        ("full preview (fused path), s", fp, ""),
        ("numpy path / model(x) (wall)", p / f, "<= 1.15"),
        ("fused path / model(x) (wall)", fp / f, "<= 1.15"),
        ("fused path / model(x), median of pairs", pair_ratio, "<= 1.15"),
        ("fused path / numpy path", fp / p, ""),
        ("fused path / compiled model(x)", fp / statistics.median(compiled_forward), ""),
        ("fused path: one-off compile, s", compile_seconds, ""),
        ("1 + numpy preview overhead / layers", 1 + statistics.median(overhead), "<= 1.15"),
        ("edit last Dense: nodes recomputed", max(recomputed), "<= 2"),
        ("edit last Dense / full preview", e / p, "<= 0.1"),
        ("preview payload, MB", payload / 1e6, "<= 2"),
        ("pnb.Canvas(ResNet50) returns / model(x)", c / f, "<= 2.5"),
        ("raw activations, MB", raw / 1e6, "(~148)"),
        ("payload / raw activations", payload / raw, ""),
    ]
    print(f"ResNet50 224x224, {PAIRS} interleaved runs, medians; preview paths: numpy, fused")
    # fused="auto" compiles once the numpy refreshes of one graph have cost the compile.
    refreshes = compile_seconds / p
    print(f"  fused='auto': numpy for the first ~{refreshes:.0f} full refreshes, then fused")
    for label, value, target in rows:
        print(f"  {label:<36}{value:>10.3f}  {target}")


if __name__ == "__main__":
    main()
