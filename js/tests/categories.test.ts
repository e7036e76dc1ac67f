import { describe, expect, it } from "vitest";
import { categoryColor, categoryLabel } from "../src/categories";
import { filterPalette } from "../src/palette";

describe("categories", () => {
  it("keeps the kernel's category order instead of sorting by one of its own", () => {
    // The kernel (perceptinb/catalog.py) sends the palette in display order, whatever it is.
    const entries = [
      { type: "Add", category: "merging" },
      { type: "Dense", category: "core" },
      { type: "Concatenate", category: "merging" },
      { type: "InputLayer", category: "input" },
    ];
    const groups = filterPalette(entries, "");
    expect(groups.map((g) => g.category)).toEqual(["merging", "core", "input"]);
    expect(groups[0].entries.map((e) => e.type)).toEqual(["Add", "Concatenate"]);
  });

  it("draws unknown categories like 'other' and labels them", () => {
    expect(categoryColor("custom")).toBe(categoryColor("other"));
    expect(categoryColor("core")).not.toBe(categoryColor("other"));
    expect(categoryLabel("convolution")).toBe("Convolution");
    expect(categoryLabel("")).toBe("Other");
  });
});
