// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import { PALETTE } from "../dev/samples.mjs";
import { filterPalette, PalettePanel, placeNear } from "../src/palette";
import fixture from "./fixtures/palette.json";

describe("filterPalette", () => {
  it("groups by category in display order, keeping the given order inside a group", () => {
    const groups = filterPalette(PALETTE, "");
    // The kernel's category order (perceptinb.catalog.CATEGORIES), for the categories present.
    const present = new Set(PALETTE.map((e) => e.category));
    expect(groups.map((g) => g.category)).toEqual(fixture.categories.filter((c) => present.has(c)));
    const core = groups.find((g) => g.category === "core")!;
    expect(core.entries.map((e) => e.type)).toEqual(["Dense", "EinsumDense", "Embedding", "Identity"]);
    expect(groups.reduce((n, g) => n + g.entries.length, 0)).toBe(PALETTE.length);
  });

  it("filters case-insensitively by type", () => {
    const groups = filterPalette(PALETTE, "conv2");
    expect(groups.flatMap((g) => g.entries.map((e) => e.type))).toEqual(["Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"]);
    expect(filterPalette(PALETTE, "  DENSE ").flatMap((g) => g.entries.map((e) => e.type))).toEqual(["Dense", "EinsumDense"]);
  });

  it("matches the category name too", () => {
    const groups = filterPalette(PALETTE, "pooling");
    expect(groups.map((g) => g.category)).toEqual(["pooling"]);
  });

  it("returns nothing for no match and survives junk entries", () => {
    expect(filterPalette(PALETTE, "zzz")).toEqual([]);
    expect(filterPalette([null as never, { type: "X", category: "" }], "")).toEqual([{ category: "other", entries: [{ type: "X", category: "" }] }]);
  });
});

describe("PalettePanel", () => {
  it("renders, filters on input, adds on click and on Enter", () => {
    const onAdd = vi.fn();
    const p = new PalettePanel(document, onAdd);
    document.body.appendChild(p.el);
    p.setEntries(PALETTE);
    expect(p.el.querySelectorAll(".pnb-palette-item")).toHaveLength(PALETTE.length);
    const search = p.el.querySelector<HTMLInputElement>(".pnb-palette-search")!;
    search.value = "lstm";
    search.dispatchEvent(new Event("input"));
    const items = [...p.el.querySelectorAll<HTMLElement>(".pnb-palette-item")];
    expect(items.map((i) => i.dataset.type)).toEqual(["LSTM"]);
    items[0].click();
    expect(onAdd).toHaveBeenCalledWith("LSTM");
    search.value = "gru";
    search.dispatchEvent(new Event("input"));
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(onAdd).toHaveBeenLastCalledWith("GRU");
  });

  it("collapses a category and the whole panel", () => {
    const p = new PalettePanel(document, () => {});
    p.setEntries(PALETTE);
    const cat = p.el.querySelector<HTMLElement>('.pnb-palette-group[data-category="core"] .pnb-palette-cat')!;
    cat.click();
    expect(p.el.querySelector('.pnb-palette-group[data-category="core"] .pnb-palette-item')).toBeNull();
    expect(p.el.querySelector('.pnb-palette-group[data-category="core"] .pnb-palette-cat')!.getAttribute("aria-expanded")).toBe("false");
    p.el.querySelector<HTMLElement>(".pnb-palette-toggle")!.click();
    expect(p.collapsed).toBe(true);
    expect(p.el.classList.contains("pnb-collapsed")).toBe(true);
  });
});

describe("placeNear", () => {
  const area = { x: 0, y: 0, w: 1000, h: 600 };
  const overlaps = (a: number[], b: { x: number; y: number; w: number; h: number }) =>
    a[0] < b.x + b.w && b.x < a[0] + 184 && a[1] < b.y + b.h && b.y < a[1] + 58;

  it("takes the centre when it is free", () => {
    expect(placeNear([], area, 184, 58)).toEqual([408, 271]);
  });

  it("grows a chain below an anchor block", () => {
    const input = { x: 100, y: 50, w: 184, h: 58 };
    const first = placeNear([input], area, 184, 58, [100, 158]);
    expect(first).toEqual([100, 158]);
    const second = placeNear([input, { x: 100, y: 158, w: 184, h: 58 }], area, 184, 58, [100, 158]);
    expect(second).toEqual([100, 158 + 58 + 56]); // taken: the next spot down, not above
  });

  it("never stacks repeated adds and stays in the visible area", () => {
    const boxes: { x: number; y: number; w: number; h: number }[] = [];
    for (let i = 0; i < 12; i++) {
      const [x, y] = placeNear(boxes, area, 184, 58);
      expect(boxes.some((b) => overlaps([x, y], b))).toBe(false);
      expect(x >= 0 && y >= 0 && x + 184 <= 1000 && y + 58 <= 600).toBe(true);
      boxes.push({ x, y, w: 184, h: 58 });
    }
  });
});
