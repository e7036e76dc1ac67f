// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import { filterPalette, PalettePanel } from "../src/palette";
import { PALETTE } from "../dev/samples.mjs";

describe("filterPalette", () => {
  it("groups by category in display order, keeping the given order inside a group", () => {
    const groups = filterPalette(PALETTE, "");
    expect(groups[0].category).toBe("input");
    expect(groups.map((g) => g.category)).toContain("convolution");
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
