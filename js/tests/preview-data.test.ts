import { describe, expect, it } from "vitest";
import {
  barRects,
  decodeFloat16,
  decodeItem,
  formatValue,
  GRID_GAP,
  halfToFloat,
  hasNonFinite,
  histogramRects,
  imagePixels,
  lineSegments,
  PreviewStore,
  valueRange,
  VIRIDIS,
} from "../src/preview-data";
import type { PreviewItem } from "../src/protocol";
import { float16Bytes, toHalf } from "../dev/fake-previews.mjs";

const STATS = { min: 0, mean: 0.5, max: 1, std: 0.2, zero_frac: 0.1, nan: 0, inf: 0 };

function item(over: Partial<PreviewItem>): PreviewItem {
  return { node: "n", kind: "gray", shape: [2, 2], buffer: 0, dtype: "uint8", dims: [2, 2], stats: STATS, error: null, ...over };
}

/** A DataView at an odd offset inside a bigger buffer, as a comm message may hand over. */
function oddView(bytes: Uint8Array): DataView {
  const buf = new ArrayBuffer(bytes.length + 3);
  new Uint8Array(buf, 1, bytes.length).set(bytes);
  return new DataView(buf, 1, bytes.length);
}

describe("float16", () => {
  it("decodes the special and ordinary bit patterns", () => {
    expect(halfToFloat(0x0000)).toBe(0);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3800)).toBe(0.5);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(halfToFloat(0x0400)).toBe(2 ** -14); // smallest normal
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it("decodes little-endian bytes, also from a misaligned DataView", () => {
    const bytes = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]);
    expect(Array.from(decodeFloat16(bytes))).toEqual([1, -2, Infinity]);
    const item_ = item({ kind: "bars", dtype: "float16", dims: [3], shape: [3] });
    const p = decodeItem(item_, [oddView(bytes)], 1);
    expect(p.data).toBeInstanceOf(Float32Array);
    expect(Array.from(p.data!)).toEqual([1, -2, Infinity]);
  });

  it("round-trips the harness encoder", () => {
    const values = [0, 1, -1.5, 0.1, 1000, -65504, 1e-6];
    const back = Array.from(decodeFloat16(new Uint8Array(float16Bytes(values).buffer)));
    values.forEach((v, i) => expect(back[i]).toBeCloseTo(v, Math.abs(v) > 100 ? -1 : 3));
    expect(halfToFloat(toHalf(NaN))).toBeNaN();
  });
});

describe("decodeItem", () => {
  it("decodes each kind from its buffer", () => {
    const u8 = new DataView(new Uint8Array([0, 64, 128, 255]).buffer);
    const rgb = new DataView(new Uint8Array(12).fill(7).buffer);
    const f16 = new DataView(float16Bytes([0.5, -1]).buffer);
    const i32 = new Int32Array([101, 7, 0]).buffer; // an ArrayBuffer, not a DataView
    const buffers = [u8, rgb, f16, i32];
    const cases: [Partial<PreviewItem>, string, number][] = [
      [{ kind: "gray" }, "Uint8Array", 4],
      [{ kind: "heatmap" }, "Uint8Array", 4],
      [{ kind: "grid", grid: { rows: 1, cols: 2, tile: [2, 1], channels: 4, shown: 2 } }, "Uint8Array", 4],
      [{ kind: "rgb", buffer: 1, dims: [2, 2, 3], shape: [2, 2, 3] }, "Uint8Array", 12],
      [{ kind: "bars", buffer: 2, dtype: "float16", dims: [2], shape: [2] }, "Float32Array", 2],
      [{ kind: "line", buffer: 2, dtype: "float16", dims: [2], shape: [500] }, "Float32Array", 2],
      [{ kind: "tokens", buffer: 3, dtype: "int32", dims: [3], shape: [3] }, "Int32Array", 3],
    ];
    for (const [over, type, n] of cases) {
      const p = decodeItem(item(over), buffers, 4);
      expect(p.kind, over.kind).toBe(over.kind);
      expect(p.data?.constructor.name, over.kind).toBe(type);
      expect(p.data!.length, over.kind).toBe(n);
      expect(p.version).toBe(4);
      expect(p.error).toBeNull();
    }
    expect(Array.from(decodeItem(item({ kind: "tokens", buffer: 3, dtype: "int32", dims: [3] }), buffers, 0).data!)).toEqual([101, 7, 0]);
    expect(Array.from(decodeItem(item({ kind: "bars", buffer: 2, dtype: "float16", dims: [2] }), buffers, 0).data!)).toEqual([0.5, -1]);
  });

  it("keeps a kernel error and has no data for `none`", () => {
    const p = decodeItem(item({ kind: "none", buffer: -1, dtype: undefined, dims: [], error: "Expected 3 dims. Received: 2" }), [], 1);
    expect(p.kind).toBe("none");
    expect(p.data).toBeNull();
    expect(p.error).toContain("Received");
  });

  it("turns data that does not fit its dims into a message, not an exception", () => {
    const short = decodeItem(item({ dims: [4, 4] }), [new DataView(new ArrayBuffer(3))], 1);
    expect(short.kind).toBe("none");
    expect(short.error).toMatch(/holds 3 bytes, dims need 16/);
    expect(decodeItem(item({ buffer: 5 }), [], 1).error).toMatch(/no data/);
    expect(decodeItem(item({ kind: "bars", dims: [2, 2] }), [new ArrayBuffer(16)], 1).error).toMatch(/do not fit/);
  });

  it("reads null stats (JSON has no NaN) as NaN and flags NaN/Inf counts", () => {
    const p = decodeItem(item({ stats: { ...STATS, mean: null as unknown as number, nan: 3 } }), [new ArrayBuffer(4)], 1);
    expect(p.stats.mean).toBeNaN();
    expect(hasNonFinite(p)).toBe(true);
    expect(hasNonFinite(decodeItem(item({ stats: { ...STATS, inf: 1 } }), [new ArrayBuffer(4)], 1))).toBe(true);
    expect(hasNonFinite(decodeItem(item({}), [new ArrayBuffer(4)], 1))).toBe(false);
  });
});

describe("PreviewStore", () => {
  it("applies incremental updates and removals", () => {
    const s = new PreviewStore();
    const buf = [new ArrayBuffer(4)];
    expect(s.apply({ kind: "previews", version: 1, synthetic: true, items: [item({ node: "a" }), item({ node: "b" })], removed: [] }, buf)).toEqual(["a", "b"]);
    expect(s.synthetic).toBe(true);
    const a1 = s.get("a");
    expect(s.apply({ kind: "previews", version: 2, synthetic: false, items: [item({ node: "b" })], removed: ["a", "zzz"] }, buf)).toEqual(["a", "b"]);
    expect(s.get("a")).toBeUndefined();
    expect(a1?.version).toBe(1);
    expect(s.get("b")!.version).toBe(2);
    expect(s.version).toBe(2);
    expect(s.synthetic).toBe(false);
    expect([...s.items.keys()]).toEqual(["b"]);
  });
});

describe("pixels", () => {
  it("maps a gray image to exact RGBA", () => {
    const p = decodeItem(item({}), [new Uint8Array([0, 64, 128, 255])], 1);
    const px = imagePixels(p)!;
    expect([px.width, px.height]).toEqual([2, 2]);
    expect(Array.from(px.data)).toEqual([0, 0, 0, 255, 64, 64, 64, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it("copies RGB and adds opaque alpha", () => {
    const p = decodeItem(item({ kind: "rgb", dims: [1, 2, 3] }), [new Uint8Array([1, 2, 3, 4, 5, 6])], 1);
    expect(Array.from(imagePixels(p)!.data)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it("colours heatmaps with viridis and lays long sequences out along x", () => {
    expect(Array.from(VIRIDIS.subarray(0, 3))).toEqual([0x44, 0x01, 0x54]);
    expect(Array.from(VIRIDIS.subarray(765, 768))).toEqual([0xfd, 0xe7, 0x25]);
    // T=3 × D=1: drawn 3 wide, 1 high.
    const p = decodeItem(item({ kind: "heatmap", dims: [3, 1], shape: [3, 1] }), [new Uint8Array([0, 128, 255])], 1);
    const px = imagePixels(p)!;
    expect([px.width, px.height]).toEqual([3, 1]);
    expect(Array.from(px.data.subarray(0, 4))).toEqual([0x44, 0x01, 0x54, 255]);
    expect(Array.from(px.data.subarray(8, 12))).toEqual([0xfd, 0xe7, 0x25, 255]);
  });

  it("separates grid tiles with transparent gaps and leaves unused tiles empty", () => {
    // 2×2 tiles of 1×2 pixels; 3 of 4 channels shown.
    const src = new Uint8Array([10, 11, 20, 21, 30, 31, 0, 0]);
    const grid = { rows: 2, cols: 2, tile: [1, 2] as [number, number], channels: 3, shown: 3 };
    const px = imagePixels(decodeItem(item({ kind: "grid", dims: [2, 4], grid }), [src], 1))!;
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
    expect(segs).toEqual([[0, 10, 1, 0], [3, 0, 4, 10]]);
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
