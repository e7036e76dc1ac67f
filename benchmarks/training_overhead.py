"""What a live dashboard costs during ``fit``: perceptinb's LiveCallback against plain Keras,
livelossplot and TensorBoard(histogram_freq=1), on scikit-learn's digits.

Workload: the quickstart CNN on digits (8×8), 10 epochs, batch 32, 20 % validation. LiveCallback
runs with everything on: batch-level loss and metrics, per-epoch weight/bias statistics and
histograms, the first-sample prediction (probe batch of 32), gradients under its time budget, and
its publisher thread sending widget updates (no browser attached: the messages are serialized and
handed to a no-op comm).

Two figures, because this machine's timing noise (single pairs of identical fits differ by about
±25 %) is larger than the target:
1. precise: time inside LiveCallback's hooks plus its publisher thread's busy time, as a fraction
   of the fit's wall time (target <= 3 %);
2. coarse: median over >= 9 interleaved rounds of (fit with the callback) / (plain fit), the
   variants' order rotating each round (target <= 1.10x).
The baselines' wall ratios come from the same rounds. Run: ``make bench`` (needs the ``bench``
extra for the baselines: ``pip install -e .[bench]``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import perceptinb as pnb  # noqa: E402

EPOCHS, BATCH = 10, 32
PRECISE_TARGET, WALL_TARGET = 0.03, 1.10


def digits() -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    return (data.images / 16.0).astype("float32")[..., None], data.target


def quickstart_cnn(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1), name="image"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv"),
            layers.MaxPooling2D(name="pool"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv_2"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.25, name="dropout"),
            layers.Dense(10, activation="softmax", name="dense"),
        ],
        name="digits_cnn",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Variant:
    def __init__(self, name: str, make: Callable[[], list[Any]] | None, why_not: str = "") -> None:
        self.name, self.make, self.why_not = name, make, why_not
        self.walls: list[float] = []
        self.fractions: list[float] = []
        self.details: list[dict[str, float]] = []


def baselines() -> list[Variant]:
    out = []
    try:
        from livelossplot import PlotLossesKeras

        out.append(Variant("livelossplot", lambda: [PlotLossesKeras()]))
    except Exception as exc:  # not installed: say so, do not fail the benchmark
        out.append(Variant("livelossplot", None, f"{type(exc).__name__}: {exc}"))
    try:
        import tensorboard  # noqa: F401

        def tensorboard_callback() -> list[Any]:
            return [keras.callbacks.TensorBoard(tempfile.mkdtemp(prefix="pnb-tb-"),
                                                histogram_freq=1)]

        out.append(Variant("TensorBoard(histogram_freq=1)", tensorboard_callback))
    except Exception as exc:
        out.append(Variant("TensorBoard(histogram_freq=1)", None, f"{type(exc).__name__}: {exc}"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--no-baselines", action="store_true")
    args = parser.parse_args()
    x, y = digits()
    probe = (x[:32], y[:32])
    live_cbs: dict[str, list[Any]] = {"LiveCallback": [], "LiveCallback(gradients=True)": []}

    def live(name: str, **kwargs: Any) -> Callable[[], list[Any]]:
        def make() -> list[Any]:
            callback = pnb.LiveCallback(probe=probe, display=False, batch_size=BATCH, **kwargs)
            # display=False builds no widget: build the dashboard as a displayed one would be,
            # so its publisher sends the live updates we are measuring.
            assert callback.dashboard is not None
            live_cbs[name].append(callback)
            return [callback]

        return make

    plain = Variant("plain fit", lambda: [])
    variants = [
        plain,
        Variant("LiveCallback", live("LiveCallback")),
        Variant("LiveCallback(gradients=True)", live("LiveCallback(gradients=True)",
                                                     gradients=True)),
    ]
    if not args.no_baselines:
        variants += baselines()
    runnable = [v for v in variants if v.make is not None]

    def fit(variant: Variant, seed: int) -> float:
        model = quickstart_cnn(seed)
        callbacks = variant.make()
        start = time.perf_counter()
        # livelossplot prints its extrema table each epoch outside a notebook; keep it quiet.
        with contextlib.redirect_stdout(io.StringIO()):
            model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, validation_split=0.2, verbose=0,
                      callbacks=callbacks)
        wall = time.perf_counter() - start
        if variant.name == "livelossplot":
            import matplotlib.pyplot as plt

            plt.close("all")
        for callback in callbacks:
            if isinstance(callback, pnb.LiveCallback):
                callback.wait_published(10)
                o = callback.overhead
                own = o["hook_seconds"] + o["thread_seconds"]
                variant.fractions.append(own / wall)
                variant.details.append({**o, "wall": wall})
        return wall

    fit(plain, 0)  # warm-up: TensorFlow's one-time initialisation
    plain.walls.clear()
    for round_index in range(args.rounds):
        order = runnable[round_index % len(runnable):] + runnable[: round_index % len(runnable)]
        for variant in order:
            variant.walls.append(fit(variant, round_index))
        print(f"round {round_index + 1}/{args.rounds}: "
              + "  ".join(f"{v.name.replace('(gradients=True)', '+grads').split('(')[0]} "
                           f"{v.walls[-1]:.2f}s" for v in runnable),
              file=sys.stderr, flush=True)

    print(f"digits CNN, {EPOCHS} epochs, batch {BATCH}, validation 0.2, {args.rounds} rounds; "
          f"plain fit median {statistics.median(plain.walls):.2f} s")
    print(f"{'variant':<32}{'wall ratio (median)':>21}{'  own time / fit':>17}   target")
    for variant in variants:
        if variant.make is None:
            print(f"{variant.name:<32}{'not run':>21}   ({variant.why_not})")
            continue
        ratios = [w / p for w, p in zip(variant.walls, plain.walls)]
        ratio = statistics.median(ratios)
        fraction = (
            f"{100 * statistics.median(variant.fractions):.2f} %" if variant.fractions else ""
        )
        target = ""
        if variant.name == "LiveCallback":
            ok_p = statistics.median(variant.fractions) <= PRECISE_TARGET
            ok_w = ratio <= WALL_TARGET
            target = (f"<= {100 * PRECISE_TARGET:.0f} % {'ok' if ok_p else 'MISS'}, "
                      f"<= {WALL_TARGET:.2f}x {'ok' if ok_w else 'MISS'}")
        print(f"{variant.name:<32}{ratio:>20.3f}x{fraction:>17}   {target}")
    for variant in runnable:
        if not variant.details:
            continue
        d = variant.details
        med = {k: statistics.median(r[k] for r in d) for k in d[0]}
        print(f"  {variant.name}: per fit (medians) hooks {1000 * med['hook_seconds']:.1f} ms "
              f"(batch {1000 * med['batch_hook_seconds']:.1f}, epoch "
              f"{1000 * med['epoch_hook_seconds']:.1f} of which probe "
              f"{1000 * med['probe_seconds']:.1f}), thread {1000 * med['thread_seconds']:.1f} ms, "
              f"{med['messages']:.0f} messages, gradients on {med['gradient_epochs']:.0f}/{EPOCHS} "
              f"epochs, fit {med['wall']:.2f} s")


if __name__ == "__main__":
    main()
