/** Pure helpers of the comparison view: smoothing, colors and chart scales. */

/** Exponential moving average with TensorBoard's debiasing; NaN points stay NaN, unsmoothed. */
export function ema(values: ArrayLike<number>, weight: number): Float32Array {
  const out = new Float32Array(values.length);
  let last = 0;
  let steps = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    steps += 1;
    out[i] = weight > 0 ? last / (1 - weight ** steps) : v;
  }
  return out;
}

/** One distinct color per run, stable across panels: the first ten from a categorical palette,
 * then golden-angle hues, so 20 runs stay tell-apart-able. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export function colorOf(index: number): string {
  if (index < PALETTE.length) return PALETTE[index];
  return `hsl(${Math.round((index * 137.508) % 360)}, 65%, 45%)`;
}

/** [min, max] over finite values of several arrays (a flat range is widened a little). */
export function extent(arrays: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays)
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** An SVG path through the finite points (a gap where a value is missing). */
export function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = "";
  let pen = false;
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "—";
    if (Number.isInteger(value)) return value.toLocaleString();
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
  }
  return String(value);
}
