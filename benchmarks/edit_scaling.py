"""Edit cost over graph size: one `set units` on the last block of a chain of N Dense blocks.

An edit should cost the change, not the graph. Targets (issue 9): the edit on 800 blocks takes
<= 2x the time of the same edit on 50 blocks, and <= 30 ms kernel side apart from the layers
it recomputes. Each edit gives the block a value it never had, so a new Keras layer is built
every time (no cache hit). Medians over interleaved runs; prints the ratios vs 50 blocks.

    python benchmarks/edit_scaling.py [--sizes 50,200,800,2000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def chain(n: int):
    import keras

    x = inputs = keras.Input((8,), name="x")
    for i in range(n):
        x = keras.layers.Dense(8, name=f"d{i}")(x)
    return keras.Model(inputs, x, name=f"chain{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50,200,800,2000")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    import perceptinb as pnb

    sys.setrecursionlimit(20_000)  # Keras walks a 2,000-layer chain recursively when building it
    sizes = [int(s) for s in args.sizes.split(",")]
    canvases = {n: pnb.Canvas(chain(n)) for n in sizes}
    times: dict[int, list[float]] = {n: [] for n in sizes}
    layer_times: dict[int, list[float]] = {n: [] for n in sizes}
    value = 9
    for _ in range(args.repeats):  # interleaved: machine noise hits every size alike
        for n, canvas in canvases.items():
            value += 1
            started = time.perf_counter()
            canvas.apply({"op": "set", "node": f"d{n - 1}", "key": "units", "value": value})
            times[n].append(time.perf_counter() - started)
            layer_times[n].append(canvas._previews.last.layer_seconds)
    base = statistics.median(times[sizes[0]])
    print(f"{'blocks':>7} {'edit ms':>9} {'ratio':>7} {'ms apart from layer calls':>26}")
    for n in sizes:
        median = statistics.median(times[n])
        kernel = statistics.median(t - lt for t, lt in zip(times[n], layer_times[n]))
        print(f"{n:>7} {median * 1e3:>9.2f} {median / base:>7.2f} {kernel * 1e3:>26.2f}")
    if 800 in times:
        ratio = statistics.median(times[800]) / base
        print(f"edit 800 vs {sizes[0]} blocks: {ratio:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
