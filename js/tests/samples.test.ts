// @vitest-environment happy-dom
// The sample strip: the kernel's `samples` reply (tests/fixtures/samples.json, written by
// js/dev/make_fixtures.py from the Python side) drawn as thumbnails and text; picking by click,
// arrow keys and `[` / `]` asks the kernel `pick_sample`; a refused pick shows the kernel's error.
import { afterEach, describe, expect, it } from "vitest";
import { itemLabel, SampleStrip, type StripItem, stripPixels } from "../src/canvas/samples";
import { decodeArray } from "../src/codec";
import type { Rpc } from "../src/rpc";
import { RpcError } from "../src/rpc";
import fixture from "./fixtures/samples.json";
import { fixtureBuffers } from "./wire";

const flush = () => new Promise((r) => setTimeout(r, 0));

/** An Rpc stand-in that answers `samples` from the fixture and `pick_sample` like the kernel. */
function fakeRpc(name: "images" | "table") {
  const msg = fixture[name];
  const calls: [string, Record<string, unknown>][] = [];
  const rpc = {
    call(method: string, params: Record<string, unknown> = {}) {
      calls.push([method, params]);
      if (method === "samples") return Promise.resolve({ result: msg.content, buffers: fixtureBuffers(msg.buffers) });
      const index = Number(params.index);
      if (method === "pick_sample" && index >= 0 && index < msg.content.total) return Promise.resolve({ result: { version: 9, index }, buffers: [] });
      return Promise.reject(new RpcError(`pick_sample: Expected a sample index in 0..${msg.content.total - 1}. Received: ${index}.`, method));
    },
  };
  return { rpc: rpc as unknown as Rpc, calls };
}

let strips: SampleStrip[] = [];
afterEach(() => {
  for (const s of strips) s.el.remove();
  strips = [];
});

async function mount(name: "images" | "table") {
  const { rpc, calls } = fakeRpc(name);
  const errors: string[] = [];
  const strip = new SampleStrip(document, rpc, (m) => errors.push(m));
  document.body.append(strip.el);
  strips.push(strip);
  await strip.load();
  return { strip, calls, errors, options: () => Array.from(strip.el.querySelectorAll<HTMLElement>("[role=option]")) };
}

describe("sample strip", () => {
  it("decodes the kernel's thumbnails to the pixels it sent", () => {
    const item = fixture.images.content.items[2];
    const px = stripPixels(decodeArray(item.image, fixtureBuffers(fixture.images.buffers)))!;
    expect([px.width, px.height]).toEqual([4, 4]);
    const bright = [];
    for (let i = 0; i < 16; i++) if (px.data[4 * i] === 255) bright.push(i);
    expect(bright).toEqual([8, 9, 10, 11]); // the bar at row 2
    expect(px.data[3]).toBe(255); // opaque
    expect(stripPixels({ dtype: "float32", shape: [2, 2], data: new Float32Array(4) })).toBeNull();
  });

  it("shows image thumbnails with their targets and aria labels, the first one selected", async () => {
    const { strip, options } = await mount("images");
    expect(strip.el.hidden).toBe(false);
    expect(strip.el.getAttribute("role")).toBe("listbox");
    const opts = options();
    expect(opts.length).toBe(3);
    expect(opts.map((o) => o.querySelector("canvas")?.className)).toEqual(Array(3).fill("pnb-sample-image"));
    expect(opts.map((o) => o.querySelector(".pnb-sample-target")!.textContent)).toEqual(["7", "1", "4"]);
    expect(opts.map((o) => o.getAttribute("aria-label"))).toEqual(["Sample 1, target 7", "Sample 2, target 1", "Sample 3, target 4"]);
    expect(opts.map((o) => o.getAttribute("aria-selected"))).toEqual(["true", "false", "false"]);
    expect(opts.map((o) => o.tabIndex)).toEqual([0, -1, -1]);
  });

  it("shows table rows as text", async () => {
    const { options } = await mount("table");
    expect(options().map((o) => o.querySelector(".pnb-sample-text")!.textContent)).toEqual(["5.1, 3.5, 1.4", "4.9, 3, 1.25"]);
    expect(itemLabel(fixture.table.content.items[1] as StripItem)).toBe("Sample 2: 4.9, 3, 1.25");
  });

  it("picks by click and by arrow keys, clamped to the strip", async () => {
    const { strip, calls, options } = await mount("images");
    options()[2].click();
    await flush();
    expect(calls.at(-1)).toEqual(["pick_sample", { index: 2 }]);
    expect(strip.selected).toBe(2);
    expect(options()[2].getAttribute("aria-selected")).toBe("true");
    options()[2].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    await flush();
    expect(strip.selected).toBe(2); // the last one: no call
    expect(calls.filter(([m]) => m === "pick_sample").length).toBe(1);
    options()[2].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    await flush();
    expect(calls.at(-1)).toEqual(["pick_sample", { index: 1 }]);
    expect(strip.selected).toBe(1);
    expect(document.activeElement).toBe(options()[1]);
  });

  it("a refused pick keeps the selection and shows the kernel's message", async () => {
    const { strip, errors } = await mount("images");
    await strip.pick(5);
    expect(strip.selected).toBe(0);
    expect(errors).toEqual(["pick_sample: Expected a sample index in 0..2. Received: 5."]);
  });

  it("follows the kernel's pushes: a pick from Python marks it, new data reloads the strip", async () => {
    const { strip, calls, options } = await mount("images");
    strip.pushed({ index: 1 });
    expect(strip.selected).toBe(1);
    expect(options().map((o) => o.getAttribute("aria-selected"))).toEqual(["false", "true", "false"]);
    strip.pushed({ index: 7 }); // not in the strip: ignored
    expect(strip.selected).toBe(1);
    expect(calls.filter(([m]) => m === "pick_sample")).toEqual([]); // the kernel picked: no call back
    strip.pushed({ reload: true });
    await flush();
    expect(calls.filter(([m]) => m === "samples").length).toBe(2);
    expect(strip.selected).toBe(0);
  });

  it("a canvas without data shows no strip", async () => {
    const rpc = { call: () => Promise.resolve({ result: { index: 0, total: 0, items: [] }, buffers: [] }) } as unknown as Rpc;
    const strip = new SampleStrip(document, rpc, () => {});
    await strip.load();
    expect(strip.el.hidden).toBe(true);
    strip.step(1);
    expect(strip.selected).toBe(0);
  });
});
