// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { encodeArray } from "../src/codec";
import { DiffCanvas, decodePreviews, syncViewports } from "../src/compare/diff-canvas";
import type { BufferLike } from "../src/rpc";
import { Viewport } from "../src/viewport";

function viewport(): { vp: Viewport; world: HTMLElement } {
  const stage = document.createElement("div");
  const world = document.createElement("div");
  stage.append(world);
  return { vp: new Viewport(stage, world), world };
}

describe("architecture diff canvases", () => {
  it("synchronizes pan and zoom both ways, without echo loops", () => {
    const a = viewport();
    const b = viewport();
    let changes = 0;
    b.vp.onChange(() => {
      changes += 1;
    });
    syncViewports([a.vp, b.vp]);
    a.vp.panBy(30, -12);
    expect([b.vp.x, b.vp.y, b.vp.k]).toEqual([30, -12, 1]);
    expect(b.world.style.transform).toBe(a.world.style.transform);
    expect(changes).toBe(1);
    b.vp.zoomAt(2, 100, 50);
    expect([a.vp.x, a.vp.y, a.vp.k]).toEqual([b.vp.x, b.vp.y, 2]);
    expect(a.vp.x).toBe(100 - (100 - 30) * 2);
  });

  it("pans both canvases when one is dragged, and zooms both on the wheel", () => {
    const left = new DiffCanvas(document, "tl");
    const right = new DiffCanvas(document, "tr");
    document.body.append(left.root, right.root);
    syncViewports([left.viewport, right.viewport]);
    const pointer = (type: string, x: number, y: number) =>
      new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true });
    right.stage.dispatchEvent(pointer("pointerdown", 10, 10));
    right.stage.dispatchEvent(pointer("pointermove", 50, 25));
    right.stage.dispatchEvent(pointer("pointerup", 50, 25));
    expect([left.viewport.x, left.viewport.y]).toEqual([40, 15]);
    left.stage.dispatchEvent(new WheelEvent("wheel", { deltaY: -100, clientX: 0, clientY: 0, cancelable: true }));
    expect(right.viewport.k).toBeGreaterThan(1);
    expect(right.viewport.k).toBe(left.viewport.k);
    left.destroy();
    right.destroy();
  });

  it("marks blocks by status and draws the thumbnails it was given", () => {
    const canvas = new DiffCanvas(document, "tt");
    document.body.append(canvas.root);
    const buffers: BufferLike[] = [];
    const pixels = encodeArray(new Uint8Array([0, 64, 128, 255]), [2, 2], buffers);
    const view = {
      nodes: [
        { id: "x", type: "InputLayer", category: "input", shape: "(None, 2, 2)" },
        { id: "d", type: "Dense", category: "core", shape: "(None, 2, 4)" },
      ],
      edges: [{ src: "x", dst: "d" }],
    };
    const stats = { min: 0, mean: 0.4, max: 1, std: 0.4, zero_frac: 0.25, nan: 0, inf: 0 };
    const items = [{ node: "x", kind: "gray", shape: [1, 2, 2], data: pixels, stats, error: null, range: null }];
    const previews = decodePreviews({ items, removed: [], enabled: true, synthetic: false } as any, buffers);
    expect(previews.get("x")!.dims).toEqual([2, 2]);
    canvas.draw(view, new Map([["d", "added"]]), previews);
    const d = canvas.renderer.blockElement("d")!;
    expect(d.classList.contains("pnb-diff-added")).toBe(true);
    expect(canvas.renderer.blockElement("x")!.className).not.toContain("pnb-diff-");
    expect(canvas.renderer.blockElement("x")!.querySelector(".pnb-thumb .pnb-preview")).not.toBeNull();
    expect(d.querySelector(".pnb-preview")).toBeNull();
    // The block with a thumbnail is taller: the layout made room for it.
    expect(Number.parseFloat(canvas.renderer.blockElement("x")!.style.height)).toBeGreaterThan(Number.parseFloat(d.style.height));
    canvas.destroy();
  });
});
