/**
 * Preview data without the DOM: decoding the kernel's preview items (their arrays through
 * ./codec.ts), the per-node store that `update` pushes change, and the pure pixel / geometry
 * functions the thumbnails and the inspector draw from. Keeping these pure lets the tests check
 * exact pixels without a canvas implementation.
 */
import { type BufferLike, CodecError, decodeArray } from "./codec";
import type { PreviewItem, PreviewKind, PreviewStats, PreviewsPayload } from "./protocol";

export type { BufferLike } from "./codec";

export type PreviewData = Uint8Array | Float32Array | Int32Array;

/** A decoded preview, ready to draw. */
export interface Preview {
  node: string;
  kind: PreviewKind;
  shape: number[];
  dims: number[];
  data: PreviewData | null;
  stats: PreviewStats;
  error: string | null;
  grid: { rows: number; cols: number; tile: [number, number]; channels: number; shown: number } | null;
  range: [number, number] | null;
  /** tokens of text: the word each id stands for (`labels[i]` for `data[i]`); null for bare ids. */
  labels: string[] | null;
  /** The kernel version that delivered it: echoed as `data-version` once drawn. */
  version: number;
}

const KINDS: readonly PreviewKind[] = ["gray", "rgb", "grid", "heatmap", "bars", "line", "tokens", "none"];
/** The payload each kind must carry: its dtype and number of dimensions. */
const PAYLOAD: Record<Exclude<PreviewKind, "none">, [string, number]> = {
  gray: ["uint8", 2],
  grid: ["uint8", 2],
  heatmap: ["uint8", 2],
  rgb: ["uint8", 3],
  bars: ["float16", 1],
  line: ["float16", 1],
  tokens: ["int32", 1],
};

function num(v: unknown): number {
  return typeof v === "number" ? v : NaN; // JSON has no NaN: the kernel sends null for it
}

function normalizeStats(raw: unknown): PreviewStats {
  const s = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  return {
    min: num(s.min),
    mean: num(s.mean),
    max: num(s.max),
    std: num(s.std),
    zero_frac: num(s.zero_frac),
    nan: typeof s.nan === "number" ? s.nan : 0,
    inf: typeof s.inf === "number" ? s.inf : 0,
  };
}

const ints = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => Math.max(0, Math.floor(Number(x) || 0))) : []);

/**
 * Decodes one item against its message's buffers. Never throws: data that does not fit its
 * kind turns into a "none" preview with a message, so one bad item cannot hide the others.
 */
export function decodeItem(raw: Partial<PreviewItem>, buffers: readonly (BufferLike | null)[], version: number): Preview {
  const kind: PreviewKind = KINDS.includes(raw.kind as PreviewKind) ? (raw.kind as PreviewKind) : "none";
  const g = raw.grid;
  const p: Preview = {
    node: String(raw.node ?? ""),
    kind,
    shape: ints(raw.shape),
    dims: [],
    data: null,
    stats: normalizeStats(raw.stats),
    error: typeof raw.error === "string" && raw.error ? raw.error : null,
    grid:
      g && typeof g === "object"
        ? {
            rows: Math.max(1, Number(g.rows) || 1),
            cols: Math.max(1, Number(g.cols) || 1),
            tile: [Math.max(1, Number(g.tile?.[0]) || 1), Math.max(1, Number(g.tile?.[1]) || 1)],
            channels: Number(g.channels) || 0,
            shown: Number(g.shown) || 0,
          }
        : null,
    range: Array.isArray(raw.range) && raw.range.length === 2 ? [num(raw.range[0]), num(raw.range[1])] : null,
    labels: Array.isArray(raw.labels) ? raw.labels.map((w) => String(w ?? "")) : null,
    version,
  };
  if (kind === "none") return p;
  let problem = "";
  try {
    const a = decodeArray(raw.data, buffers, "data");
    const [dtype, ndim] = PAYLOAD[kind];
    if (a.dtype !== dtype || a.shape.length !== ndim || !a.data.length) {
      problem = `a ${kind} preview needs ${ndim}-D ${dtype} data. Received: ${a.shape.length}-D ${a.dtype}, ${a.data.length} values`;
    } else {
      p.dims = a.shape;
      p.data = a.data as PreviewData;
    }
  } catch (e) {
    problem = e instanceof CodecError ? e.message : String(e);
  }
  if (problem) {
    p.kind = "none";
    p.error = p.error ?? `Preview data is malformed: ${problem}`;
  }
  return p;
}

/** NaN or Inf somewhere in the layer output (from the stats: the pixels cannot carry them). */
export function hasNonFinite(p: Pick<Preview, "stats">): boolean {
  return p.stats.nan > 0 || p.stats.inf > 0;
}

/** The latest preview of every node, changed by the kernel's `update` pushes. */
export class PreviewStore {
  readonly items = new Map<string, Preview>();
  version = -1;
  synthetic = false;
  enabled = true;
  /** `[done, total]` of the previews streaming in after the first paint (done when equal). */
  progress: [number, number] = [0, 0];

  /**
   * Applies the previews of one update (or of the `previews` call when `all`: then nodes not in
   * it lose theirs); returns the ids whose preview changed or went away.
   */
  apply(msg: Partial<PreviewsPayload>, buffers: readonly (BufferLike | null)[], version: number, all = false): string[] {
    this.version = version;
    this.synthetic = !!msg.synthetic;
    if (Array.isArray(msg.progress) && msg.progress.length === 2) this.progress = [Number(msg.progress[0]) || 0, Number(msg.progress[1]) || 0];
    if (typeof msg.enabled === "boolean") this.enabled = msg.enabled;
    const changed: string[] = [];
    const items = Array.isArray(msg.items) ? msg.items : [];
    const removed = Array.isArray(msg.removed) ? msg.removed.map(String) : [];
    if (all) {
      const keep = new Set(items.map((i) => String(i?.node)));
      for (const id of this.items.keys()) if (!keep.has(id)) removed.push(id);
    }
    for (const id of removed) if (this.items.delete(id)) changed.push(id);
    for (const raw of items) {
      if (!raw || typeof raw !== "object" || raw.node === undefined) continue;
      const p = decodeItem(raw, buffers, version);
      this.items.set(p.node, p);
      changed.push(p.node);
    }
    return changed;
  }

  get(id: string): Preview | undefined {
    return this.items.get(id);
  }

  clear(): void {
    this.items.clear();
  }
}

// ---------- pixels ----------

// matplotlib's viridis at 0, 0.1, ... 1: perceptually uniform, readable in both themes, and
// clearly not the grayscale used for images.
const VIRIDIS_STOPS = [0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c, 0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725];

/** 256 × RGB lookup table interpolated from the stops. */
export const VIRIDIS: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  const last = VIRIDIS_STOPS.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * last;
    const k = Math.min(last - 1, Math.floor(t));
    const f = t - k;
    const a = VIRIDIS_STOPS[k];
    const b = VIRIDIS_STOPS[k + 1];
    for (let c = 0; c < 3; c++) {
      const sh = 16 - 8 * c;
      lut[3 * i + c] = Math.round(((a >> sh) & 255) * (1 - f) + ((b >> sh) & 255) * f);
    }
  }
  return lut;
})();

/** Gap between the tiles of a grid, in image pixels; left transparent so the theme shows through. */
export const GRID_GAP = 1;

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row-major: what ImageData takes. */
  data: Uint8ClampedArray;
}

/** RGBA pixels of an image-like preview (gray, rgb, grid, heatmap); null for the other kinds. */
export function imagePixels(p: Preview): Pixels | null {
  if (!(p.data instanceof Uint8Array)) return null;
  const src = p.data;
  const [h, w] = p.dims;
  if (p.kind === "grid" && p.grid) return gridPixels(src, w, p.grid);
  if (p.kind !== "gray" && p.kind !== "rgb" && p.kind !== "heatmap" && p.kind !== "grid") return null;
  const out = new Uint8ClampedArray(w * h * 4);
  const n = w * h;
  if (p.kind === "rgb") {
    for (let i = 0; i < n; i++) {
      out[4 * i] = src[3 * i];
      out[4 * i + 1] = src[3 * i + 1];
      out[4 * i + 2] = src[3 * i + 2];
      out[4 * i + 3] = 255;
    }
  } else if (p.kind === "heatmap") {
    // A sequence is T×D with T usually the long axis: time runs left to right, so a long
    // sequence becomes a wide strip that fits a block instead of a sliver.
    const flip = h > w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 3 * src[y * w + x];
        const o = 4 * (flip ? x * h + y : y * w + x);
        out[o] = VIRIDIS[v];
        out[o + 1] = VIRIDIS[v + 1];
        out[o + 2] = VIRIDIS[v + 2];
        out[o + 3] = 255;
      }
    }
    if (flip) return { width: h, height: w, data: out };
  } else {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
      out[4 * i + 3] = 255;
    }
  }
  return { width: w, height: h, data: out };
}

/** A grid image re-laid out with transparent gaps between tiles; unused tiles stay empty. */
function gridPixels(src: Uint8Array, srcW: number, g: NonNullable<Preview["grid"]>): Pixels {
  const [th, tw] = g.tile;
  const srcH = Math.floor(src.length / Math.max(1, srcW));
  const width = g.cols * tw + (g.cols - 1) * GRID_GAP;
  const height = g.rows * th + (g.rows - 1) * GRID_GAP;
  const out = new Uint8ClampedArray(width * height * 4);
  const shown = g.shown > 0 ? g.shown : g.rows * g.cols;
  for (let t = 0; t < Math.min(shown, g.rows * g.cols); t++) {
    const r = Math.floor(t / g.cols);
    const c = t % g.cols;
    for (let y = 0; y < th; y++) {
      const sy = r * th + y;
      if (sy >= srcH) break;
      let o = 4 * ((r * (th + GRID_GAP) + y) * width + c * (tw + GRID_GAP));
      let s = sy * srcW + c * tw;
      for (let x = 0; x < tw && c * tw + x < srcW; x++, s++, o += 4) {
        out[o] = out[o + 1] = out[o + 2] = src[s];
        out[o + 3] = 255;
      }
    }
  }
  return { width, height, data: out };
}

// ---------- vector geometry (bars, line, histogram) ----------

/** The value range a vector maps to: `range` when sent, else the stats, always including 0. */
export function valueRange(p: Pick<Preview, "range" | "stats">): [number, number] {
  let [lo, hi] = p.range && Number.isFinite(p.range[0]) && Number.isFinite(p.range[1]) ? p.range : [p.stats.min, p.stats.max];
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi)) hi = 0;
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (hi - lo < 1e-12) hi = lo + 1;
  return [lo, hi];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  /** pos/neg: above/below the zero line; nan: a non-finite value (drawn full height, red). */
  kind: "pos" | "neg" | "nan";
}

/** Bars in a w×h box with a zero baseline; returns the bars and the baseline's y. */
export function barRects(values: ArrayLike<number>, range: [number, number], w: number, h: number): { bars: Rect[]; zeroY: number } {
  const [lo, hi] = range;
  const y = (v: number) => h - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * h;
  const zeroY = y(0);
  const n = values.length;
  const step = n ? w / n : w;
  const gap = step >= 4 ? 1 : 0;
  const bars: Rect[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const x = i * step;
    if (!Number.isFinite(v)) {
      bars.push({ x, y: 0, w: Math.max(1, step - gap), h, kind: "nan" });
      continue;
    }
    const vy = y(v);
    const top = Math.min(vy, zeroY);
    // At least a hairline, so a tiny value is still told apart from a missing bar.
    bars.push({ x, y: top, w: Math.max(1, step - gap), h: Math.max(1, Math.abs(vy - zeroY)), kind: v < 0 ? "neg" : "pos" });
  }
  return { bars, zeroY };
}

/** Polyline segments (flat x,y lists) of a vector in a w×h box; NaN/Inf break the line. */
export function lineSegments(values: ArrayLike<number>, range: [number, number], w: number, h: number): number[][] {
  const [lo, hi] = range;
  const n = values.length;
  const segs: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      if (cur.length) segs.push(cur);
      cur = [];
      continue;
    }
    const x = n > 1 ? (i / (n - 1)) * w : w / 2;
    cur.push(x, h - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * h);
  }
  if (cur.length) segs.push(cur);
  return segs;
}

/** Indices of the values that are not finite (drawn as red ticks on a line). */
export function nonFiniteIndices(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) out.push(i);
  return out;
}

/** Histogram bars: one per bin, heights proportional to the largest count; non-empty bins ≥ 1px. */
export function histogramRects(counts: ArrayLike<number>, w: number, h: number): Rect[] {
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i] || 0);
  const step = counts.length ? w / counts.length : w;
  const out: Rect[] = [];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] || 0;
    const bh = max > 0 && c > 0 ? Math.max(1, (c / max) * h) : 0;
    out.push({ x: i * step, y: h - bh, w: Math.max(1, step - (step >= 4 ? 1 : 0)), h: bh, kind: "pos" });
  }
  return out;
}

/** A compact number for the stats line and table: 3 significant digits, no trailing zeros. */
export function formatValue(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(3)));
}

/** "26×26×8" for [26, 26, 8]; "scalar" for []. */
export function formatShape(shape: readonly number[]): string {
  return shape.length ? shape.join("×") : "scalar";
}
