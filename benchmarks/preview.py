"""First-sample previews on ResNet50 (224×224), measured against a plain forward pass.

Prints, from one process with interleaved runs (medians; the machine is noisy):
- full preview (compute + summarize + encode) / plain ``model(x)``: target <= 1.3
- editing the last Dense: nodes recomputed (target <= 2) and time / full preview (<= 0.1)
- total preview payload (target <= 2 MB) against the raw activations (~148 MB)
- ``pnb.Canvas(ResNet50)`` returning (first paint; previews follow on a thread) / ``model(x)``:
  target <= 2.5
Previews run on the numpy summary path (layer by layer, eager); there is no fused path yet.
Run: ``make bench`` (or ``python benchmarks/preview.py``).
"""

from __future__ import annotations

import statistics
import time

import keras
import numpy as np

import perceptinb as pnb

PAIRS = 9


def main() -> None:
    model = keras.applications.ResNet50(weights=None)
    x = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
    canvas = pnb.Canvas(model, sample=x)
    for _ in range(2):  # warm up both paths (TensorFlow's first calls allocate and trace)
        model(x)
        canvas.refresh_previews()

    forward, full, overhead = [], [], []
    for _ in range(PAIRS):
        started = time.perf_counter()
        model(x)
        forward.append(time.perf_counter() - started)
        started = time.perf_counter()
        canvas.refresh_previews()  # recomputes, summarizes and encodes every node
        full.append(time.perf_counter() - started)
        last = canvas._previews.last
        # Direct cost measurement, immune to the machine's noise: what previews add on top of
        # the layers' own work, relative to that work.
        overhead.append((full[-1] - last.layer_seconds) / last.layer_seconds)
    assert canvas.preview_stats["recomputed"] == len(canvas.graph.nodes)

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
    rows = [
        ("plain model(x), s", f, ""),
        ("full preview, s", p, ""),
        ("full preview / model(x) (wall)", p / f, "<= 1.3"),
        ("1 + preview overhead / layer time", 1 + statistics.median(overhead), "<= 1.3"),
        ("edit last Dense: nodes recomputed", max(recomputed), "<= 2"),
        ("edit last Dense / full preview", e / p, "<= 0.1"),
        ("preview payload, MB", payload / 1e6, "<= 2"),
        ("pnb.Canvas(ResNet50) returns / model(x)", c / f, "<= 2.5"),
        ("raw activations, MB", raw / 1e6, "(~148)"),
        ("payload / raw activations", payload / raw, ""),
    ]
    print(f"ResNet50 224x224, {PAIRS} interleaved pairs, medians; preview path: numpy")
    for label, value, target in rows:
        print(f"  {label:<36}{value:>10.3f}  {target}")


if __name__ == "__main__":
    main()
