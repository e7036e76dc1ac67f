import { describe, expect, it } from "vitest";
import { encodeArray, type NumericArray } from "../src/codec";
import {
  barRects,
  decodeItem,
  formatValue,
  GRID_GAP,
  hasNonFinite,
  histogramRects,
  imagePixels,
  lineSegments,
  PreviewStore,
  VIRIDIS,
  valueRange,
} from "../src/preview-data";
import type { PreviewItem } from "../src/protocol";
import fixture from "./fixtures/previews.json";
import { fixtureBuffers } from "./wire";

const STATS = { min: 0, mean: 0.5, max: 1, std: 0.2, zero_frac: 0.1, nan: 0, inf: 0 };

/** An item whose payload `data` (shape `dims`) is encoded with the codec into `buffers`. */
function item(over: Partial<PreviewItem>, data?: NumericArray, dims?: number[], buffers: DataView[] = []): [PreviewItem, DataView[]] {
  const desc = data ? encodeArray(data, dims ?? [data.length], buffers) : null;
  return [{ node: "n", kind: "gray", shape: [2, 2], data: desc, stats: STATS, error: null, ...over }, buffers];
}
const decoded = (over: Partial<PreviewItem>, data?: NumericArray, dims?: number[]) => decodeItem(...item(over, data, dims), 1);

/** The previews of every kind that perceptinb.preview.summarize made (js/dev/make_fixtures.py). */
const fromPython = () => {
  const { content, buffers } = fixture.previews;
  const store = new PreviewStore();
  const changed = store.apply(content as never, fixtureBuffers(buffers), content.version, true);
  return { store, changed, content };
};

describe("decodeItem, on previews made by Python", () => {
  it("decodes each kind from its buffer", () => {
    const { store, changed } = fromPython();
    expect(changed).toEqual(["image", "rgb", "conv", "sequence", "dense", "flatten", "log", "tokens", "reshape"]);
    const want: Record<string, [string, string, number[]]> = {
      image: ["gray", "Uint8Array", [16, 16]],
      rgb: ["rgb", "Uint8Array", [16, 16, 3]],
      conv: ["grid", "Uint8Array", [64, 64]],
      sequence: ["heatmap", "Uint8Array", [40, 3]],
      dense: ["bars", "Float32Array", [10]],
      flatten: ["line", "Float32Array", [256]],
      tokens: ["tokens", "Int32Array", [12]],
    };
    for (const [id, [kind, type, dims]] of Object.entries(want)) {
      const p = store.get(id)!;
      expect(p.kind, id).toBe(kind);
      expect(p.data?.constructor.name, id).toBe(type);
      expect(p.dims, id).toEqual(dims);
      expect(p.version).toBe(3);
      expect(p.error, id).toBeNull();
    }
    expect(Array.from(store.get("tokens")!.data!)).toEqual([0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77]);
    // The ramp image runs from black to white; the grid says which channels it shows.
    const image = store.get("image")!.data!;
    expect(image[0]).toBe(0);
    expect(image[image.length - 1]).toBeGreaterThan(250);
    expect(Array.from(image.subarray(0, 16)).every((v, i, a) => i === 0 || v >= a[i - 1])).toBe(true);
    expect(store.get("conv")!.grid).toMatchObject({ rows: 4, cols: 4, channels: 20, shown: 16 });
    // ReLU'd bars: no negative value survives float16.
    expect(Math.min(...store.get("dense")!.data!)).toBe(0);
  });

  it("keeps the kernel's error and has no data for `none`", () => {
    const p = fromPython().store.get("reshape")!;
    expect(p.kind).toBe("none");
    expect(p.data).toBeNull();
    expect(p.error).toContain("cannot reshape");
  });

  it("flags NaN from the stats (the pixels cannot carry it)", () => {
    const { store } = fromPython();
    expect(store.get("log")!.stats.nan).toBe(1);
    expect(Number.isNaN(store.get("log")!.data![3])).toBe(true);
    expect(hasNonFinite(store.get("log")!)).toBe(true);
    expect(hasNonFinite(store.get("dense")!)).toBe(false);
  });

  it("turns data that does not fit its kind into a message, not an exception", () => {
    const short = decodeItem({ ...item({})[0], data: { buffer: 0, dtype: "uint8", shape: [4, 4] } }, [new DataView(new ArrayBuffer(3))], 1);
    expect(short.kind).toBe("none");
    expect(short.error).toMatch(/data's buffer to hold 16 bytes .* Received: 3 bytes/);
    expect(decodeItem({ ...item({})[0], data: { buffer: 5, dtype: "uint8", shape: [1] } }, [], 1).error).toMatch(/data.buffer/);
    expect(decoded({ kind: "bars" }, new Uint8Array(4), [2, 2]).error).toMatch(/bars preview needs 1-D float16 data/);
  });

  it("reads null stats (JSON has no NaN) as NaN and flags NaN/Inf counts", () => {
    const p = decoded({ stats: { ...STATS, mean: null as unknown as number, nan: 3 } }, new Uint8Array(4), [2, 2]);
    expect(p.stats.mean).toBeNaN();
    expect(hasNonFinite(p)).toBe(true);
    expect(hasNonFinite(decoded({ stats: { ...STATS, inf: 1 } }, new Uint8Array(4), [2, 2]))).toBe(true);
    expect(hasNonFinite(decoded({}, new Uint8Array(4), [2, 2]))).toBe(false);
  });
});

describe("PreviewStore", () => {
  it("applies incremental updates and removals, and a full answer replaces all", () => {
    const s = new PreviewStore();
    const [a, buf] = item({ node: "a" }, new Uint8Array(4), [2, 2]);
    const b = { ...a, node: "b" };
    expect(s.apply({ synthetic: true, items: [a, b], removed: [] }, buf, 1)).toEqual(["a", "b"]);
    expect(s.synthetic).toBe(true);
    const a1 = s.get("a");
    expect(s.apply({ synthetic: false, items: [b], removed: ["a", "zzz"] }, buf, 2)).toEqual(["a", "b"]);
    expect(s.get("a")).toBeUndefined();
    expect(a1?.version).toBe(1);
    expect(s.get("b")!.version).toBe(2);
    expect(s.version).toBe(2);
    expect(s.synthetic).toBe(false);
    expect([...s.items.keys()]).toEqual(["b"]);
    expect(s.apply({ items: [a], removed: [], enabled: false }, buf, 3, true)).toEqual(["b", "a"]);
    expect([...s.items.keys()]).toEqual(["a"]);
    expect(s.enabled).toBe(false);
  });
});

describe("pixels", () => {
  it("maps a gray image to exact RGBA", () => {
    const p = decoded({}, new Uint8Array([0, 64, 128, 255]), [2, 2]);
    const px = imagePixels(p)!;
    expect([px.width, px.height]).toEqual([2, 2]);
    expect(Array.from(px.data)).toEqual([0, 0, 0, 255, 64, 64, 64, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it("copies RGB and adds opaque alpha", () => {
    const p = decoded({ kind: "rgb" }, new Uint8Array([1, 2, 3, 4, 5, 6]), [1, 2, 3]);
    expect(Array.from(imagePixels(p)!.data)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it("colours heatmaps with viridis and lays long sequences out along x", () => {
    expect(Array.from(VIRIDIS.subarray(0, 3))).toEqual([0x44, 0x01, 0x54]);
    expect(Array.from(VIRIDIS.subarray(765, 768))).toEqual([0xfd, 0xe7, 0x25]);
    // T=3 × D=1: drawn 3 wide, 1 high.
    const p = decoded({ kind: "heatmap", shape: [3, 1] }, new Uint8Array([0, 128, 255]), [3, 1]);
    const px = imagePixels(p)!;
    expect([px.width, px.height]).toEqual([3, 1]);
    expect(Array.from(px.data.subarray(0, 4))).toEqual([0x44, 0x01, 0x54, 255]);
    expect(Array.from(px.data.subarray(8, 12))).toEqual([0xfd, 0xe7, 0x25, 255]);
  });

  it("separates grid tiles with transparent gaps and leaves unused tiles empty", () => {
    // 2×2 tiles of 1×2 pixels; 3 of 4 channels shown.
    const src = new Uint8Array([10, 11, 20, 21, 30, 31, 0, 0]);
    const grid = { rows: 2, cols: 2, tile: [1, 2] as [number, number], channels: 3, shown: 3 };
    const px = imagePixels(decoded({ kind: "grid", grid }, src, [2, 4]))!;
    expect([px.width, px.height]).toEqual([2 * 2 + GRID_GAP, 2 * 1 + GRID_GAP]);
    const at = (x: number, y: number) => Array.from(px.data.subarray(4 * (y * px.width + x), 4 * (y * px.width + x) + 4));
    expect(at(0, 0)).toEqual([10, 10, 10, 255]);
    expect(at(2, 0)).toEqual([0, 0, 0, 0]); // vertical gap
    expect(at(3, 0)).toEqual([20, 20, 20, 255]);
    expect(at(0, 1)).toEqual([0, 0, 0, 0]); // horizontal gap
    expect(at(1, 2)).toEqual([31, 31, 31, 255]);
    expect(at(3, 2)).toEqual([0, 0, 0, 0]); // channel 4 is not shown
  });
});

describe("vector geometry", () => {
  it("draws bars from a zero baseline, negatives below it and NaN full height", () => {
    const { bars, zeroY } = barRects([1, -1, NaN, 0.5], [-1, 1], 40, 20);
    expect(zeroY).toBe(10);
    expect(bars[0]).toMatchObject({ y: 0, h: 10, kind: "pos" });
    expect(bars[1]).toMatchObject({ y: 10, h: 10, kind: "neg" });
    expect(bars[2]).toMatchObject({ y: 0, h: 20, kind: "nan" });
    expect(bars[3]).toMatchObject({ y: 5, h: 5, kind: "pos" });
    expect(bars.map((b) => b.x)).toEqual([0, 10, 20, 30]);
  });

  it("always includes zero in the value range", () => {
    expect(valueRange({ range: [2, 5], stats: STATS })).toEqual([0, 5]);
    expect(valueRange({ range: null, stats: { ...STATS, min: -3, max: -1 } })).toEqual([-3, 0]);
    expect(valueRange({ range: [0, 0], stats: STATS })).toEqual([0, 1]);
  });

  it("breaks lines at non-finite values", () => {
    const segs = lineSegments([0, 1, NaN, 1, 0], [0, 1], 4, 10);
    expect(segs).toEqual([
      [0, 10, 1, 0],
      [3, 0, 4, 10],
    ]);
  });

  it("makes one histogram bar per bin, scaled to the largest count", () => {
    const rects = histogramRects(new Float32Array([0, 5, 10, 1]), 40, 20);
    expect(rects).toHaveLength(4);
    expect(rects.map((r) => r.h)).toEqual([0, 10, 20, 2]);
    expect(rects.map((r) => r.x)).toEqual([0, 10, 20, 30]);
    expect(rects[2].y).toBe(0);
    expect(histogramRects(new Float32Array([0, 0]), 10, 10).every((r) => r.h === 0)).toBe(true);
  });

  it("formats numbers compactly", () => {
    expect(formatValue(0)).toBe("0");
    expect(formatValue(0.123456)).toBe("0.123");
    expect(formatValue(1234.5)).toBe("1230");
    expect(formatValue(2e-5)).toBe("2e-5");
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(-Infinity)).toBe("-Inf");
  });
});
