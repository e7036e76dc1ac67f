// The browser half of the array codec against fixtures written by perceptinb/codec.py.
import { describe, expect, it } from "vitest";
import { CodecError, decodeArray, decodeFloat16, encodeArray, halfToFloat } from "../src/codec";
import fixture from "./fixtures/codec.json";
import { fixtureBuffers, fixtureNumber } from "./wire";

describe("codec fixtures from Python", () => {
  for (const c of fixture.cases) {
    it(`decodes ${c.name}`, () => {
      const a = decodeArray(c.content, fixtureBuffers(c.buffers), c.name);
      expect(a.dtype).toBe(c.content.dtype === "uint8" && c.name.startsWith("bool") ? "uint8" : c.content.dtype);
      expect(a.shape).toEqual(c.content.shape);
      const want = c.values.map(fixtureNumber);
      expect(a.data.length).toBe(want.length);
      Array.from(a.data).forEach((v, i) => {
        if (Number.isNaN(want[i])) expect(v).toBeNaN();
        else if (c.content.dtype === "float32" || c.content.dtype === "float16")
          expect(Object.is(v, Math.fround(want[i])) || v === Math.fround(want[i])).toBe(true);
        else expect(Object.is(v, want[i])).toBe(true);
      });
    });
  }
});

describe("codec", () => {
  it("names the field that is wrong", () => {
    const buffers = [new DataView(new ArrayBuffer(2))];
    const bad: [unknown, string][] = [
      [null, "Expected thumb to be {buffer, dtype, shape}"],
      [{ buffer: 3, dtype: "uint8", shape: [2] }, "thumb.buffer"],
      [{ buffer: 0, dtype: "complex64", shape: [2] }, "thumb.dtype"],
      [{ buffer: 0, dtype: "uint8", shape: [1.5] }, "thumb.shape"],
      [{ buffer: 0, dtype: "uint8", shape: [3] }, "to hold 3 bytes"],
    ];
    for (const [desc, culprit] of bad) {
      expect(() => decodeArray(desc, buffers, "thumb")).toThrow(CodecError);
      expect(() => decodeArray(desc, buffers, "thumb")).toThrow(culprit);
    }
  });

  it("round-trips what the browser encodes", () => {
    const buffers: DataView[] = [];
    const d = encodeArray(new Float32Array([1.5, -2, NaN]), [3], buffers);
    expect(d).toEqual({ buffer: 0, dtype: "float32", shape: [3] });
    expect(Array.from(decodeArray(d, buffers).data)).toEqual([1.5, -2, NaN]);
    const i = encodeArray(new Float64Array([7, -1]), [1, 2], buffers, "int16");
    expect(decodeArray(i, buffers).data).toBeInstanceOf(Int16Array);
    expect(() => encodeArray(new Uint8Array(3), [2], buffers)).toThrow("Expected 2 values");
  });

  it("decodes half floats by hand", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(Array.from(decodeFloat16(new Uint8Array([0x00, 0x3c, 0x00, 0xc0])))).toEqual([1, -2]);
  });
});
